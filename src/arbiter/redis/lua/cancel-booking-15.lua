--[[
  Cancels a committed booking, freeing its slot.
  KEYS: the 15 calendar keys. ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 required agent id ("" = the administrator may cancel any), 5 booking id, 6 actor
  Returns JSON: {status="cancelled", booking, auditRef} | {status="rejected", reason}
]]
--@include lib/sha256.lua
--@include lib/canonical.lua
--@include core/common.lua

local agent, booking_id, actor = ARGV[4], ARGV[5], ARGV[6]
local raw = rcall("HGET", K_BOOKINGS, booking_id)
if not raw then return cjson.encode({ status = "rejected", reason = "booking_not_found" }) end
local b = cjson.decode(raw)
if agent ~= "" and b.agentId ~= agent then
  return cjson.encode({ status = "rejected", reason = "not_owner" })
end
if b.status ~= "committed" then
  return cjson.encode({ status = "rejected", reason = "not_committed" })
end
b.status = "cancelled"
b.endedAt = NOW
rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
rcall("ZREM", K_ACTIVE, b.id)
rcall("HINCRBY", K_DAYCOUNT, b.dayKey, -1)
local ref = audit_append("booking.cancelled", actor, b.id, jcs_object({
  { "agent_id", jcs_string(b.agentId) },
  { "booking_id", jcs_string(b.id) },
  { "end", jcs_int(b["end"]) },
  { "priority", jcs_int(b.priority) },
  { "reason", jcs_string("cancelled") },
  { "start", jcs_int(b.start) },
}))
return cjson.encode({ status = "cancelled", booking = b, auditRef = ref })
