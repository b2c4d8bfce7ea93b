-- The deliveries of one subscription that are due: retries whose time has come move to
-- the ready set, then the first ready ones are returned in seq order.
-- KEYS: 1 subscriptions hash, 2 deliveries hash, 3 ready zset, 4 retry zset
-- ARGV: 1 subscription id, 2 now (ms), 3 limit
-- Returns delivery JSON texts.
local rcall = redis.call
if rcall("HEXISTS", KEYS[1], ARGV[1]) == 0 then return {} end
for _, seq in ipairs(rcall("ZRANGEBYSCORE", KEYS[4], "-inf", ARGV[2])) do
  rcall("ZREM", KEYS[4], seq)
  rcall("ZADD", KEYS[3], seq, seq)
end
local seqs = rcall("ZRANGE", KEYS[3], 0, tonumber(ARGV[3]) - 1)
if #seqs == 0 then return {} end
local out = {}
for i, raw in ipairs(rcall("HMGET", KEYS[2], unpack(seqs))) do
  if raw then
    out[#out + 1] = raw
  else
    -- A queued seq without its delivery would be due forever: drop it.
    rcall("ZREM", KEYS[3], seqs[i])
  end
end
return out
