--[[
  Extend a held reservation's deadline once (the shopper is checking out). The units are
  already held, so extending never needs stock; it is refused after the deadline.

  KEYS[1] reservation hash
  ARGV[1] extra seconds   ARGV[2] how long the record outlives its deadline (seconds)

  Returns { code, expiresAt }
     1  extended; the new deadline
    -1  no such reservation
    -2  not held (released, expired, committed)
    -3  deadline already passed
    -4  already extended once
]]
local s = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', 'extended')
if not s[1] then return { -1, 0 } end
if s[1] ~= 'held' then return { -2, tonumber(s[2]) } end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now >= tonumber(s[2]) then return { -3, tonumber(s[2]) } end
if s[3] == '1' then return { -4, tonumber(s[2]) } end
local expiresAt = tonumber(s[2]) + tonumber(ARGV[1]) * 1000
redis.call('HSET', KEYS[1], 'expiresAt', expiresAt, 'extended', 1)
redis.call('PEXPIREAT', KEYS[1], expiresAt + tonumber(ARGV[2]) * 1000)
return { 1, expiresAt }
