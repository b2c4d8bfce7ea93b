--[[
  Records a new status of an outbound meeting's remote side on the local booking
  (booking.remote_updated). The same status again writes nothing: callbacks arrive at
  least once. Pending bookings past their expiry are expired first.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 booking id, 5 new remote status,
        6 actor
  Returns JSON: {status="updated", booking, auditRef} | {status="unchanged", booking}
                | {status="refused", reason="booking_not_found"|"no_remote"}
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local booking_id, remote_status, actor = ARGV[4], ARGV[5], ARGV[6]
expire_pending()
local raw = rcall("HGET", K_BOOKINGS, booking_id)
if not raw then return cjson.encode({ status = "refused", reason = "booking_not_found" }) end
local b = cjson.decode(raw)
if type(b.remote) ~= "table" then return cjson.encode({ status = "refused", reason = "no_remote" }) end
if b.remote.status == remote_status then return cjson.encode({ status = "unchanged", booking = b }) end
local previous = b.remote.status
b.remote.status = remote_status
rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
local data = booking_ref(b)
data[#data + 1] = { "previous_remote_status", jcs_string(previous) }
add_parties(data, b)
local ref = audit_append("booking.remote_updated", actor, b.id, jcs_object(data))
return cjson.encode({ status = "updated", booking = b, auditRef = ref })
