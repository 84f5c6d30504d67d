--[[
  End a reservation and give back every unit it holds, in one atomic step (invariant 5b):
  the state transition (release, expiry, a failed placement's rollback, the undo of a stalled
  checkout) and the release of each line's hold happen together or not at all, so no crash
  or failed call can leave units held by a reservation that is no longer live.

  Single Redis node only (the keys span slots). On Redis Cluster lib/reservations/place.ts does the
  same in steps (transition-reservation-1, release-3 per line) and the deadline entry stays
  in the set as the durable to-do until every line is released (see finishEndedReservation).

  KEYS[1] reservation hash   {prefix}res:{reservationId}
  KEYS[2] deadline zset      {prefix}holds:deadlines
  then per SKU: stock hash, holds hash, event stream (see reserve-3.lua)

  ARGV[1] reservation id   ARGV[2] expected states, comma-separated   ARGV[3] new state
  ARGV[4] deadline rule ('' | 'before' | 'after', as in transition-reservation-1.lua)
  ARGV[5] event type ('release' | 'expire')   ARGV[6] source   ARGV[7] actor
  ARGV[8] pub/sub channel
  ARGV[9] linger (ms): when the reservation was still 'pending' (a stepwise placement that may
          still be running could hold a line after this step), or it belongs to a flash sale
          (its claim is refunded by the caller, in the sale's slot), the deadline entry is kept,
          due after `linger`, so the expiry worker releases stragglers and refunds; otherwise
          the entry is removed
  ARGV[10] number of SKUs n   ARGV[11 .. 10+n] the SKUs, in the order of their keys
  ARGV[11+n ..] extra field/value pairs to set on the record

  Returns { code, previousStatus, released units (total), kept (1 when the deadline entry was kept) }
     1  ended and released
    -1  no such reservation
    -2  not in an expected state (previousStatus is the current one)
    -3  the deadline rule refused
    -5  the record holds a SKU that was not passed: nothing changed (the caller re-reads)
]]
--- @include "emit-event"

local s = redis.call('HMGET', KEYS[1], 'status', 'expiresAt', 'items', 'sale')
if not s[1] then return { -1, '', 0, 0 } end
local status, expiresAt = s[1], tonumber(s[2])

local allowed = false
for state in string.gmatch(ARGV[2], '[^,]+') do
  if state == status then allowed = true end
end
if not allowed then return { -2, status, 0, 0 } end

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if (ARGV[4] == 'before' and now >= expiresAt) or (ARGV[4] == 'after' and now < expiresAt) then
  return { -3, status, 0, 0 }
end

local n = tonumber(ARGV[10])
local passed = {}
for i = 1, n do passed[ARGV[10 + i]] = true end
if s[3] then
  local ok, items = pcall(cjson.decode, s[3])
  if ok then
    for _, item in ipairs(items) do
      if not passed[item.sku] then return { -5, status, 0, 0 } end
    end
  end
end

redis.call('HSET', KEYS[1], 'status', ARGV[3])
for i = 11 + n, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end

local rid, released = ARGV[1], 0
for i = 1, n do
  local stockKey, holdsKey, eventsKey = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]
  local held = redis.call('HGET', holdsKey, rid)
  if held then
    held = tonumber(held)
    redis.call('HDEL', holdsKey, rid)
    redis.call('HINCRBY', stockKey, 'reserved', -held)
    emitEvent(stockKey, eventsKey, ARGV[8], ARGV[10 + i], ARGV[5], held, '', ARGV[6], ARGV[7], rid)
    released = released + held
  end
end

if status == 'pending' or s[4] then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[9]), rid)
  return { 1, status, released, 1 }
end
redis.call('ZREM', KEYS[2], rid)
return { 1, status, released, 0 }
