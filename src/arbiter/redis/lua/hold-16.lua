--[[
  Places a hold: refused if it overlaps a committed or pending booking or another agent's
  live hold (first holder wins; holds never displace holds).
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 agent id, 5 priority, 6 start, 7 end, 8 hold id, 9 ttl ms,
        10 idempotency field ("" = none), 11 fingerprint
  Returns JSON: {status="held", hold, auditRef} | {status="conflict", winner}
                | {status="rejected", reason}; with replay=true for an idempotent retry.
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local agent, priority = ARGV[4], tonumber(ARGV[5])
local s, e = tonumber(ARGV[6]), tonumber(ARGV[7])
local hold_id, ttl = ARGV[8], tonumber(ARGV[9])
local idem, fingerprint = ARGV[10], ARGV[11]

local replay = idem_replay(idem, fingerprint)
if replay then return cjson.encode(replay) end
purge_expired_holds()
expire_pending()

local winner = nil
for _, b in ipairs(overlapping_bookings(s, e)) do
  local w = winner_of("booking", b)
  if stronger(w, winner) then winner = w end
end
for _, h in ipairs(overlapping(K_HOLDS_START, K_HOLDS, s, e)) do
  if h.agentId ~= agent then
    local w = winner_of("hold", h)
    if stronger(w, winner) then winner = w end
  end
end
if winner then
  return cjson.encode(idem_store(idem, fingerprint, { status = "conflict", winner = winner }))
end

local hold = {
  id = hold_id, agentId = agent, priority = priority, start = s, ["end"] = e,
  createdAt = NOW, expiresAt = NOW + ttl,
}
rcall("HSET", K_HOLDS, hold_id, cjson.encode(hold))
rcall("ZADD", K_HOLDS_START, s, hold_id)
rcall("ZADD", K_HOLDS_EXP, hold.expiresAt, hold_id)
local ref = audit_append("hold.created", agent, hold_id, hold_json(hold))
return cjson.encode(idem_store(idem, fingerprint, { status = "held", hold = hold, auditRef = ref }))
