--[[
  A ticket's exact place and the sale's counters, read in one atomic step so a client can
  apply the broadcast frames that follow (those with a higher tick) on top of it.

  KEYS[1] sale hash   KEYS[2] queue zset   KEYS[3] pre-queue zset   KEYS[4] admitted zset
  KEYS[5] presence zset   KEYS[6] tickets hash          (see queue-join-5.lua)
  KEYS[7] departed list (see queue-leave-7.lua)

  ARGV[1] ticket ('' for the sale alone)   ARGV[2] '1' to mark the ticket's shopper present
  (rate is the measured admission rate per second, not the configured one)

  Returns a JSON object: { status, tick, admitted, admittedThrough, waiting, prequeue,
  unitsLeft, stockLeft, rate, startsAt, now, ticket = { state, seq, position, deadline, units } | null }
  or '' when there is no such sale.
]]
--- @include "sale-ticket"

local s = redis.call('HMGET', KEYS[1], 'status', 'tick', 'admittedCount', 'admittedThrough', 'unitsLeft',
  'stockLeft', 'ema', 'startsAt')
if not s[1] then return '' end
local status = s[1]
local now = nowMs()
local out = {
  status = status, tick = tonumber(s[2]) or 0, admitted = tonumber(s[3]) or 0,
  admittedThrough = tonumber(s[4]) or 0, waiting = redis.call('ZCARD', KEYS[2]),
  prequeue = redis.call('ZCARD', KEYS[3]), unitsLeft = tonumber(s[5]) or 0, stockLeft = tonumber(s[6]) or 0,
  rate = tonumber(s[7]) or 0, startsAt = tonumber(s[8]) or 0, now = now,
}
if ARGV[1] ~= '' then
  local t = readTicket(KEYS[6], ARGV[1])
  if t then
    local state, position = t.s, 0
    if state == 'waiting' then
      position = (redis.call('ZRANK', KEYS[2], ARGV[1]) or -1) + 1
      -- The place as of `tick`: shoppers ahead who left since are still counted, because the
      -- next frame lists them in `departed` and the client subtracts them then.
      for _, q in ipairs(redis.call('LRANGE', KEYS[7], 0, -1)) do
        if tonumber(q) < t.q then position = position + 1 end
      end
    end
    if state == 'pre' then position = out.prequeue end
    if (state == 'waiting' or state == 'pre') and (status == 'soldout' or status == 'closed') then state = status end
    if state == 'admitted' and t.d <= now then state = (t.u > 0) and 'done' or 'expired' end
    if ARGV[2] == '1' and (state == 'waiting' or state == 'pre') then redis.call('ZADD', KEYS[5], now, ARGV[1]) end
    out.ticket = { state = state, seq = t.q, position = position, deadline = t.d, units = t.u }
  end
end
return cjson.encode(out)
