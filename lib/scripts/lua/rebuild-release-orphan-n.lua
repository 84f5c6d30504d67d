--[[
  Give back an orphan hold: a SKU's hold under a reservation id whose reservation is gone or
  ended (released, expired, failed) and no longer on the expiry worker's to-do list, so nothing
  else will ever give its units back (found by reconciliation, lib/ledger/reconcile.ts; also used by a
  rebuild for a hold that does not fit, lib/ledger/rebuild.ts). Like release-3.lua it removes the hold
  and lowers reserved by exactly its units, with a normal 'release' event, but only if the
  hold still has the units the caller saw, so it can never give back more than once nor a hold
  that was placed again since.

  On one Redis node the reservation's record and the deadline set are passed too (5 keys) and
  checked in the same step: the hold is kept when the record is live (pending, held,
  committing, committed: a sale still being finished) or ended but still on the to-do list
  (the expiry worker is finishing it). On Redis Cluster those keys are in other slots (3 keys):
  the caller has checked them first, and an ended record never becomes live again.

  KEYS[1] stock hash   KEYS[2] holds hash   KEYS[3] event stream   (see reserve-3.lua)
  KEYS[4] reservation hash   KEYS[5] deadline zset   (single node only)

  ARGV[1] sku   ARGV[2] reservation id   ARGV[3] the hold's units as the caller saw them
  ARGV[4] source   ARGV[5] actor   ARGV[6] pub/sub channel   ARGV[7] reason (recorded on the event)

  Returns { code, released, available, version, status }
     1  released `released` units
     0  the hold is gone or holds other units now: nothing changed
    -2  the reservation is live (`status`): nothing changed
    -3  the reservation ended but is still on the to-do list: nothing changed
]]
--- @include "emit-event"

local held = redis.call('HGET', KEYS[2], ARGV[2])
if not held or tonumber(held) ~= tonumber(ARGV[3]) then
  return { 0, 0, 0, 0, '' }
end
local status = ''
if #KEYS >= 5 then
  status = redis.call('HGET', KEYS[4], 'status') or ''
  if status == 'pending' or status == 'held' or status == 'committing' or status == 'committed' then
    return { -2, 0, 0, 0, status }
  end
  if status ~= '' and redis.call('ZSCORE', KEYS[5], ARGV[2]) then
    return { -3, 0, 0, 0, status }
  end
end
held = tonumber(held)
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'reserved', -held)
local version, available = emitEvent(KEYS[1], KEYS[3], ARGV[6], ARGV[1], 'release', held, ARGV[7], ARGV[4], ARGV[5], ARGV[2])
return { 1, held, available, version, status }
