--[[
  An admitted shopper takes units of the sale (before the per-SKU holds): checks that the turn
  is still open and the per-shopper limit, and records the claim under the reservation id so a
  retry of the same reservation claims nothing twice.

  KEYS[1] sale hash   KEYS[2] admitted zset   KEYS[3] tickets hash   (see queue-position-7.lua)
  KEYS[4] claims hash   {prefix}sale:{ID}:claims   reservationId -> "ticket quantity"

  ARGV[1] ticket   ARGV[2] reservation id   ARGV[3] quantity

  Returns { code, units, limit }   (units: under the ticket after this call)
     1  claimed   2  already claimed by this reservation (nothing changed)
    -1  not admitted (never, or the place was lost)   -2  the turn has ended
    -3  over the per-shopper limit (units = already taken)   -4  the sale is closed
]]
--- @include "sale-ticket"

local status = redis.call('HGET', KEYS[1], 'status')
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit')) or 1
if not status or status == 'closed' then return { -4, 0, limit } end
local existing = redis.call('HGET', KEYS[4], ARGV[2])
local t = readTicket(KEYS[3], ARGV[1])
if existing then return { 2, t and t.u or 0, limit } end
if not t or t.s ~= 'admitted' then
  if t and (t.s == 'done' or t.s == 'expired') then return { -2, t.u or 0, limit } end
  return { -1, t and t.u or 0, limit }
end
if t.d <= nowMs() then return { -2, t.u or 0, limit } end
local quantity = tonumber(ARGV[3])
if (t.u or 0) + quantity > limit then return { -3, t.u or 0, limit } end
if t.v ~= 1 then
  t.v = 1
  redis.call('HINCRBY', KEYS[1], 'unserved', -1)
end
t.u = (t.u or 0) + quantity
writeTicket(KEYS[3], ARGV[1], t)
redis.call('HSET', KEYS[4], ARGV[2], ARGV[1] .. ' ' .. quantity)
return { 1, t.u, limit }
