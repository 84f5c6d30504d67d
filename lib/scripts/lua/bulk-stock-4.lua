--[[
  Apply one SKU's rows of a bulk sync (PUT /api/v1/admin/inventory) all together or not at all:
  each row is a movement (a delta) or a count (an absolute onHand). Every row is checked against
  the invariant first (onHand never below reserved + safety, never beyond a Postgres integer,
  counted after the rows before it); only when all pass are they applied, one event per row that
  changes onHand (a count equal to the current onHand changes nothing and emits nothing). Every
  row's event goes to the stream (the ledger has each one); only the SKU's last one is published,
  so an open page's badge moves once per sync, straight to the final count.
  Applied once per operation id: a retried request answers the first reply again.

  KEYS[1] stock hash   KEYS[2] event stream   KEYS[3] operations hash   KEYS[4] operations zset
          (see adjust-4.lua and includes/operation.lua)

  ARGV[1] sku   ARGV[2] pub/sub channel   ARGV[3] source   ARGV[4] actor
  ARGV[5] operation id   ARGV[6] fingerprint of the rows (the same id with other rows is refused)
  ARGV[7] number of rows n, then per row 4 values from ARGV[8]:
          kind ('delta' | 'count'), value (integer), event type ('adjust' | 'restock' | 'channel'
          | 'set'), reason

  Returns { code, a, b, c }
     1  applied: { 1, onHand, available, version } after the last row (or the first reply again)
     2  nothing changed (every row a count equal to onHand): { 2, onHand, available, version }
    -1  unknown SKU: { -1, 0, 0, 0 }
    -3  refused: row a (1-based) would leave onHand below reserved + safety; b: the largest
        decrease allowed at that row; c: the version
    -4  refused: row a would put onHand beyond 2147483647; b: the largest increase allowed
    -5  the operation id was used before for other rows; nothing changed
]]
--- @include "emit-event"
--- @include "operation"

local PG_INT_MAX = 2147483647
local prior = priorOperation(KEYS[3], ARGV[5], ARGV[6])
if prior then return prior end

if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0, 0, 0 }
end
local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
local onHand, reserved, safety, version = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4])
local floor = reserved + safety
if floor < 0 then floor = 0 end

local n = tonumber(ARGV[7])
local targets = {}
local current = onHand
for i = 1, n do
  local base = 8 + (i - 1) * 4
  local value = tonumber(ARGV[base + 1])
  local target = current + value
  if ARGV[base] == 'count' then target = value end
  if target < floor then
    local maxDecrease = current - floor
    if maxDecrease < 0 then maxDecrease = 0 end
    return { -3, i, maxDecrease, version }
  end
  if target > PG_INT_MAX then
    return { -4, i, PG_INT_MAX - current, version }
  end
  targets[i] = target
  current = target
end

local changed = false
local available, at, notice = onHand - reserved - safety, nil, nil
local previous = onHand
for i = 1, n do
  local base = 8 + (i - 1) * 4
  local delta = targets[i] - previous
  if delta ~= 0 then
    redis.call('HSET', KEYS[1], 'onHand', targets[i])
    version, available, at, notice = emitEvent(KEYS[1], KEYS[2], ARGV[2], ARGV[1], ARGV[base + 2], delta, ARGV[base + 3], ARGV[3], ARGV[4], '', true)
    changed = true
  end
  previous = targets[i]
end
if notice then redis.call('PUBLISH', ARGV[2], notice) end

local reply = { changed and 1 or 2, previous, available, version }
recordOperation(KEYS[3], KEYS[4], ARGV[5], ARGV[6], reply, at or redisNowMs())
return reply
