-- Persists new deliveries of one subscription: a delivery that exists already (the event
-- was taken from the outbox before, by a consumer that died before acknowledging it) is
-- left untouched, so a redelivered outbox entry never resets a finished delivery.
-- Then drops the oldest finished deliveries beyond the retention.
-- KEYS: 1 subscriptions hash, 2 deliveries hash (seq -> JSON), 3 ready zset (seq by seq),
--       4 retry zset (seq by due time), 5 log zset (seq by seq)
-- ARGV: 1 subscription id, 2 retention, then pairs: seq, delivery JSON
-- Returns the number of deliveries created, or -1 when the subscription is gone.
local rcall = redis.call
if rcall("HEXISTS", KEYS[1], ARGV[1]) == 0 then return -1 end
local created = 0
for i = 3, #ARGV, 2 do
  local seq = ARGV[i]
  if rcall("HSETNX", KEYS[2], seq, ARGV[i + 1]) == 1 then
    rcall("ZADD", KEYS[3], seq, seq)
    rcall("ZADD", KEYS[5], seq, seq)
    created = created + 1
  end
end
local excess = rcall("ZCARD", KEYS[5]) - tonumber(ARGV[2])
if excess > 0 then
  for _, seq in ipairs(rcall("ZRANGE", KEYS[5], 0, excess - 1)) do
    if not rcall("ZSCORE", KEYS[3], seq) and not rcall("ZSCORE", KEYS[4], seq) then
      rcall("ZREM", KEYS[5], seq)
      rcall("HDEL", KEYS[2], seq)
    end
  end
end
return created
