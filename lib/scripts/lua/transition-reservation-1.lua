--[[
  Move a reservation from one state to another, if and only if it is in one of the expected
  states (and, when asked, its deadline has not passed by Redis's clock). Every actor that
  touches a reservation's holds (shopper, checkout, expiry worker) claims it through this
  script first, so two of them never act on the same holds at once.

  States: pending -> held -> committing -> committed
                  \-> released | expired     (from pending, held, or a stalled committing)

  KEYS[1] reservation hash
  ARGV[1] expected states, comma-separated   ARGV[2] new state
  ARGV[3] deadline rule: 'before' = refuse once the deadline has passed (checkout),
          'after' = refuse before it (the expiry worker, which may have read a deadline that
          an extension has since moved), '' = no rule   ARGV[4..] extra field/value pairs to set

  Returns { code, status, expiresAt }
     1  moved; `status` is the previous state
    -1  no such reservation (never existed, or long gone)
    -2  not in an expected state; `status` is the current one
    -3  the deadline rule refused (see ARGV[3])
]]
local s = redis.call('HMGET', KEYS[1], 'status', 'expiresAt')
if not s[1] then
  return { -1, '', 0 }
end
local status, expiresAt = s[1], tonumber(s[2])
local allowed = false
for state in string.gmatch(ARGV[1], '[^,]+') do
  if state == status then allowed = true end
end
if not allowed then
  return { -2, status, expiresAt }
end
if ARGV[3] ~= '' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if (ARGV[3] == 'before' and now >= expiresAt) or (ARGV[3] == 'after' and now < expiresAt) then
    return { -3, status, expiresAt }
  end
end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return { 1, status, expiresAt }
