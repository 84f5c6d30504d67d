--[[
  Place a hold on one SKU for a reservation: the availability check and the change are one
  atomic step, so reserved <= onHand - safety holds at every instant (never oversell).

  KEYS[1] stock hash     {prefix}stock:{SKU}          onHand, reserved, safety, version
  KEYS[2] holds hash     {prefix}stock:{SKU}:holds    reservationId -> quantity
  KEYS[3] event stream   {prefix}stock:{SKU}:events

  ARGV[1] sku   ARGV[2] reservationId   ARGV[3] quantity (> 0)
  ARGV[4] partial: '1' to hold what is available when fewer than quantity are left
  ARGV[5] source   ARGV[6] actor   ARGV[7] pub/sub channel
  ARGV[8] flash sale whose admission token the caller presented ('' for none)

  Returns { code, held, available, version }
     1  held `held` units (held < quantity only when partial)
     2  this reservation already holds `held` units here (idempotent retry; nothing changed)
    -1  unknown SKU
    -2  insufficient stock: `available` units are left, nothing held
    -3  the SKU is gated by a flash sale and no admission token was presented
    -4  an admission token was presented for a sale that does not gate this SKU
]]
--- @include "emit-event"

if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0, 0, 0 }
end

local existing = redis.call('HGET', KEYS[2], ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version')
local available = tonumber(s[1]) - tonumber(s[2]) - tonumber(s[3])
if existing then
  return { 2, tonumber(existing), available, tonumber(s[4]) }
end

-- A SKU in a flash sale is sold only to shoppers admitted from its queue (checked here, in
-- the same step as the hold, so a sale that starts mid-request cannot be bypassed).
local gate = redis.call('HGET', KEYS[1], 'sale') or ''
if gate ~= ARGV[8] then
  if ARGV[8] == '' then return { -3, 0, available, tonumber(s[4]) } end
  return { -4, 0, available, tonumber(s[4]) }
end

local quantity = tonumber(ARGV[3])
local held = quantity
if available < quantity then
  if ARGV[4] ~= '1' or available <= 0 then
    return { -2, 0, available, tonumber(s[4]) }
  end
  held = available
end

redis.call('HINCRBY', KEYS[1], 'reserved', held)
redis.call('HSET', KEYS[2], ARGV[2], held)
local version, newAvailable = emitEvent(KEYS[1], KEYS[3], ARGV[7], ARGV[1], 'hold', -held, '', ARGV[5], ARGV[6], ARGV[2])
return { 1, held, newAvailable, version }
