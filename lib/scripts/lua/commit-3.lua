--[[
  Turn a reservation's hold on one SKU into a sale: onHand and reserved both drop by the
  held quantity, available is unchanged. Idempotent like release-3.lua.

  KEYS[1] stock hash   KEYS[2] holds hash   KEYS[3] event stream   (see reserve-3.lua)

  ARGV[1] sku   ARGV[2] reservationId   ARGV[3] source   ARGV[4] actor   ARGV[5] pub/sub channel
  ARGV[6] order number (recorded as the event's reason)

  Returns { code, sold, available, version }
     1  sold `sold` units
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
redis.call('HINCRBY', KEYS[1], 'onHand', -held)
local version, available = emitEvent(KEYS[1], KEYS[3], ARGV[5], ARGV[1], 'sale', -held, ARGV[6], ARGV[3], ARGV[4], ARGV[2])
return { 1, held, available, version }
