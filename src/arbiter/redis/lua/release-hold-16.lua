--[[
  Releases a live hold of the calling agent.
  KEYS: the 16 calendar keys. ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 agent id ("" = the administrator, any agent's hold), 5 hold id, 6 actor
  Returns JSON: {status="released", hold, auditRef} | {status="rejected", reason="hold_not_found"}
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local agent, hold_id, actor = ARGV[4], ARGV[5], ARGV[6]
purge_expired_holds()
expire_pending()
local raw = rcall("HGET", K_HOLDS, hold_id)
if not raw then return cjson.encode({ status = "rejected", reason = "hold_not_found" }) end
local hold = cjson.decode(raw)
if agent ~= "" and hold.agentId ~= agent then
  return cjson.encode({ status = "rejected", reason = "hold_not_found" })
end
remove_hold(hold)
local data = jcs_object({
  { "hold", hold_json(hold) },
  { "reason", jcs_string("released") },
})
local ref = audit_append("hold.released", actor, hold_id, data)
return cjson.encode({ status = "released", hold = hold, auditRef = ref })
