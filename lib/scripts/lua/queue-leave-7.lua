--[[
  Leave the line (or give an unused turn back). The place is gone; joining again goes to the back.

  KEYS[1..6] as in queue-position-7.lua
  KEYS[7] departed list   {prefix}sale:{ID}:departed   join sequences that left since the last tick

  ARGV[1] ticket
  Returns { code, state }   1 left · 2 not in line (nothing changed; state = the ticket's state or '')
]]
--- @include "sale-ticket"

local ticket = ARGV[1]
local t = readTicket(KEYS[6], ticket)
if not t then return { 2, '' } end
if t.s == 'waiting' then
  redis.call('ZREM', KEYS[2], ticket)
  -- Everyone behind moves up one: the next broadcast frame tells them which place emptied.
  redis.call('RPUSH', KEYS[7], t.q)
  redis.call('HINCRBY', KEYS[1], 'departedCount', 1)
elseif t.s == 'pre' then
  redis.call('ZREM', KEYS[3], ticket)
elseif t.s == 'admitted' then
  redis.call('ZREM', KEYS[4], ticket)
  if t.v ~= 1 then redis.call('HINCRBY', KEYS[1], 'unserved', -1) end
else
  return { 2, t.s }
end
redis.call('ZREM', KEYS[5], ticket)
t.s = 'left'
writeTicket(KEYS[6], ticket, t)
return { 1, 'left' }
