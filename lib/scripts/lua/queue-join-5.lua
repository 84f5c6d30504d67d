--[[
  Join a flash sale's line (one ticket per shopper: the ticket id is derived from the session,
  so joining again returns the same ticket and the same place).

  KEYS[1] sale hash        {prefix}sale:{ID}             status, seq, limit, ...
  KEYS[2] queue zset       {prefix}sale:{ID}:queue       ticket -> join sequence (waiting)
  KEYS[3] pre-queue zset   {prefix}sale:{ID}:pre         ticket -> random key (joined before the start)
  KEYS[4] presence zset    {prefix}sale:{ID}:seen        ticket -> last time a page of it was connected
  KEYS[5] tickets hash     {prefix}sale:{ID}:tickets     ticket -> record (see includes/sale-ticket.lua)

  ARGV[1] ticket   ARGV[2] random key (server-drawn, never shown) ordering the pre-queue

  Returns { code, state, seq, position }
     1  joined now          2  already in line (same ticket, same place, nothing changed)
    -1  no such sale        -2  the sale no longer takes joins (state = sale status)
  Before the start everyone lands in the pre-queue and is shuffled into the line at the start
  (arriving at 09:59:59 gains nothing); after it, the line is first come, first served.
]]
--- @include "sale-ticket"

local status = redis.call('HGET', KEYS[1], 'status')
if not status then return { -1, '', 0, 0 } end
if status == 'closed' or status == 'soldout' then return { -2, status, 0, 0 } end

local ticket = ARGV[1]
local t = readTicket(KEYS[5], ticket)
if t and (t.s == 'waiting' or t.s == 'pre' or t.s == 'admitted') then
  local position = 0
  if t.s == 'waiting' then position = redis.call('ZRANK', KEYS[2], ticket) + 1 end
  if t.s == 'pre' then position = redis.call('ZCARD', KEYS[3]) end
  return { 2, t.s, t.q, position }
end

-- New, or back after the turn or the place was lost: to the back of the line. Units bought
-- under the ticket stay counted against the per-shopper limit.
local now = nowMs()
local units = 0
if t then units = t.u or 0 end
local record = { s = 'pre', q = 0, d = 0, u = units, j = now, a = 0 }
local position
if status == 'scheduled' or status == 'starting' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ticket)
  position = redis.call('ZCARD', KEYS[3])
else
  record.s = 'waiting'
  record.q = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('ZADD', KEYS[2], record.q, ticket)
  position = redis.call('ZRANK', KEYS[2], ticket) + 1
end
redis.call('ZADD', KEYS[4], now, ticket)
writeTicket(KEYS[5], ticket, record)
redis.call('HINCRBY', KEYS[1], 'joins', 1)
return { 1, record.s, record.q, position }
