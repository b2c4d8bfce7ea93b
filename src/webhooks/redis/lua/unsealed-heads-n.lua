--[[
  Audit chains with events appended but not sealed yet (see audit_append in the arbiter's
  lua/core/common.lua): a writer seals right after its script, so these are mostly chains
  whose writer died in between. A read across users, like XREADGROUP over many streams:
  on a cluster the caller names the keys of one slot per call; on one Redis, any keys.
  KEYS: audit head hashes (cal:{<user>}:audit:head), any number.
  Returns {position in KEYS, text of the oldest pending event, …} for each such chain.
]]
local rcall = redis.call
local found = {}
for i, key in ipairs(KEYS) do
  local head = rcall("HMGET", key, "seq", "last")
  local seq, last = tonumber(head[1] or "0"), tonumber(head[2] or "0")
  if last > seq then
    found[#found + 1] = i
    found[#found + 1] = rcall("HGET", key, "p:" .. (seq + 1)) or ""
  end
end
return found
