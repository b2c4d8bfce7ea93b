-- Extends a lease, only for the owner that holds it.
-- KEYS: 1 lease key; ARGV: 1 owner, 2 ms. Returns 1 when extended.
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0
