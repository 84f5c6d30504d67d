--[[
  Restore a SKU's counters from the Postgres ledger (cold start, disaster recovery, a Redis
  restored from an older snapshot, a reconciliation repair). The version continues from the
  larger of Redis's and the ledger's, so clients never see a version go backwards and the next
  event never reuses a version the ledger already holds. Emits one 'rebuild' event when
  anything changed.

  Holds still present in Redis are kept only while they fit: the engine grants holds only up
  to onHand - safety, and a rebuild must not leave more granted than that (the ledger's onHand
  or the catalog's safety can be smaller than what Redis held against). When they do not all
  fit, this script changes NOTHING and names the reservations whose holds do not fit (code 4):
  the caller ends those reservations first (lib/ledger/rebuild.ts, through endReservation, so every line
  of theirs is given back and their records say so before any counter moves), then calls again.
  A crash in between leaves only properly ended reservations and a SKU still to rebuild; never
  a live reservation with a line silently taken away (checkout would sell it without stock).

  KEYS[1] stock hash   KEYS[2] holds hash   KEYS[3] event stream   (see reserve-3.lua)

  ARGV[1] sku   ARGV[2] onHand from the ledger   ARGV[3] safety   ARGV[4] low-stock threshold
  ARGV[5] location   ARGV[6] ledger's last version   ARGV[7] source   ARGV[8] actor
  ARGV[9] pub/sub channel   ARGV[10] reason
  ARGV[11] open flash sale the SKU belongs to ('' for none): the gate is restored in the same
           step, so a rebuilt sale SKU is never on open sale for an instant
  ARGV[12] when to rebuild:
           '' or '0' = always (a cold start, `npm run inventory:rebuild`);
           '1' = only if every event Redis has after the base version (ARGV[13], or the ledger's
                 last version when '') only moved holds (hold, release, expire) and is still in
                 the stream: reconciliation repairs a live store, and a change of onHand or
                 safety made after the ledger was read must not be undone (reserved is recounted
                 from the holds here, so a hold placed meanwhile is never undone);
           '2' = only if Redis's version is still ARGV[13], the version the caller saw (a SKU
                 found behind the ledger: a change landing between the caller's look and this
                 step makes it change nothing, code 5, and the caller looks again)
  ARGV[13] the base version for '1', the version seen for '2'
  ARGV[14] m, the number of ranked holds that follow ('' or absent = 0)
  ARGV[15 .. 14+2m] pairs (reservation id, keep) in the order holds are to be kept: keep '1' =
           a sold reservation (committed) whose units are kept whatever the count; '0' = kept
           only if it fits. Holds not listed (placed after the caller looked) come after the
           listed ones, in reservation-id order. Each hold is kept if it still fits (so a
           large hold that does not fit does not cost the smaller ones after it theirs).

  Returns { code, onHand, available, version, ... }
     1  rebuilt (an event was emitted); available < 0 only when sold (committed) holds alone
        exceed onHand - safety
     2  Redis already agreed with the ledger
     3  skipped (ARGV[12] = '1' and Redis has another event the ledger lacks): nothing changed
     4  holds do not fit: no counter changed; `available` is onHand - safety, `version` the SKU's
        version now, followed by the reservation ids whose holds do not fit (never a keep = '1'
        one). When Redis's version was behind the ledger's (or its persisted cursor), it is
        first moved up to them, so the events of the endings that follow do not reuse versions
        the ledger holds; the caller then calls again with ARGV[12] = '1' from that version
     5  skipped (ARGV[12] = '2' and Redis's version is not ARGV[13]): nothing changed
]]
--- @include "emit-event"

local onHand, safety, ledgerVersion = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'sale', ARGV[11]) end

local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version', 'persisted')
local version = tonumber(s[4]) or 0
local function current()
  local on = tonumber(s[1]) or 0
  return on, on - (tonumber(s[2]) or 0) - (tonumber(s[3]) or 0)
