-- Saves a delivery after an attempt: a pending one waits in the retry set until its next
-- attempt; a finished one (succeeded, dead-lettered) leaves both sets. Nothing is written
-- when the subscription was deleted meanwhile.
-- KEYS: 1 subscriptions hash, 2 deliveries hash, 3 ready zset, 4 retry zset
-- ARGV: 1 subscription id, 2 seq, 3 delivery JSON, 4 next attempt (ms), "" when finished
-- Returns 1 when saved, 0 when the subscription is gone.
local rcall = redis.call
if rcall("HEXISTS", KEYS[1], ARGV[1]) == 0 then return 0 end
rcall("HSET", KEYS[2], ARGV[2], ARGV[3])
rcall("ZREM", KEYS[3], ARGV[2])
if ARGV[4] == "" then
  rcall("ZREM", KEYS[4], ARGV[2])
else
  rcall("ZADD", KEYS[4], ARGV[4], ARGV[2])
end
return 1
