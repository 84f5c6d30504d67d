--[[
  Shared fragment: record one stock change.
  Bumps the SKU's version by exactly one, appends the event to the SKU's durable stream
  (persisted to the Postgres ledger by the server/ persister, trimmed only after that) and
  publishes it for the realtime gateway. Must be called after the counters were changed,
  inside the same script, so the change and its event are one atomic step.
  Returns: version, available, at (ms, Redis clock), and the notice as published.
  `quiet` (optional, true): append to the stream but do not publish; the caller publishes the
  returned notice itself (bulk-stock-4.lua publishes only a SKU's last row: the rows before it
  were never visible to anyone, so a page gets one frame per SKU per sync).
]]
-- The stream entry and the notice alone, for a script that already set the SKU's counters,
-- its version (the previous one + 1) and changedAt = at itself (see place-reservation-n.lua).
local function appendEvent(eventsKey, channel, sku, etype, delta, reason, source, actor, rid,
                           onHand, reserved, safety, location, version, at, quiet)
  local available = onHand - reserved - safety
  redis.call('XADD', eventsKey, '*',
    'type', etype, 'sku', sku, 'location', location, 'delta', delta,
    'onHand', onHand, 'reserved', reserved, 'safety', safety, 'available', available,
    'version', version, 'reason', reason, 'source', source, 'actor', actor, 'rid', rid, 'at', at)
  local notice = cjson.encode({
    type = etype, sku = sku, location = location, delta = delta, onHand = onHand,
    reserved = reserved, safety = safety, available = available, version = version,
    reason = reason, source = source, actor = actor, reservationId = rid, at = at })
  if not quiet then redis.call('PUBLISH', channel, notice) end
  return version, available, at, notice
end

local function emitEvent(stockKey, eventsKey, channel, sku, etype, delta, reason, source, actor, rid, quiet)
  local s = redis.call('HMGET', stockKey, 'onHand', 'reserved', 'safety', 'location')
  local version = redis.call('HINCRBY', stockKey, 'version', 1)
  local t = redis.call('TIME')
  local at = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('HSET', stockKey, 'changedAt', at)
  return appendEvent(eventsKey, channel, sku, etype, delta, reason, source, actor, rid,
    tonumber(s[1]) or 0, tonumber(s[2]) or 0, tonumber(s[3]) or 0, s[4] or 'main', version, at, quiet)
end
