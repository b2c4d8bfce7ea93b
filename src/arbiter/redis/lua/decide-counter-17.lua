--[[
  Decides an open counter-proposal, atomically: the booking's agent accepts one proposed
  slot (committed by commit_one, replacing the booking) or rejects them all. Of any
  number of concurrent decisions on one counter, exactly one finds it open.
  KEYS: the 16 calendar keys (core/common.lua), 17 the counters hash (id -> JSON).
  ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 counter id, 5 booking id, 6 deciding agent id, 7 actor, 8 "accept" | "reject",
        9 slot index ("" for a reject), 10 the accepted slot's commit as JSON (see
        commit_one; "" for a reject)
  Returns JSON: {status="decided", counter, commit?, auditRef}
                | {status="refused", reason="counter_not_found"|"not_owner"|"counter_closed"|"slot_mismatch"}
                | the commit's answer when it did not commit (the counter stays open).
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua

local K_COUNTERS = KEYS[17]
local counter_id, booking_id, agent, actor = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local decision, slot_arg, command = ARGV[8], ARGV[9], ARGV[10]

local function refuse(reason)
  return cjson.encode({ status = "refused", reason = reason })
end

-- The event data, as event-data.ts counterData builds it.
local function counter_json(c)
  local proposed = {}
  for i, p in ipairs(c.proposed) do
    proposed[i] = jcs_object({ { "end", jcs_int(p["end"]) }, { "start", jcs_int(p.start) } })
  end
  local function opt(value, encode)
    if value == nil or value == cjson.null then return "null" end
    return encode(value)
  end
  return jcs_object({
    { "accepted_booking_id", opt(c.acceptedBookingId, jcs_string) },
    { "accepted_index", opt(c.acceptedIndex, jcs_int) },
    { "booking_id", jcs_string(c.bookingId) },
    { "counter_id", jcs_string(c.id) },
    { "note", opt(c.note, jcs_string) },
    { "proposed", "[" .. table.concat(proposed, ",") .. "]" },
    { "proposed_by", jcs_string(c.proposedBy) },
    { "status", jcs_string(c.status) },
  })
end

local raw = rcall("HGET", K_COUNTERS, counter_id)
local counter = raw and cjson.decode(raw)
local booking_raw = rcall("HGET", K_BOOKINGS, booking_id)
if not counter or counter.bookingId ~= booking_id or not booking_raw then
  return refuse("counter_not_found")
end
if cjson.decode(booking_raw).agentId ~= agent then return refuse("not_owner") end
if counter.status ~= "open" then return refuse("counter_closed") end

local answer = nil
if decision == "accept" then
  local index = tonumber(slot_arg)
  local slot = index and index == math.floor(index) and counter.proposed[index + 1]
  local c = command ~= "" and cjson.decode(command)
  if not slot or not c or c.agentId ~= agent or c.replaces ~= booking_id
    or tonumber(c.start) ~= slot.start or tonumber(c["end"]) ~= slot["end"] then
    return refuse("slot_mismatch")
  end
  answer = commit_one(c)
  if answer.status ~= "committed" then return cjson.encode(answer) end
  -- A replay is the answer to an earlier request with this key, not a move of this booking.
  if answer.replay then
    return cjson.encode({ status = "rejected", reason = "idempotency_mismatch", replay = true })
  end
  counter.status = "accepted"
  counter.acceptedIndex = index
  counter.acceptedBookingId = answer.booking.id
else
  counter.status = "rejected"
end
counter.decidedAt = NOW
rcall("HSET", K_COUNTERS, counter_id, cjson.encode(counter))
local ref = audit_append("counter." .. counter.status, actor, counter.bookingId, counter_json(counter))
return cjson.encode({ status = "decided", counter = counter, commit = answer, auditRef = ref })
