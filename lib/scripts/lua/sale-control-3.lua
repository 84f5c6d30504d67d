--[[
  Configure a flash sale in Redis or change its state (the admin API; Postgres keeps the sale's
  definition and Redis this working copy).

  KEYS[1] sale hash   KEYS[2] queue zset   KEYS[3] pre-queue zset   (see queue-join-5.lua)

  ARGV[1] action: configure | start | pause | resume | close
  ARGV[2..] for configure: field, value pairs (name, startsAt, rate, limit, window, grace, margin, skus)

  Returns { code, status }   1 done · 2 nothing to do (already so) · -1 no such sale · -2 not allowed now
]]

local action = ARGV[1]
local status = redis.call('HGET', KEYS[1], 'status')
if action == 'configure' then
  if status == 'closed' then return { -2, status } end
  local fields = {}
  for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
  redis.call('HSET', KEYS[1], unpack(fields))
  if not status then
    status = 'scheduled'
    redis.call('HSET', KEYS[1], 'status', status, 'lastStatus', status, 'seq', 0, 'tick', 0, 'admittedCount', 0,
      'admittedThrough', 0, 'unserved', 0, 'budget', 0, 'ema', 0, 'joins', 0, 'departedCount', 0)
  end
  return { 1, status }
end
if not status then return { -1, '' } end

local moves = {
  start = { from = { scheduled = true }, to = 'scheduled' },
  pause = { from = { live = true }, to = 'paused' },
  resume = { from = { paused = true }, to = 'live' },
  close = { from = { scheduled = true, starting = true, live = true, paused = true, soldout = true }, to = 'closed' },
}
local move = moves[action]
if not move then return { -2, status } end
if status == move.to and action ~= 'start' then return { 2, status } end
if not move.from[status] then return { -2, status } end
if action == 'start' then
  local t = redis.call('TIME')
  redis.call('HSET', KEYS[1], 'startsAt', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
  return { 1, status }
end
redis.call('HSET', KEYS[1], 'status', move.to)
if move.to == 'closed' then redis.call('DEL', KEYS[2], KEYS[3]) end
return { 1, move.to }
