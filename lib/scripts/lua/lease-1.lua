--[[
  A lease: at most one holder of KEYS[1] at a time, identified by a random token, for a time.
  Holders renew it while they work; a holder that dies loses it when the time runs out.

  KEYS[1] lease key {prefix}lease:<name>
  ARGV[1] 'acquire' (take it, or renew it when already ours) | 'release' (only if ours)
  ARGV[2] token   ARGV[3] time to live (ms, acquire only)

  Returns 1 held (acquire) or given back (release) · 0 someone else holds it
]]

local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'release' then
  if current == ARGV[2] then redis.call('DEL', KEYS[1]) return 1 end
  return 0
end
if current == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if current then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
