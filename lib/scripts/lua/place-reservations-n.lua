--[[
  Place a batch of reservations, each in full or not at all: per reservation the envelope,
  every line's hold and event, the deadline and the shopper's cart entry. This is the
  single-node fast path: lib/reservations/place.ts sends the reservations that arrive in the same
  tick of the event loop as one batch (one round trip and one script call for all of them,
  like a database's group commit). On Redis Cluster the keys span slots, so it uses the
  per-slot steps (open-reservation-1, reserve-3, transition-reservation-1) instead. Both paths
  write the same records and the same events.

  The reservations are placed one after the other, exactly as if each were its own script
  call in that order: a later one sees the stock the earlier ones left, and a refusal refuses
  only its own reservation. Every write happens before the next reservation starts, so an
  error part-way (out of memory) leaves the earlier reservations whole.

  KEYS[1] deadline zset   {prefix}holds:deadlines
  then, per reservation:
    reservation hash   {prefix}res:{reservationId}
    session set        {prefix}session:{sessionId}:reservations
    per line: stock hash, holds hash, event stream of its SKU (see reserve-3.lua)

  ARGV[1] hold time-to-live (seconds)   ARGV[2] how long a record outlives its deadline (seconds)
  ARGV[3] pub/sub channel   ARGV[4] number of reservations
  then, per reservation (10 + 2 × lines values):
    session id, request fingerprint, reservation id, kind, partial ('1': hold what is left of
    a single line), source, actor, the lines as JSON [{sku, quantity, requested}] as stored
    when every line is held in full, how long a refusal is kept after its deadline (seconds:
    the caller's refusal memory under an Idempotency-Key, 0 without one), the number of lines, then each line's sku and
    quantity (> 0), in the caller's fixed SKU order

  Returns one reply per reservation, in order:
    { 1, expiresAt, held_0, held_1, ... }        placed now (held_i < quantity only when partial)
    { 2, expiresAt, status, fingerprint }        a record with this id exists already (a retry):
                                                 nothing changed, the caller compares and replays
    { code, line, available, sale }              refused, nothing held: `line` (0-based) is the
                                                 first refused line and `code` its reserve-3 code
                                                 (-1 unknown SKU, -2 insufficient, -3 sale-gated);
                                                 stored in the record as status 'failed' (not in
                                                 the cart) so a retry with the same key gets the
                                                 same answer: for one hold time plus the refusal
                                                 memory (bounded, unlike a held record's day)
]]
--- @include "emit-event"

local now
do
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local ttlMs, graceSeconds, channel = tonumber(ARGV[1]) * 1000, tonumber(ARGV[2]), ARGV[3]
local expiresAt = now + ttlMs
local keepUntil = expiresAt + graceSeconds * 1000

-- One reservation: its keys start at KEYS[k], its values at ARGV[a].
local function place(k, a, lines)
  local recordKey, sessionKey = KEYS[k], KEYS[k + 1]
  local session, fingerprint, rid, kind = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local partial, source, actor, itemsJson = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
  local refusalKeepMs = tonumber(ARGV[a + 8]) * 1000

  local existing = redis.call('HMGET', recordKey, 'expiresAt', 'status', 'fingerprint')
  if existing[2] then
    return { 2, tonumber(existing[1]), existing[2], existing[3] }
  end

  local requested = {}
  for i = 0, lines - 1 do
    requested[i] = { sku = ARGV[a + 10 + 2 * i], quantity = tonumber(ARGV[a + 11 + 2 * i]) }
  end

  local function open(status, fields)
    redis.call('HSET', recordKey, 'session', session, 'fingerprint', fingerprint, 'status', status,
      'createdAt', now, 'expiresAt', expiresAt, 'extended', 0, 'kind', kind, unpack(fields))
    if status == 'failed' then
      -- A refusal stays out of the cart and is kept only so that a retry with the same
      -- Idempotency-Key gets the same answer; it held nothing, so running the request again
      -- after that is harmless. Bounded memory: an anonymous loop of refused requests keeps
      -- at most (rate limit × (hold time + refusal memory)) records per address.
      redis.call('PEXPIREAT', recordKey, expiresAt + refusalKeepMs)
      return
    end
    redis.call('PEXPIREAT', recordKey, keepUntil)
    redis.call('SADD', sessionKey, rid)
    redis.call('EXPIRE', sessionKey, graceSeconds)
  end

  -- Check every line before changing any: all or nothing.
  local held, levels = {}, {}
  for i = 0, lines - 1 do
    local line = requested[i]
    local code, available, gate = 0, 0, ''
    local s = redis.call('HMGET', KEYS[k + 2 + 3 * i], 'onHand', 'reserved', 'safety', 'version', 'location', 'sale')
    if not s[1] then
      code = -1
    else
      levels[i] = s
      available = tonumber(s[1]) - tonumber(s[2]) - tonumber(s[3])
      gate = s[6] or ''
      if gate ~= '' then
        code = -3
      elseif available >= line.quantity then
        held[i] = line.quantity
      elseif partial == '1' and lines == 1 and available > 0 then
        held[i] = available
      else
        code = -2
      end
    end
    if code < 0 then
      local asked = {}
      for j = 0, lines - 1 do asked[j + 1] = requested[j] end
      open('failed', { 'items', cjson.encode(asked), 'refusal',
        cjson.encode({ code = code, line = i, available = available, sale = gate }) })
      return { code, i, available, gate }
    end
  end

  -- Counters, version and time of change in one HSET per SKU, then the event (emit-event's
  -- appendEvent): the same records and events as reserve-3 + emitEvent, in fewer calls.
  for i = 0, lines - 1 do
    local s = levels[i]
    local reserved, version = tonumber(s[2]) + held[i], (tonumber(s[4]) or 0) + 1
    local stockKey = KEYS[k + 2 + 3 * i]
    redis.call('HSET', stockKey, 'reserved', reserved, 'version', version, 'changedAt', now)
    redis.call('HSET', KEYS[k + 3 + 3 * i], rid, held[i])
    appendEvent(KEYS[k + 4 + 3 * i], channel, requested[i].sku, 'hold', -held[i], '', source, actor, rid,
      tonumber(s[1]), reserved, tonumber(s[3]), s[5] or 'main', version, now)
    if held[i] ~= requested[i].quantity then
      itemsJson = cjson.encode({ { sku = requested[i].sku, quantity = held[i], requested = requested[i].quantity } })
    end
  end
  open('held', { 'items', itemsJson })
  redis.call('ZADD', KEYS[1], expiresAt, rid)

  local reply = { 1, expiresAt }
  for i = 0, lines - 1 do reply[#reply + 1] = held[i] end
  return reply
end

local replies = {}
local k, a = 2, 5
for r = 1, tonumber(ARGV[4]) do
  local lines = tonumber(ARGV[a + 9])
  replies[r] = place(k, a, lines)
  k = k + 2 + 3 * lines
  a = a + 10 + 2 * lines
end
return replies
