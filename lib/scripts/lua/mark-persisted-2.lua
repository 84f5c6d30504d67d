--[[
  Record that the ledger has every event of a SKU up to a version, and trim those entries
  from the SKU's stream. The cursor only moves forward, so a slow persister racing a fast
  one can never make the stream re-grow or lose entries that are not yet in Postgres.

  KEYS[1] stock hash   KEYS[2] event stream   (see reserve-3.lua)
  ARGV[1] version now in the ledger   ARGV[2] smallest stream id to keep (id after the last persisted)

  Returns the persisted version after the call.
]]
local current = tonumber(redis.call('HGET', KEYS[1], 'persisted') or '0')
local v = tonumber(ARGV[1])
if v > current then
  redis.call('HSET', KEYS[1], 'persisted', v)
  redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2])
  return v
end
return current
