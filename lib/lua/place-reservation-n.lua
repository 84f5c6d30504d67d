--[[
  Place a whole reservation in one atomic step: the envelope, every line's hold and event, the
  deadline and the shopper's cart entry. This is the single-node fast path (one round trip
  instead of five); on Redis Cluster the keys span slots, so lib/reservations.ts uses the
  per-slot steps (open-reservation-1, reserve-3, transition-reservation-1) instead. Both paths
  write the same records and the same events.

  Called with a variable number of keys (numkeys = 3 + 3 × lines):
  KEYS[1] reservation hash   {prefix}res:{reservationId}
  KEYS[2] deadline zset      {prefix}holds:deadlines
  KEYS[3] session set        {prefix}session:{sessionId}:reservations
  KEYS[3i+1..3i+3] for line i (0-based): stock hash, holds hash, event stream of its SKU
                                             (see reserve-3.lua)

  ARGV[1] session id   ARGV[2] request fingerprint   ARGV[3] reservation id
  ARGV[4] hold time-to-live (seconds)   ARGV[5] how long the record outlives its deadline (seconds)
  ARGV[6] kind   ARGV[7] partial: '1' to hold what is left of a single line
  ARGV[8] source   ARGV[9] actor   ARGV[10] pub/sub channel
  ARGV[11] the lines as JSON [{sku, quantity, requested}] as stored when every line is held in full
  ARGV[12 + 2i], ARGV[13 + 2i] line i's sku and quantity (> 0), in the caller's fixed SKU order

  Returns
    { 1, expiresAt, held_0, held_1, ... }        placed now (held_i < quantity only when partial)
    { 2, expiresAt, status, fingerprint }        a record with this id exists already (a retry):
                                                 nothing changed, the caller compares and replays
    { -1, line, available, sale }                refused, nothing held: `line` (0-based) is the
                                                 first refused line, `code` its reserve-3 code
                                                 (-1 unknown SKU, -2 insufficient, -3 sale-gated),
                                                 stored in the record as status 'failed' so a
                                                 retry gets the same answer
      (the first element is the line's code: -1, -2 or -3)
]]
--- @include "emit-event"

local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local rid = ARGV[3]

local existing = redis.call('HMGET', KEYS[1], 'expiresAt', 'status', 'fingerprint')
if existing[2] then
  return { 2, tonumber(existing[1]), existing[2], existing[3] }
end

local expiresAt = now + tonumber(ARGV[4]) * 1000
local keepUntil = expiresAt + tonumber(ARGV[5]) * 1000
local lines = (#KEYS - 3) / 3
local requested = {}
for i = 0, lines - 1 do
  requested[i] = { sku = ARGV[12 + 2 * i], quantity = tonumber(ARGV[13 + 2 * i]) }
end

local function open(status, fields)
  redis.call('HSET', KEYS[1], 'session', ARGV[1], 'fingerprint', ARGV[2], 'status', status,
    'createdAt', now, 'expiresAt', expiresAt, 'extended', 0, 'kind', ARGV[6], unpack(fields))
  redis.call('PEXPIREAT', KEYS[1], keepUntil)
  redis.call('SADD', KEYS[3], rid)
  redis.call('EXPIRE', KEYS[3], tonumber(ARGV[5]))
end

-- Check every line before changing any: all or nothing, in one step.
local held, levels = {}, {}
for i = 0, lines - 1 do
  local line = requested[i]
  local code, available, gate = 0, 0, ''
  local s = redis.call('HMGET', KEYS[4 + 3 * i], 'onHand', 'reserved', 'safety', 'version', 'location', 'sale')
  if not s[1] then
    code = -1
  else
    levels[i] = s
    available = tonumber(s[1]) - tonumber(s[2]) - tonumber(s[3])
    gate = s[6] or ''
    if gate ~= '' then
      code = -3
    elseif available >= line.quantity then
      held[i] = line.quantity
    elseif ARGV[7] == '1' and lines == 1 and available > 0 then
      held[i] = available
    else
      code = -2
    end
  end
  if code < 0 then
    local asked = {}
    for j = 0, lines - 1 do asked[j + 1] = requested[j] end
    open('failed', { 'items', cjson.encode(asked), 'refusal',
      cjson.encode({ code = code, line = i, available = available, sale = gate }) })
    return { code, i, available, gate }
  end
end

-- Counters, version and time of change in one HSET per SKU, then the event (emit-event's
-- appendEvent): the same records and events as reserve-3 + emitEvent, in fewer calls.
local itemsJson = ARGV[11]
for i = 0, lines - 1 do
  local s = levels[i]
  local reserved, version = tonumber(s[2]) + held[i], (tonumber(s[4]) or 0) + 1
  redis.call('HSET', KEYS[4 + 3 * i], 'reserved', reserved, 'version', version, 'changedAt', now)
  redis.call('HSET', KEYS[5 + 3 * i], rid, held[i])
  appendEvent(KEYS[6 + 3 * i], ARGV[10], requested[i].sku, 'hold', -held[i], '', ARGV[8], ARGV[9], rid,
    tonumber(s[1]), reserved, tonumber(s[3]), s[5] or 'main', version, now)
  if held[i] ~= requested[i].quantity then
    itemsJson = cjson.encode({ { sku = requested[i].sku, quantity = held[i], requested = requested[i].quantity } })
  end
end
open('held', { 'items', itemsJson })
redis.call('ZADD', KEYS[2], expiresAt, rid)

local reply = { 1, expiresAt }
for i = 0, lines - 1 do reply[#reply + 1] = held[i] end
return reply
