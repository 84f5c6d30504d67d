--[[
  Open a reservation record (the cart-level envelope of per-SKU holds), or find the one a
  retry of the same request already opened. The deadline comes from Redis's clock so
  every app instance and worker agrees on it.

  KEYS[1] reservation hash   {prefix}res:{reservationId}

  ARGV[1] session id   ARGV[2] request fingerprint (hash of the items)   ARGV[3] items JSON
  ARGV[4] hold time-to-live (seconds)   ARGV[5] how long the record outlives its deadline (seconds)
  ARGV[6] kind ('cart' | 'sale')

  Returns { code, expiresAt, status, fingerprint, session }
     1  opened now
     2  already exists (a retry): its fields are returned for the caller to compare
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local existing = redis.call('HMGET', KEYS[1], 'expiresAt', 'status', 'fingerprint', 'session')
if existing[2] then
  return { 2, tonumber(existing[1]), existing[2], existing[3], existing[4] }
end
local expiresAt = now + tonumber(ARGV[4]) * 1000
redis.call('HSET', KEYS[1], 'session', ARGV[1], 'fingerprint', ARGV[2], 'items', ARGV[3],
  'status', 'pending', 'createdAt', now, 'expiresAt', expiresAt, 'extended', 0, 'kind', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], expiresAt + tonumber(ARGV[5]) * 1000)
return { 1, expiresAt, 'pending', ARGV[2], ARGV[1] }
