--[[
  Accepts or declines a pending booking (a request awaiting the person's
  acknowledgement), atomically. Pending bookings past their expiry are expired first
  (booking.expired), so an expired one is refused "not_pending". Accept re-checks what
  overlaps it (committed bookings, live holds of other agents) and the daily limit, then
  commits it frozen (committedAt = frozenAt = now: never evicted) and counts it in its
  day. Of any number of concurrent decisions on one booking, exactly one finds it pending.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 the decision as JSON: {bookingId, decision = "accept" | "decline", actor, dayKey,
          maxPerDay (0 = none), message?, remoteStatus?}
  Returns JSON: {status="decided", booking, auditRef}
                | {status="refused", reason="booking_not_found"|"not_pending"}
                | {status="conflict", winner} | {status="rejected", reason="daily_limit"}
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local cmd = cjson.decode(ARGV[4])
local actor = cmd.actor
local message = type(cmd.message) == "string" and cmd.message or nil
local remote_status = type(cmd.remoteStatus) == "string" and cmd.remoteStatus or nil

purge_expired_holds()
expire_pending()
local raw = rcall("HGET", K_BOOKINGS, cmd.bookingId)
if not raw then return cjson.encode({ status = "refused", reason = "booking_not_found" }) end
local b = cjson.decode(raw)
if b.status ~= "pending" then return cjson.encode({ status = "refused", reason = "not_pending" }) end

local ref
if cmd.decision == "accept" then
  local s, e = b.start, b["end"]
  local winner = nil
  for _, o in ipairs(overlapping_bookings(s, e)) do
    if o.id ~= b.id then
      local w = winner_of("booking", o)
      if stronger(w, winner) then winner = w end
    end
  end
  for _, h in ipairs(overlapping(K_HOLDS_START, K_HOLDS, s, e)) do
    if h.agentId ~= b.agentId then
      local w = winner_of("hold", h)
      if stronger(w, winner) then winner = w end
    end
  end
  if winner then return cjson.encode({ status = "conflict", winner = winner }) end
  local max_per_day = tonumber(cmd.maxPerDay)
  if max_per_day > 0 and tonumber(rcall("HGET", K_DAYCOUNT, cmd.dayKey) or "0") >= max_per_day then
    return cjson.encode({ status = "rejected", reason = "daily_limit" })
  end

  b.status = "committed"
  b.committedAt = NOW
  b.frozenAt = NOW
  b.dayKey = cmd.dayKey
  if remote_status and b.remote then b.remote.status = remote_status end
  rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
  rcall("ZREM", K_PENDING_EXP, b.id)
  rcall("HINCRBY", K_DAYCOUNT, b.dayKey, 1)
  local data = booking_state_data(b)
  if message then data[#data + 1] = { "message", jcs_string(message) } end
  ref = audit_append("booking.confirmed", actor, b.id, jcs_object(data))
else
  if remote_status and b.remote then b.remote.status = remote_status end
  end_pending(b, "declined")
  local data = request_end_data(b)
  data[#data + 1] = { "message", opt_string(message) }
  ref = audit_append("booking.declined", actor, b.id, jcs_object(data))
end
return cjson.encode({ status = "decided", booking = b, auditRef = ref })
