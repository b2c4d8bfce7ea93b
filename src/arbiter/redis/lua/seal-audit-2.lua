--[[
  Seals events of a chain that the scripts appended unsealed (see audit_append in
  core/common.lua), as a compare-and-set: each event is sealed only when it is the next
  one (seq = sealed seq + 1), its pending text is the one the node hashed, and its
  prev_hash is the hash sealed last. Events another sealer sealed first are skipped, so
  concurrent sealers of the same events agree (the hash of the same bytes is the same).
  KEYS: 1 the audit stream, 2 its head hash (live or archived chain).
  ARGV: groups of 5: seq, pending text, prev_hash, sealed text (JCS with prev_hash), hash.
  Returns the seq of the last sealed event after the call.
]]
local rcall = redis.call
local K_AUDIT, K_HEAD = KEYS[1], KEYS[2]

local head = rcall("HMGET", K_HEAD, "seq", "hash")
local seq, hash = tonumber(head[1] or "0"), head[2] or string.rep("0", 64)
local sealed = 0
for i = 1, #ARGV, 5 do
  local n = tonumber(ARGV[i])
  if n > seq then
    if n ~= seq + 1 or ARGV[i + 2] ~= hash then break end
    local field = "p:" .. n
    if rcall("HGET", K_HEAD, field) ~= ARGV[i + 1] then break end
    rcall("XADD", K_AUDIT, n .. "-1", "event", ARGV[i + 3], "hash", ARGV[i + 4])
    rcall("HDEL", K_HEAD, field)
    seq, hash = n, ARGV[i + 4]
    sealed = sealed + 1
  end
end
if sealed > 0 then rcall("HSET", K_HEAD, "seq", seq, "hash", hash) end
return seq
