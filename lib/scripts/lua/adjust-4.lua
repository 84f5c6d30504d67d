--[[
  Change a SKU's physical stock by a delta (restock, damage, recount, channel sale, return).
  Refused when it would leave fewer units than are held plus the safety buffer, or a
  negative count: the invariant reserved <= onHand - safety is never broken, not even by staff.
  Applied once per operation id: a re-sent or retried call answers the first reply again.

  KEYS[1] stock hash   KEYS[2] event stream   (see reserve-3.lua)
  KEYS[3] operations hash  {prefix}stock:{SKU}:ops   KEYS[4] operations zset  {prefix}stock:{SKU}:ops:at
          (see includes/operation.lua)

  ARGV[1] sku   ARGV[2] delta (non-zero integer)   ARGV[3] event type ('adjust' | 'restock' | 'channel')
  ARGV[4] reason   ARGV[5] source   ARGV[6] actor   ARGV[7] pub/sub channel
  ARGV[8] operation id (non-empty; the same id with another delta or type is refused)

  Returns { code, onHand, available, version }
     1  applied (or applied before under this operation id: the first reply, nothing changed)
    -1  unknown SKU
    -3  refused: onHand would drop below reserved + safety; `available` is the largest
        decrease allowed (as a positive number)
    -4  refused: onHand would exceed 2147483647 (a Postgres integer); `available` is the
        largest increase allowed
    -5  the operation id was used before for another change; nothing changed
]]
--- @include "emit-event"
--- @include "operation"

local PG_INT_MAX = 2147483647
local fingerprint = ARGV[3] .. ':' .. ARGV[2]
local prior = priorOperation(KEYS[3], ARGV[8], fingerprint)
if prior then return prior end

if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0, 0, 0 }
end
local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
local onHand, reserved, safety = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
local delta = tonumber(ARGV[2])
local floor = reserved + safety
if floor < 0 then floor = 0 end
if onHand + delta < floor then
  local maxDecrease = onHand - floor
  if maxDecrease < 0 then maxDecrease = 0 end
  return { -3, onHand, maxDecrease, tonumber(s[4]) }
end
if onHand + delta > PG_INT_MAX then
  return { -4, onHand, PG_INT_MAX - onHand, tonumber(s[4]) }
end
redis.call('HINCRBY', KEYS[1], 'onHand', delta)
local version, available, at = emitEvent(KEYS[1], KEYS[2], ARGV[7], ARGV[1], ARGV[3], delta, ARGV[4], ARGV[5], ARGV[6], '')
local reply = { 1, onHand + delta, available, version }
recordOperation(KEYS[3], KEYS[4], ARGV[8], fingerprint, reply, at)
return reply
