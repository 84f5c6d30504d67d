--[[
  Put a SKU behind a flash sale's queue, or take it out (reserve-3.lua then refuses holds
  without that sale's admission token).

  KEYS[1] stock hash {prefix}stock:{SKU}
  ARGV[1] sale id   ARGV[2] 'set' | 'clear'

  Returns { code, gate }   1 done · 2 already so · -1 unknown SKU · -2 gated by another sale (gate = it)
]]

if redis.call('EXISTS', KEYS[1]) == 0 then return { -1, '' } end
local gate = redis.call('HGET', KEYS[1], 'sale') or ''
if ARGV[2] == 'set' then
  if gate == ARGV[1] then return { 2, gate } end
  if gate ~= '' then return { -2, gate } end
  redis.call('HSET', KEYS[1], 'sale', ARGV[1])
  return { 1, ARGV[1] }
end
if gate ~= ARGV[1] then return { 2, gate } end
redis.call('HDEL', KEYS[1], 'sale')
return { 1, '' }
