--[[
  One admission tick of a flash sale, run by the sale's single admitter (it holds a lease).
  In one atomic step:
    1. at the start time, shuffle the pre-queue into the line (in chunks; joins meanwhile still
       land in the pre-queue, so nobody who came early is overtaken by a late arrival);
    2. end the turns whose window has passed;
    3. drop the places of shoppers away longer than the grace period (no page connected);
    4. close the line when the sale's stock is gone;
    5. admit the next shoppers in join order: no more per second than the admission rate
       (a token bucket), and never more admitted-but-unserved shoppers than the units left
       could serve plus the over-admission margin.

  KEYS[1..7] as in queue-position-7.lua

  ARGV[1] units available now, summed over the sale's SKUs (read by the admitter just before)
  ARGV[2] units not yet sold (available + held), same SKUs
  ARGV[3] most pre-queue entries to shuffle in per tick   ARGV[4] most lapsed places to drop per tick
  ARGV[5] most admissions per tick

  Returns a JSON object: { tick, changed, status, admitted, admittedThrough, departed = {seq...},
  waiting, prequeue, unitsLeft, stockLeft, rate, now, admittedTickets = {ticket...}, deadline }
  or '' when there is no such sale.
]]
--- @include "sale-ticket"

local f = redis.call('HMGET', KEYS[1], 'status', 'startsAt', 'rate', 'window', 'grace', 'margin', 'budget',
  'lastTickAt', 'tick', 'admittedCount', 'admittedThrough', 'unserved', 'ema', 'unitsLeft', 'stockLeft', 'lastStatus',
  'lastWaiting', 'lastPre')
local status = f[1]
if not status then return '' end
local startsAt, rate = tonumber(f[2]) or 0, tonumber(f[3]) or 0
local window, grace, margin = tonumber(f[4]) or 120, tonumber(f[5]) or 300, tonumber(f[6]) or 0
local budget, lastTickAt, tick = tonumber(f[7]) or 0, tonumber(f[8]) or 0, tonumber(f[9]) or 0
local admittedCount, admittedThrough = tonumber(f[10]) or 0, tonumber(f[11]) or 0
local unserved, ema = tonumber(f[12]) or 0, tonumber(f[13]) or 0
local available, stockLeft = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = nowMs()
local changed = false
local departed = {}
local admittedTickets = {}

-- 1. The start: shuffle the early arrivals (ordered by their random key) into the line.
if status == 'scheduled' and now >= startsAt then status = 'starting' end
if status == 'starting' then
  local early = redis.call('ZPOPMIN', KEYS[3], tonumber(ARGV[3]))
  for i = 1, #early, 2 do
    local ticket = early[i]
    local t = readTicket(KEYS[6], ticket)
    if t then
      t.s = 'waiting'
      t.q = redis.call('HINCRBY', KEYS[1], 'seq', 1)
      redis.call('ZADD', KEYS[2], t.q, ticket)
      writeTicket(KEYS[6], ticket, t)
    end
  end
  if redis.call('ZCARD', KEYS[3]) == 0 then status = 'live' end
  changed = true
end

-- 2. Turns that ran out: the slot goes back to the line.
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
for _, ticket in ipairs(due) do
  redis.call('ZREM', KEYS[4], ticket)
  local t = readTicket(KEYS[6], ticket)
  if t and t.s == 'admitted' then
    if t.v ~= 1 then unserved = unserved - 1 end
    if (t.u or 0) > 0 then t.s = 'done' else t.s = 'expired' end
    writeTicket(KEYS[6], ticket, t)
  end
  changed = true
end

-- 3. Shoppers away longer than the grace period lose their place (and never block the line).
local leavers = redis.call('LRANGE', KEYS[7], 0, -1)
if #leavers > 0 then
  redis.call('DEL', KEYS[7])
  for _, q in ipairs(leavers) do departed[#departed + 1] = tonumber(q) end
end
local away = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now - grace * 1000, 'LIMIT', 0, tonumber(ARGV[4]))
for _, ticket in ipairs(away) do
  redis.call('ZREM', KEYS[5], ticket)
  local t = readTicket(KEYS[6], ticket)
  if t and (t.s == 'waiting' or t.s == 'pre') then
    if t.s == 'waiting' then
      redis.call('ZREM', KEYS[2], ticket)
      departed[#departed + 1] = t.q
      redis.call('HINCRBY', KEYS[1], 'departedCount', 1)
    else
      redis.call('ZREM', KEYS[3], ticket)
    end
    t.s = 'lapsed'
    writeTicket(KEYS[6], ticket, t)
  end
end
if #departed > 0 then changed = true end

-- 4. Every unit sold: tell the whole line at once and close it.
if stockLeft <= 0 and (status == 'live' or status == 'paused' or status == 'starting') then
  status = 'soldout'
  redis.call('DEL', KEYS[2], KEYS[3])
end

-- 5. Admissions, in join order.
local dt = now - lastTickAt
if lastTickAt == 0 or dt < 0 then dt = 0 end
local cap = rate
if cap < 1 then cap = 1 end
budget = math.min(cap, budget + rate * dt / 1000)
local admittedNow = 0
local deadline = now + window * 1000
if status == 'live' then
  local capacity = available + math.floor(available * margin / 100) - unserved
  local n = math.min(math.floor(budget), capacity, tonumber(ARGV[5]))
  if n > 0 then
    local popped = redis.call('ZPOPMIN', KEYS[2], n)
    for i = 1, #popped, 2 do
      local ticket, seq = popped[i], tonumber(popped[i + 1])
      local t = readTicket(KEYS[6], ticket) or { u = 0, j = now }
      t.s, t.q, t.d, t.a, t.v = 'admitted', seq, deadline, now, 0
      writeTicket(KEYS[6], ticket, t)
      redis.call('ZADD', KEYS[4], deadline, ticket)
      redis.call('ZREM', KEYS[5], ticket)
      admittedTickets[#admittedTickets + 1] = ticket
      if seq > admittedThrough then admittedThrough = seq end
      admittedNow = admittedNow + 1
      unserved = unserved + 1
    end
    budget = budget - admittedNow
    admittedCount = admittedCount + admittedNow
    changed = true
  end
end

-- Measured admission rate: an exponential moving average over about ten seconds.
if dt > 0 then
  local alpha = 1 - math.exp(-dt / 10000)
  ema = ema + alpha * (admittedNow * 1000 / dt - ema)
end
-- New joins change the line's length: worth one frame per tick too (the admin screen and the
-- "N in line" counters follow it), still one message per sale room, never one per waiter.
local waiting, prequeue = redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3])
if status ~= f[16] or available ~= tonumber(f[14]) or stockLeft ~= tonumber(f[15])
  or waiting ~= tonumber(f[17]) or prequeue ~= tonumber(f[18]) then changed = true end
if changed then tick = tick + 1 end
redis.call('HSET', KEYS[1], 'status', status, 'budget', budget, 'lastTickAt', now, 'tick', tick,
  'admittedCount', admittedCount, 'admittedThrough', admittedThrough, 'unserved', unserved, 'ema', ema,
  'unitsLeft', available, 'stockLeft', stockLeft, 'lastStatus', status, 'lastWaiting', waiting, 'lastPre', prequeue)

return cjson.encode({
  tick = tick, changed = changed, status = status, admitted = admittedCount, admittedThrough = admittedThrough,
  departed = departed, waiting = waiting, prequeue = prequeue,
  unitsLeft = available, stockLeft = stockLeft, rate = ema, now = now, admittedTickets = admittedTickets,
  deadline = deadline,
})
