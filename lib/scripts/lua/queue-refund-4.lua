--[[
  Give a claim back (its holds were refused, released or expired): the units count against
  the shopper's limit no more. The turn stays served: freed units go to the next shoppers in
  line, and this shopper, while the turn lasts, competes for them like anyone admitted.
  Idempotent: a claim is refunded once.

  KEYS[1..4] as in queue-claim-4.lua   ARGV[1] reservation id
  Returns 1 refunded · 0 nothing to refund
]]
--- @include "sale-ticket"

local claim = redis.call('HGET', KEYS[4], ARGV[1])
if not claim then return 0 end
redis.call('HDEL', KEYS[4], ARGV[1])
local ticket, quantity = string.match(claim, '^(%S+) (%d+)$')
local t = readTicket(KEYS[3], ticket)
if not t then return 1 end
t.u = math.max(0, (t.u or 0) - tonumber(quantity))
writeTicket(KEYS[3], ticket, t)
return 1
