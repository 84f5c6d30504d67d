--[[
  Shared fragment of the flash-sale queue scripts: a ticket's record in the sale's tickets
  hash is a small JSON object { s = state, q = join sequence (0 before the start), d = turn
  deadline (ms), u = units held or bought under the ticket, v = 1 once this turn claimed units
  (the shopper is served; until then the turn counts as admitted-but-unserved), j = joined at,
  a = admitted at }.
  States: pre (joined before the start) · waiting · admitted · done (turn over after buying)
          · expired (turn over, bought nothing) · lapsed (away longer than the grace) · left.
  Also: nowMs(), the Redis clock in milliseconds.
]]
local function readTicket(ticketsKey, ticket)
  local raw = redis.call('HGET', ticketsKey, ticket)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function writeTicket(ticketsKey, ticket, t)
  redis.call('HSET', ticketsKey, ticket, cjson.encode(t))
end

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
