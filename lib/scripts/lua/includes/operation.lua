--[[
  Shared fragment: operation ids, for the stock scripts that are not idempotent by themselves
  (a delta or an absolute value applied twice is a second change). ioredis re-sends a command
  left unanswered by a dropped connection, and callers retry after a failure they cannot
  place; both carry the same operation id, and the script answers the first reply again.

  KEYS (passed by the calling script)
    opsKey     hash {prefix}stock:{SKU}:ops      opId -> "fingerprint|code|a|b|c"
    opsAtKey   zset {prefix}stock:{SKU}:ops:at   opId -> when it was applied (ms)
  Both live in the SKU's hash slot. An operation is remembered for OP_RETENTION_MS and at most
  OP_MAX per SKU (the oldest are forgotten first); the keys expire with the SKU's last change.
  `fingerprint` is what the operation asked for: the same id with another request is refused.
]]
local OP_RETENTION_MS = 86400000
local OP_MAX = 10000

-- The first reply of `opId` as { code, a, b, c }, { -5, 0, 0, 0 } when the id was used for
-- another request, or nil when it is new. An empty id is an error, never a shared one.
local function priorOperation(opsKey, opId, fingerprint)
  if opId == '' then return redis.error_reply('ERR an operation id is required') end
  local raw = redis.call('HGET', opsKey, opId)
  if not raw then return nil end
  local fp, code, a, b, c = string.match(raw, '^(.*)|(-?%d+)|(-?%d+)|(-?%d+)|(-?%d+)$')
  if fp ~= fingerprint then return { -5, 0, 0, 0 } end
  return { tonumber(code), tonumber(a), tonumber(b), tonumber(c) }
end

local function forgetOperations(opsKey, opsAtKey, ids)
  if #ids == 0 then return end
  redis.call('HDEL', opsKey, unpack(ids))
  redis.call('ZREM', opsAtKey, unpack(ids))
end

-- Remember `reply` ({ code, a, b, c }) as the result of `opId`, and forget what is too old.
local function recordOperation(opsKey, opsAtKey, opId, fingerprint, reply, now)
  redis.call('HSET', opsKey, opId, string.format('%s|%d|%d|%d|%d', fingerprint, reply[1], reply[2], reply[3], reply[4]))
  redis.call('ZADD', opsAtKey, now, opId)
  forgetOperations(opsKey, opsAtKey, redis.call('ZRANGEBYSCORE', opsAtKey, '-inf', now - OP_RETENTION_MS, 'LIMIT', 0, 100))
  local over = redis.call('ZCARD', opsAtKey) - OP_MAX
  if over > 0 then forgetOperations(opsKey, opsAtKey, redis.call('ZRANGE', opsAtKey, 0, over - 1)) end
  redis.call('PEXPIRE', opsKey, OP_RETENTION_MS)
  redis.call('PEXPIRE', opsAtKey, OP_RETENTION_MS)
end

local function redisNowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
