-- The commit decision (AgentDraft resolution semantics), as a function so that a
-- single commit and an arbitrated batch run the same code. Included after common.lua.
-- c: {agentId, priority, start, end, bookingId, holdId?, replaces?, bumpWindowMs, dayKey,
--     maxPerDay (0 = none), detailsJson (canonical JSON or "null"), idemField ("" = none),
--     fingerprint, actor, pendingUntil (0 = a commit, else a pending request expiring
--     then), requesterKey ("" = none), maxPendingPerRequester (0 = none),
--     remote? {address, bookingId, status}, callbackUrl ("" = none),
--     noticeMs? (the minimum notice, checked here at NOW), afterNotice? ("" or a reason)}
-- Returns the answer table: {status="committed", booking, displacedHolds, evicted, auditRef}
--   | {status="conflict", winner} | {status="rejected", reason}
-- (a pending request answers "committed" too, with booking.status "pending")
-- With noticeMs, after a replay is answered and before anything else: a commit starting
-- sooner than NOW + noticeMs is rejected "insufficient_notice", else one with afterNotice
-- is rejected afterNotice; neither rejection is kept for replays, and nothing is written.
-- Rules, all or nothing:
-- - the caller's own overlapping holds are consumed;
-- - another agent's overlapping live hold is displaced when its priority is the
--   caller's or lower, and wins otherwise;
-- - an overlapping committed booking is evicted only when the caller's priority is
--   strictly higher and the booking is still inside its bump window (not frozen),
--   and wins otherwise;
-- - the daily limit counts committed bookings on the local day of `start`;
-- - a pending request evicts nothing (every overlapping booking wins), is refused
--   "too_many_pending" past the requester's limit, and writes booking.requested.
-- Everything is validated before the first write: Redis does not roll back.
--@include core/pending.lua