end
-- Every event after `base` only moved holds, and all of them are still in the stream.
local function onlyHoldsSince(base)
  if version <= base then return true end
  local n = version - base
  if n > 1000 then return false end
  local entries = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', n)
  if #entries < n then return false end
  local want = version
  for _, entry in ipairs(entries) do
    local f, etype, v = entry[2], nil, nil
    for i = 1, #f, 2 do
      if f[i] == 'type' then etype = f[i + 1] elseif f[i] == 'version' then v = tonumber(f[i + 1]) end
    end
    if v ~= want or not (etype == 'hold' or etype == 'release' or etype == 'expire') then return false end
    want = want - 1
  end
  return true
end

local mode = ARGV[12] or ''
if mode == '2' and version ~= tonumber(ARGV[13]) then
  local on, avail = current()
  return { 5, on, avail, version }
end
if mode == '1' then
  local base = ledgerVersion
  if ARGV[13] and ARGV[13] ~= '' then base = tonumber(ARGV[13]) end
  if not onlyHoldsSince(base) then
    local on, avail = current()
    return { 3, on, avail, version }
  end
end

-- Which holds fit: sold ones first (kept whatever the count), then in the caller's order,
-- then any the caller did not see.
local raw = redis.call('HGETALL', KEYS[2])
local holds, reserved = {}, 0
for i = 1, #raw, 2 do
  holds[raw[i]] = tonumber(raw[i + 1])
  reserved = reserved + tonumber(raw[i + 1])
end
local capacity = onHand - safety
local kept, order, listed = 0, {}, {}
local m = tonumber(ARGV[14] or '') or 0
for i = 0, m - 1 do
  local rid, keep = ARGV[15 + 2 * i], ARGV[16 + 2 * i]
  if holds[rid] and not listed[rid] then
    listed[rid] = true
    if keep == '1' then kept = kept + holds[rid] else order[#order + 1] = rid end
  end
end
local unlisted = {}
for rid in pairs(holds) do
  if not listed[rid] then unlisted[#unlisted + 1] = rid end
end
table.sort(unlisted)
for _, rid in ipairs(unlisted) do order[#order + 1] = rid end
local evict = {}
for _, rid in ipairs(order) do
  if kept + holds[rid] <= capacity then kept = kept + holds[rid] else evict[#evict + 1] = rid end
end
if #evict > 0 then
  local persistedNow = tonumber(s[5]) or 0
  if version < ledgerVersion or persistedNow > version then
    local renumbered = math.max(ledgerVersion, persistedNow)
    redis.call('HSET', KEYS[1], 'version', renumbered, 'persisted', math.max(persistedNow, ledgerVersion))
    version = renumbered
  end
  local reply = { 4, onHand, capacity, version }
  for _, rid in ipairs(evict) do reply[#reply + 1] = rid end
  return reply
end

if s[1] and tonumber(s[1]) == onHand and tonumber(s[2]) == reserved and tonumber(s[3]) == safety and version >= ledgerVersion
    and (tonumber(s[5]) or 0) <= version then
  redis.call('HSET', KEYS[1], 'low', ARGV[4], 'location', ARGV[5])
  return { 2, onHand, onHand - reserved - safety, version }
end
local oldOnHand = tonumber(s[1]) or onHand
if ledgerVersion > version then version = ledgerVersion end
local persisted = tonumber(s[5]) or ledgerVersion
if persisted < ledgerVersion then persisted = ledgerVersion end
-- A cursor ahead of the version (Redis restored from an older snapshot) must not stay so: the
-- next events would be taken for persisted and trimmed before reaching the ledger.
if persisted > version then version = persisted end
redis.call('HSET', KEYS[1], 'onHand', onHand, 'reserved', reserved, 'safety', safety, 'version', version,
  'persisted', persisted, 'low', ARGV[4], 'location', ARGV[5])
local newVersion, available = emitEvent(KEYS[1], KEYS[3], ARGV[9], ARGV[1], 'rebuild', onHand - oldOnHand, ARGV[10], ARGV[7], ARGV[8], '')
return { 1, onHand, available, newVersion }
