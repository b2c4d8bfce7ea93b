--[[
  Writes (or deletes) one record and appends its audit event, atomically: profile,
  rules, agent and counter-proposal changes.
  KEYS: the 16 calendar keys, 17 the hash holding the record.
  ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 event type, 5 actor, 6 resource, 7 event data (canonical JSON),
        8 record field, 9 record value ("" deletes the field),
        10 expected current value digest ("" = no check): sha1 of the current value,
           "-" = the field must not exist,
        11 the username to announce on cal:records:changed ("" = none): processes that
           cache the user's records drop them
  Returns JSON: {status="recorded", auditRef, at, seal} | {status="rejected", reason="stale"};
  seal: what the node seals next (see pending_audit in core/common.lua), without reading
  the head again
]]
--@include lib/canonical.lua
--@include core/common.lua

local etype, actor, resource, data = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local field, value, expected = ARGV[8], ARGV[9], ARGV[10]
local K_RECORD = KEYS[17]

if expected ~= "" then
  local current = rcall("HGET", K_RECORD, field)
  local digest = current and redis.sha1hex(current) or "-"
  if digest ~= expected then return cjson.encode({ status = "rejected", reason = "stale" }) end
end
if value == "" then
  rcall("HDEL", K_RECORD, field)
else
  rcall("HSET", K_RECORD, field, value)
end
local ref = audit_append(etype, actor, resource, data)
if ARGV[11] and ARGV[11] ~= "" then rcall("PUBLISH", "cal:records:changed", ARGV[11]) end
return cjson.encode({ status = "recorded", auditRef = ref, at = NOW, seal = pending_audit() })
