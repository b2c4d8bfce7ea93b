-- The event data of bookings, and pending bookings (requests awaiting the person's
-- acknowledgement): shared by commit.lua and the scripts that decide, expire or cancel
-- them. Included after common.lua. memory/booking-data.ts builds the same data.
--
-- A pending booking is in `active` (it blocks its slot like a committed one, so the
-- bookings there still never overlap) and in `pending_exp` by pendingUntil, until it is
-- accepted, declined, cancelled or expired. It is frozen from the start (never evicted)
-- and is counted in `daycount` only once accepted.

local function opt_string(v)
  if v == nil or v == cjson.null then return "null" end
  return jcs_string(v)
end

-- The fields every booking event carries.
local function booking_ref(b)
  return {
    { "agent_id", jcs_string(b.agentId) },
    { "booking_id", jcs_string(b.id) },
    { "end", jcs_int(b["end"]) },
    { "priority", jcs_int(b.priority) },
    { "start", jcs_int(b.start) },
  }
end

local function remote_json(r)
  return jcs_object({
    { "address", jcs_string(r.address) },
    { "booking_id", jcs_string(r.bookingId) },
    { "status", jcs_string(r.status) },
  })
end

-- Adds who asked, where to call back and the remote side, each when the booking has it.
local function add_parties(data, b)
  if b.requesterKey then data[#data + 1] = { "requester", jcs_string(b.requesterKey) } end
  if b.callbackUrl then data[#data + 1] = { "callback_url", jcs_string(b.callbackUrl) } end
  if b.remote then data[#data + 1] = { "remote", remote_json(b.remote) } end
  return data
end

-- booking.committed, booking.requested, booking.confirmed: the booking as it now stands.
local function booking_state_data(b)
  local data = booking_ref(b)
  data[#data + 1] = { "committed_at", jcs_int(b.committedAt) }
  data[#data + 1] = { "details", b.detailsJson or "null" }
  data[#data + 1] = { "frozen_at", jcs_int(b.frozenAt) }
  if b.holdId then data[#data + 1] = { "hold_id", jcs_string(b.holdId) } end
  if b.replaces then data[#data + 1] = { "replaces", jcs_string(b.replaces) } end
  return add_parties(data, b)
end

-- booking.expired and booking.declined: a request that ended unaccepted. requester and
-- callback_url are always present (null when unknown): the callback is built from them.
local function request_end_data(b)
  local data = booking_ref(b)
  data[#data + 1] = { "callback_url", opt_string(b.callbackUrl) }
  data[#data + 1] = { "expires_at", jcs_int(b.pendingUntil) }
  data[#data + 1] = { "requester", opt_string(b.requesterKey) }
  if b.remote then data[#data + 1] = { "remote", remote_json(b.remote) } end
  return data
end

-- Pending bookings past pendingUntil become `expired` before anything is decided, oldest
-- first (ties: id), each with a booking.expired event by "system". Returns them.
local function expire_pending()
  local expired = {}
  for _, id in ipairs(rcall("ZRANGEBYSCORE", K_PENDING_EXP, "-inf", NOW)) do
    rcall("ZREM", K_PENDING_EXP, id)
    local raw = rcall("HGET", K_BOOKINGS, id)
    local b = raw and cjson.decode(raw)
    if b and b.status == "pending" then
      b.status = "expired"
      b.endedAt = NOW
      rcall("HSET", K_BOOKINGS, id, cjson.encode(b))
      rcall("ZREM", K_ACTIVE, id)
      audit_append("booking.expired", "system", id, jcs_object(request_end_data(b)))
      expired[#expired + 1] = b
    end
  end
  return expired
end

-- Live pending bookings of one requester (call after expire_pending).
local function count_pending_of(requester)
  local n = 0
  for _, id in ipairs(rcall("ZRANGE", K_PENDING_EXP, 0, -1)) do
    local raw = rcall("HGET", K_BOOKINGS, id)
    if raw and cjson.decode(raw).requesterKey == requester then n = n + 1 end
  end
  return n
end

-- Ends a booking that was pending (declined, cancelled): it no longer blocks its slot.
local function end_pending(b, status)
  b.status = status
  b.endedAt = NOW
  rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
  rcall("ZREM", K_ACTIVE, b.id)
  rcall("ZREM", K_PENDING_EXP, b.id)
end
