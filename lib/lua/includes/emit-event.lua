--[[
  Shared fragment: record one stock change.
  Bumps the SKU's version by exactly one, appends the event to the SKU's durable stream
  (persisted to the Postgres ledger by the server/ persister, trimmed only after that) and
  publishes it for the realtime gateway. Must be called after the counters were changed,
  inside the same script, so the change and its event are one atomic step.
  Returns: version, available, at (ms, Redis clock).
]]
local function emitEvent(stockKey, eventsKey, channel, sku, etype, delta, reason, source, actor, rid)
  local s = redis.call('HMGET', stockKey, 'onHand', 'reserved', 'safety', 'location')
  local onHand = tonumber(s[1]) or 0
  local reserved = tonumber(s[2]) or 0
  local safety = tonumber(s[3]) or 0
  local location = s[4] or 'main'
  local version = redis.call('HINCRBY', stockKey, 'version', 1)
  local t = redis.call('TIME')
  local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local available = onHand - reserved - safety
  redis.call('XADD', eventsKey, '*',
    'type', etype, 'sku', sku, 'location', location, 'delta', delta,
    'onHand', onHand, 'reserved', reserved, 'safety', safety, 'available', available,
    'version', version, 'reason', reason, 'source', source, 'actor', actor, 'rid', rid, 'at', at)
  redis.call('HSET', stockKey, 'changedAt', at)
  redis.call('PUBLISH', channel, cjson.encode({
    type = etype, sku = sku, location = location, delta = delta, onHand = onHand,
    reserved = reserved, safety = safety, available = available, version = version,
    reason = reason, source = source, actor = actor, reservationId = rid, at = at }))
  return version, available, at
end