local function commit_one(c)
  local agent, priority = c.agentId, tonumber(c.priority)
  local s, e = tonumber(c.start), tonumber(c["end"])
  local booking_id, hold_id, replaces = c.bookingId, c.holdId or "", c.replaces or ""
  local bump_ms, day_key, max_per_day = tonumber(c.bumpWindowMs), c.dayKey, tonumber(c.maxPerDay)
  local details_json, idem, fingerprint, actor = c.detailsJson, c.idemField or "", c.fingerprint, c.actor
  local pending_until = tonumber(c.pendingUntil or 0)
  local pending = pending_until > 0
  local requester, callback_url = c.requesterKey or "", c.callbackUrl or ""
  local max_pending = tonumber(c.maxPendingPerRequester or 0)

  local replay = idem_replay(idem, fingerprint)
  if replay then return replay end
  if c.noticeMs then
    local refused = nil
    if s < NOW + tonumber(c.noticeMs) then refused = "insufficient_notice"
    elseif (c.afterNotice or "") ~= "" then refused = c.afterNotice end
    if refused then return { status = "rejected", reason = refused, replay = false } end
  end
  purge_expired_holds()
  expire_pending()

  local function reject(reason)
    return idem_store(idem, fingerprint, { status = "rejected", reason = reason })
  end

  -- Validate everything before the first write: Redis does not roll back.
  if hold_id ~= "" then
    local raw = rcall("HGET", K_HOLDS, hold_id)
    local held = raw and cjson.decode(raw)
    -- A hold names the slot it reserved: one elsewhere would stay live and busy.
    if not held or held.agentId ~= agent or held["end"] <= s or held.start >= e then
      return reject("hold_not_found")
    end
  end
  local replaced = nil
  if replaces ~= "" then
    local raw = rcall("HGET", K_BOOKINGS, replaces)
    if raw then replaced = cjson.decode(raw) end
    if not replaced or replaced.status ~= "committed" or replaced.agentId ~= agent then
      return reject("booking_not_found")
    end
  end
  if pending and requester ~= "" and max_pending > 0
    and count_pending_of(requester) >= max_pending then
    return reject("too_many_pending")
  end

  local winner, own_holds, displaced, evicted = nil, {}, {}, {}
  for _, h in ipairs(overlapping(K_HOLDS_START, K_HOLDS, s, e)) do
    if h.agentId == agent then
      own_holds[#own_holds + 1] = h
    elseif h.priority < priority then
      local w = winner_of("hold", h)
      if stronger(w, winner) then winner = w end
    else
      displaced[#displaced + 1] = h
    end
  end
  for _, b in ipairs(overlapping_bookings(s, e)) do
    if b.id ~= replaces then
      if not pending and b.status == "committed" and priority < b.priority and NOW < b.frozenAt then
        evicted[#evicted + 1] = b
      else
        local w = winner_of("booking", b)
        if stronger(w, winner) then winner = w end
      end
    end
  end
  if winner then return idem_store(idem, fingerprint, { status = "conflict", winner = winner }) end

  if max_per_day > 0 then
    local count = tonumber(rcall("HGET", K_DAYCOUNT, day_key) or "0")
    for _, b in ipairs(evicted) do
      if b.dayKey == day_key then count = count - 1 end
    end
    if replaced and replaced.dayKey == day_key then count = count - 1 end
    if count >= max_per_day then return reject("daily_limit") end
  end

  -- Decided: write.
  local function end_booking(b, status, etype, data)
    b.status = status
    b.endedAt = NOW
    rcall("HSET", K_BOOKINGS, b.id, cjson.encode(b))
    rcall("ZREM", K_ACTIVE, b.id)
    rcall("HINCRBY", K_DAYCOUNT, b.dayKey, -1)
    audit_append(etype, actor, b.id, data)
  end

  for _, h in ipairs(own_holds) do
    remove_hold(h)
    audit_append("hold.released", actor, h.id, jcs_object({
      { "booking_id", jcs_string(booking_id) },
      { "hold", hold_json(h) },
      { "reason", jcs_string("committed") },
    }))
  end
  for _, h in ipairs(displaced) do
    remove_hold(h)
    audit_append("hold.invalidated", actor, h.id, jcs_object({
      { "booking_id", jcs_string(booking_id) },
      { "by_agent_id", jcs_string(agent) },
      { "hold", hold_json(h) },
      { "reason", jcs_string("displaced") },
    }))
  end
  for _, b in ipairs(evicted) do
    b.evictedBy = agent
    local data = booking_ref(b)
    data[#data + 1] = { "evicted_by_agent_id", jcs_string(agent) }
    data[#data + 1] = { "evicted_by_booking_id", jcs_string(booking_id) }
    data[#data + 1] = { "reason", jcs_string("priority_bump") }
    add_parties(data, b)
    end_booking(b, "evicted", "booking.evicted", jcs_object(data))
  end
  if replaced then
    local data = booking_ref(replaced)
    data[#data + 1] = { "reason", jcs_string("replaced") }
    data[#data + 1] = { "replaced_by", jcs_string(booking_id) }
    add_parties(data, replaced)
    end_booking(replaced, "cancelled", "booking.cancelled", jcs_object(data))
  end

  -- A pending booking is frozen from the start: nothing evicts a request.
  local booking = {
    id = booking_id, agentId = agent, priority = priority, start = s, ["end"] = e,
    status = pending and "pending" or "committed", committedAt = NOW,
    frozenAt = pending and NOW or NOW + bump_ms, dayKey = day_key,
  }
  if hold_id ~= "" then booking.holdId = hold_id end
  if replaces ~= "" then booking.replaces = replaces end
  if details_json ~= "null" then booking.detailsJson = details_json end
  if pending then booking.pendingUntil = pending_until end
  if requester ~= "" then booking.requesterKey = requester end
  if type(c.remote) == "table" then
    booking.remote = { address = c.remote.address, bookingId = c.remote.bookingId, status = c.remote.status }
  end
  if callback_url ~= "" then booking.callbackUrl = callback_url end
  rcall("HSET", K_BOOKINGS, booking_id, cjson.encode(booking))
  rcall("ZADD", K_ACTIVE, s, booking_id)
  local data = booking_state_data(booking)
  local ref
  if pending then
    rcall("ZADD", K_PENDING_EXP, pending_until, booking_id)
    data[#data + 1] = { "expires_at", jcs_int(pending_until) }
    ref = audit_append("booking.requested", actor, booking_id, jcs_object(data))
  else
    rcall("HINCRBY", K_DAYCOUNT, day_key, 1)
    ref = audit_append("booking.committed", actor, booking_id, jcs_object(data))
  end

  return idem_store(idem, fingerprint, {
    status = "committed", booking = booking, displacedHolds = displaced,
    evicted = evicted, auditRef = ref,
  })
end
