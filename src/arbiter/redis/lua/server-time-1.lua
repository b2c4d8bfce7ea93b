--[[
  The server's clock, read on the shard that holds KEYS[1], so a user's reads use the
  same clock as the user's scripts (on Redis Cluster, a bare TIME goes to any node).
  KEYS: 1 any key of the slot to ask (not read)
  Returns TIME's reply: { seconds, microseconds }.
]]
return redis.call("TIME")
