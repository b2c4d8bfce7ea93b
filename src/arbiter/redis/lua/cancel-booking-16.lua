--[[
  Cancels a committed or pending booking, freeing its slot (pending bookings past their
  expiry are expired first, so such a one is refused "not_committed").
  KEYS: the 16 calendar keys. ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 required agent id ("" = the administrator may cancel any), 5 booking id, 6 actor
  Returns JSON: {status="cancelled", booking, auditRef} | {status="rejected", reason}
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local agent, booking_id, actor = ARGV[4], ARGV[5], ARGV[6]
expire_pending()
local raw = rcall("HGET", K_BOOKINGS, booking_id)
if not raw then return cjson.encode({ status = "rejected", reason = "booking_not_found" }) end
local b = cjson.decode(raw)
if agent ~= "" and b.agentId ~= agent then
  return cjson.encode({ status = "rejected", reason = "not_owner" })
end
local was = b.status
if was ~= "committed" and was ~= "pending" then
  return cjson.encode({ status = "rejected", reason = "not_committed" })
end
if was == "pending" then
  end_pending(b, "cancelled")
else
  b.status = "cancelled"
  b.endedAt = NOW
  rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
  rcall("ZREM", K_ACTIVE, b.id)
  rcall("HINCRBY", K_DAYCOUNT, b.dayKey, -1)
end
local data = booking_ref(b)
data[#data + 1] = { "reason", jcs_string("cancelled") }
if was == "pending" then data[#data + 1] = { "previous_status", jcs_string("pending") } end
add_parties(data, b)
local ref = audit_append("booking.cancelled", actor, b.id, jcs_object(data))
return cjson.encode({ status = "cancelled", booking = b, auditRef = ref })
