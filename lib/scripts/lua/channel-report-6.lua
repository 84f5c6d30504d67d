--[[
  Apply one sales-channel report to a SKU (see docs/channels.md for the rule and an example).
  A movement (a delta at the channel's time occurredAt) is applied once, in any arrival order,
  unless the channel's last applied count is at or after occurredAt: the count already
  includes it. A count (onHand at occurredAt) is last-writer-wins by occurredAt: a count newer
  than the last applied one sets onHand to its value plus the channel's movements that
  occurred after it and were applied already (they arrived first); an older or equal count
  changes nothing. Both are refused below reserved + safety, and above a Postgres integer.

  KEYS[1] stock hash   KEYS[2] event stream   (see reserve-3.lua)
  KEYS[3] operations hash   KEYS[4] operations zset   (see includes/operation.lua)
  KEYS[5] channel state   {prefix}stock:{SKU}:channel:<name>   hash: countAt (ms), countValue,
          countEvent (event id of the last applied count), prunedTo (ms: movements at or before
          it are forgotten, so an older count can no longer be placed)
  KEYS[6] channel movements   {prefix}stock:{SKU}:channel:<name>:movements   zset:
          "<delta> <operation id>" -> occurredAt (ms); the applied movements a count must not lose

  ARGV[1] sku   ARGV[2] kind: 'movement' | 'count'   ARGV[3] delta (movement) or onHand (count)
  ARGV[4] occurredAt (ms since the epoch)   ARGV[5] operation id   ARGV[6] the report's event id
  ARGV[7] source   ARGV[8] actor   ARGV[9] pub/sub channel

  Returns { code, onHand, available, version, countEvent }
     1  applied (an event was emitted)
     2  a count equal to the current onHand: recorded as the channel's count, no event
        (1 or 2 also for a repeated operation id: the first reply, nothing changed again)
     3  stale, nothing changed: a movement at or before the last applied count (already
        counted), or a count not newer than it; countEvent names that count ('' when the
        report is older than the window the movements are kept for)
    -1  unknown SKU
    -3  refused: onHand would be below reserved + safety; `available` is the largest decrease
    -4  refused: onHand would exceed 2147483647; `available` is the largest increase
    -5  the operation id was used before for another report; nothing changed
]]
--- @include "emit-event"
--- @include "operation"

local PG_INT_MAX = 2147483647
-- Movements are kept this long (source time against Redis time) and at most this many per
-- channel and SKU; a count older than what is kept cannot be placed and is stale.
local WINDOW_MS = 86400000
local MOVEMENTS_MAX = 50000

local kind, value, occurredAt = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local fingerprint = kind .. ':' .. ARGV[3] .. ':' .. ARGV[4]
local prior = priorOperation(KEYS[3], ARGV[5], fingerprint)
if prior then
  if prior[1] < 0 then return prior end
  return { prior[1], prior[2], prior[3], prior[4], '' }
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0, 0, 0, '' }
end

local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
local onHand, reserved, safety, version = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), tonumber(s[4])
local st = redis.call('HMGET', KEYS[5], 'countAt', 'countEvent', 'prunedTo')
local countAt, countEvent, prunedTo = tonumber(st[1]), st[2] or '', tonumber(st[3])
local now = redisNowMs()
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. (now - WINDOW_MS))

local function stale(name)
  return { 3, onHand, onHand - reserved - safety, version, name }
end

local target
if kind == 'movement' then
  if countAt and occurredAt <= countAt then return stale(countEvent) end
  target = onHand + value
else
  if countAt and occurredAt <= countAt then return stale(countEvent) end
  if occurredAt < now - WINDOW_MS or (prunedTo and occurredAt <= prunedTo) then return stale('') end
  local later = 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. occurredAt, '+inf')) do
    later = later + tonumber(string.match(m, '^(-?%d+) '))
  end
  target = value + later
end

local floor = reserved + safety
if floor < 0 then floor = 0 end
if target < floor then
  local maxDecrease = onHand - floor
  if maxDecrease < 0 then maxDecrease = 0 end
  return { -3, onHand, maxDecrease, version, '' }
end
if target > PG_INT_MAX then
  return { -4, onHand, PG_INT_MAX - onHand, version, '' }
end

if kind == 'movement' then
  if occurredAt >= now - WINDOW_MS then
    redis.call('ZADD', KEYS[6], occurredAt, ARGV[3] .. ' ' .. ARGV[5])
    local over = redis.call('ZCARD', KEYS[6]) - MOVEMENTS_MAX
    if over > 0 then
      local dropped = redis.call('ZRANGE', KEYS[6], over - 1, over - 1, 'WITHSCORES')
      redis.call('ZREMRANGEBYRANK', KEYS[6], 0, over - 1)
      redis.call('HSET', KEYS[5], 'prunedTo', math.max(prunedTo or 0, tonumber(dropped[2])))
    end
    redis.call('PEXPIRE', KEYS[6], WINDOW_MS)
  end
else
  -- Everything the channel moved up to occurredAt is inside this count now.
  redis.call('HSET', KEYS[5], 'countAt', occurredAt, 'countValue', value, 'countEvent', ARGV[6])
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', occurredAt)
end

local reply
if target == onHand then
  reply = { 2, onHand, onHand - reserved - safety, version }
  recordOperation(KEYS[3], KEYS[4], ARGV[5], fingerprint, reply, now)
else
  redis.call('HSET', KEYS[1], 'onHand', target)
  local reason = 'channel'
  if kind == 'count' then reason = 'channel count ' .. ARGV[3] end
  local v, available = emitEvent(KEYS[1], KEYS[2], ARGV[9], ARGV[1], 'channel', target - onHand, reason, ARGV[7], ARGV[8], '')
  reply = { 1, target, available, v }
  recordOperation(KEYS[3], KEYS[4], ARGV[5], fingerprint, reply, now)
end
return { reply[1], reply[2], reply[3], reply[4], '' }
