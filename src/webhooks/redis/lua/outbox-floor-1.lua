-- Where the consumer group stands: every entry below the returned id has been persisted
-- and acknowledged. That is the first pending entry, or, with none pending, the one after
-- the last entry handed out (entries are handed out in order). Read at once, so no entry
-- can move from unread to pending to acknowledged in between.
-- KEYS: 1 audit stream; ARGV: 1 group
-- Returns {"pending", id} or {"delivered", id}; {} when there is no group.
local rcall = redis.call
local ok, groups = pcall(rcall, "XINFO", "GROUPS", KEYS[1])
if not ok then return {} end
for _, group in ipairs(groups) do
  local fields = {}
  for i = 1, #group, 2 do fields[group[i]] = group[i + 1] end
  if fields["name"] == ARGV[1] then
    local pending = rcall("XPENDING", KEYS[1], ARGV[1])
    if pending[1] > 0 then return { "pending", pending[2] } end
    return { "delivered", fields["last-delivered-id"] }
  end
end
return {}
