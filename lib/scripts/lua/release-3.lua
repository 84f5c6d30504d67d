--[[
  Give a reservation's units on one SKU back to available stock (release or expiry).
  Idempotent: a hold that is already gone changes nothing and emits nothing.

  KEYS[1] stock hash   KEYS[2] holds hash   KEYS[3] event stream   (see reserve-3.lua)

  ARGV[1] sku   ARGV[2] reservationId   ARGV[3] event type: 'release' | 'expire'
  ARGV[4] source   ARGV[5] actor   ARGV[6] pub/sub channel

  Returns { code, released, available, version }
     1  released `released` units
     0  nothing was held for this reservation here
]]
--- @include "emit-event"

local held = redis.call('HGET', KEYS[2], ARGV[2])
if not held then
  return { 0, 0, 0, 0 }
end
held = tonumber(held)
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'reserved', -held)
local version, available = emitEvent(KEYS[1], KEYS[3], ARGV[6], ARGV[1], ARGV[3], held, '', ARGV[4], ARGV[5], ARGV[2])
return { 1, held, available, version }
