-- Replaces a subscription only if it still exists: a status change (disabled on 410, or
-- when its agent was revoked) must not bring back a subscription deleted meanwhile.
-- KEYS: 1 subscriptions hash; ARGV: 1 subscription id, 2 subscription JSON
-- Returns 1 when replaced, 0 when the subscription is gone.
local rcall = redis.call
if rcall("HEXISTS", KEYS[1], ARGV[1]) == 0 then return 0 end
rcall("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1
