--[[
  Create a SKU's counters or set them to absolute values (admin upsert, seeding).
  Refused when the new onHand would be below reserved + safety. Emits one 'set' event when
  onHand or safety changed (nothing when they did not); the low-stock threshold is not a
  stock change and is stored silently. Applied once per operation id: re-sent after other
  changes landed, an absolute value would undo them, so a repeat answers the first reply.

  KEYS[1] stock hash   KEYS[2] event stream   (see reserve-3.lua)
  KEYS[3] operations hash   KEYS[4] operations zset   (see adjust-4.lua, includes/operation.lua)

  ARGV[1] sku   ARGV[2] onHand (>= 0)   ARGV[3] safety (>= 0)   ARGV[4] low-stock threshold
  ARGV[5] location   ARGV[6] reason   ARGV[7] source   ARGV[8] actor   ARGV[9] pub/sub channel
  ARGV[10] starting version for a SKU new to Redis (the ledger's last version, usually 0)
  ARGV[11] operation id (non-empty; the same id with another onHand or safety is refused)

  Returns { code, onHand, available, version }
     1  applied (created or changed)
     2  nothing to change
        (1 or 2 also for a repeated operation id: the first reply, nothing changed again)
    -3  refused: onHand would be below reserved + safety
    -4  refused: onHand or safety above 2147483647 (a Postgres integer)
    -5  the operation id was used before for another setting; nothing changed
]]
--- @include "emit-event"
--- @include "operation"

local PG_INT_MAX = 2147483647
local onHand, safety = tonumber(ARGV[2]), tonumber(ARGV[3])
local fingerprint = 'set:' .. ARGV[2] .. ':' .. ARGV[3]
local prior = priorOperation(KEYS[3], ARGV[11], fingerprint)
if prior then return prior end
if onHand > PG_INT_MAX or safety > PG_INT_MAX then
  return { -4, 0, 0, 0 }
end

redis.call('HSET', KEYS[1], 'low', ARGV[4], 'location', ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
local reply
if not s[1] then
  local startVersion = tonumber(ARGV[10]) or 0
  redis.call('HSET', KEYS[1], 'onHand', onHand, 'reserved', 0, 'safety', safety,
    'version', startVersion, 'persisted', startVersion)
  local version, available, at = emitEvent(KEYS[1], KEYS[2], ARGV[9], ARGV[1], 'set', onHand, ARGV[6], ARGV[7], ARGV[8], '')
  reply = { 1, onHand, available, version }
  recordOperation(KEYS[3], KEYS[4], ARGV[11], fingerprint, reply, at)
  return reply
end
local oldOnHand, reserved, oldSafety = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
if onHand == oldOnHand and safety == oldSafety then
  reply = { 2, oldOnHand, oldOnHand - reserved - oldSafety, tonumber(s[4]) }
  recordOperation(KEYS[3], KEYS[4], ARGV[11], fingerprint, reply, redisNowMs())
  return reply
end
if onHand < reserved + safety then
  return { -3, oldOnHand, oldOnHand - reserved - oldSafety, tonumber(s[4]) }
end
redis.call('HSET', KEYS[1], 'onHand', onHand, 'safety', safety)
local version, available, at = emitEvent(KEYS[1], KEYS[2], ARGV[9], ARGV[1], 'set', onHand - oldOnHand, ARGV[6], ARGV[7], ARGV[8], '')
reply = { 1, onHand, available, version }
recordOperation(KEYS[3], KEYS[4], ARGV[11], fingerprint, reply, at)
return reply
