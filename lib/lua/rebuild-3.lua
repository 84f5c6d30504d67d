--[[
  Restore a SKU's counters from the Postgres ledger (cold start or disaster recovery).
  Holds still present in Redis are kept (reserved = their sum); the version continues from
  the larger of Redis's and the ledger's, so clients never see a version go backwards.
  Emits one 'rebuild' event when anything changed.

  KEYS[1] stock hash   KEYS[2] holds hash   KEYS[3] event stream   (see reserve-3.lua)

  ARGV[1] sku   ARGV[2] onHand from the ledger   ARGV[3] safety   ARGV[4] low-stock threshold
  ARGV[5] location   ARGV[6] ledger's last version   ARGV[7] source   ARGV[8] actor
  ARGV[9] pub/sub channel   ARGV[10] reason
  ARGV[11] open flash sale the SKU belongs to ('' for none): the gate is restored in the same
           step, so a rebuilt sale SKU is never on open sale for an instant
  ARGV[12] '1' = only if Redis has no event the ledger lacks (reconciliation repairs a live
           store: a change made after the ledger was read must not be undone); '' or '0' = always

  Returns { code, onHand, available, version }
     1  rebuilt (an event was emitted)
     2  Redis already agreed with the ledger
     3  skipped (ARGV[12] = '1' and Redis's version is ahead of the ledger's): nothing changed
]]
--- @include "emit-event"

local onHand, safety, ledgerVersion = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'sale', ARGV[11]) end
local reserved = 0
local holds = redis.call('HVALS', KEYS[2])
for _, q in ipairs(holds) do reserved = reserved + tonumber(q) end

local s = redis.call('HMGET', KEYS[1], 'onHand', 'reserved', 'safety', 'version', 'persisted')
local version = tonumber(s[4]) or 0
if ARGV[12] == '1' and version > ledgerVersion then
  local on = tonumber(s[1]) or 0
  return { 3, on, on - (tonumber(s[2]) or 0) - (tonumber(s[3]) or 0), version }
end
if s[1] and tonumber(s[1]) == onHand and tonumber(s[2]) == reserved and tonumber(s[3]) == safety and version >= ledgerVersion then
  redis.call('HSET', KEYS[1], 'low', ARGV[4], 'location', ARGV[5])
  return { 2, onHand, onHand - reserved - safety, version }
end
local oldOnHand = tonumber(s[1]) or onHand
if ledgerVersion > version then version = ledgerVersion end
local persisted = tonumber(s[5]) or ledgerVersion
if persisted < ledgerVersion then persisted = ledgerVersion end
redis.call('HSET', KEYS[1], 'onHand', onHand, 'reserved', reserved, 'safety', safety, 'version', version,
  'persisted', persisted, 'low', ARGV[4], 'location', ARGV[5])
local newVersion, available = emitEvent(KEYS[1], KEYS[3], ARGV[9], ARGV[1], 'rebuild', onHand - oldOnHand, ARGV[10], ARGV[7], ARGV[8], '')
return { 1, onHand, available, newVersion }
