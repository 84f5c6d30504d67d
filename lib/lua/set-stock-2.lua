--[[
  Create a SKU's counters or set them to absolute values (admin upsert, seeding).
  Refused when the new onHand would be below reserved + safety. Emits one 'set' event when
  onHand or safety changed (nothing when they did not); the low-stock threshold is not a
  stock change and is stored silently.

  KEYS[1] stock hash   KEYS[2] event stream   (see reserve-3.lua)

  ARGV[1] sku   ARGV[2] onHand (>= 0)   ARGV[3] safety (>= 0)   ARGV[4] low-stock threshold
  ARGV[5] location   ARGV[6] reason   ARGV[7] source   ARGV[8] actor   ARGV[9] pub/sub channel
  ARGV[10] starting version for a SKU new to Redis (the ledger's last version, usually 0)

  Returns { code, onHand, available, version }
     1  applied (created or changed)
     2  nothing to change
    -3  refused: onHand would be below reserved + safety
]]
--- @include "emit-event"

local onHand, safety = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'low', ARGV[4], 'location', ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
if not s[1] then
  local startVersion = tonumber(ARGV[10]) or 0
  redis.call('HSET', KEYS[1], 'onHand', onHand, 'reserved', 0, 'safety', safety,
    'version', startVersion, 'persisted', startVersion)
  local version, available = emitEvent(KEYS[1], KEYS[2], ARGV[9], ARGV[1], 'set', onHand, ARGV[6], ARGV[7], ARGV[8], '')
  return { 1, onHand, available, version }
end
local oldOnHand, reserved, oldSafety = tonumber(s[1]), tonumber(s[2]), tonumber(s[3])
if onHand == oldOnHand and safety == oldSafety then
  return { 2, oldOnHand, oldOnHand - reserved - oldSafety, tonumber(s[4]) }
end
if onHand < reserved + safety then
  return { -3, oldOnHand, oldOnHand - reserved - oldSafety, tonumber(s[4]) }
end
redis.call('HSET', KEYS[1], 'onHand', onHand, 'safety', safety)
local version, available = emitEvent(KEYS[1], KEYS[2], ARGV[9], ARGV[1], 'set', onHand - oldOnHand, ARGV[6], ARGV[7], ARGV[8], '')
return { 1, onHand, available, version }
