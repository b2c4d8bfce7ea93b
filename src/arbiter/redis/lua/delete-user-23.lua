--[[
  Deletes a user, atomically: appends profile.deleted to the audit chain, archives the
  chain (stream, head and resource index renamed to archive keys, the archive listed in
  the archives hash) and deletes every other key of the user. A user created again
  under the same name starts empty, with a new chain from seq 1.
  The agent-key index is global (another slot): the caller deletes the returned key
  hashes from it afterwards; a stale entry finds no agent record, so it lets no one in.
  KEYS: the 16 calendar keys (core/common.lua), 17 user hash (record, rules),
        18 agents hash, 19 counters hash, 20 archives hash (number -> JSON),
        21-23 the new archive's stream, head and resource index
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 username, 5 actor,
        6 the new archive's number (the archives hash must hold number - 1 entries)
  Returns JSON: {status="deleted", archive, keyHashes} | {status="not_found"}
                | {status="retry"} when another deletion took that archive number
                | {status="unsealed"} when the chain has events to seal first.
]]
--@include lib/canonical.lua
--@include core/common.lua

local K_USER, K_AGENTS, K_COUNTERS, K_ARCHIVES = KEYS[17], KEYS[18], KEYS[19], KEYS[20]
local K_ARCHIVED_AUDIT, K_ARCHIVED_HEAD, K_ARCHIVED_RES = KEYS[21], KEYS[22], KEYS[23]
local username, actor, archive = ARGV[4], ARGV[5], tonumber(ARGV[6])

if rcall("HEXISTS", K_USER, "record") == 0 then return cjson.encode({ status = "not_found" }) end
if rcall("HLEN", K_ARCHIVES) ~= archive - 1 then return cjson.encode({ status = "retry" }) end
-- The chain is archived sealed up to its last event but profile.deleted: the node seals
-- what is pending, then deletes (and seals profile.deleted in the archive after).
if pending_audit() then return cjson.encode({ status = "unsealed" }) end

audit_append("profile.deleted", actor, username, "{}")

local key_hashes = {}
for _, raw in ipairs(rcall("HVALS", K_AGENTS)) do
  local agent = cjson.decode(raw)
  if agent.keyHash then key_hashes[#key_hashes + 1] = agent.keyHash end
end

-- An archive is read, never consumed: the webhook outbox's group must not follow the
-- stream into it, or a new chain's entry ids would look already read to it.
if rcall("EXISTS", K_AUDIT) == 1 then
  for _, group in ipairs(rcall("XINFO", "GROUPS", K_AUDIT)) do
    for i = 1, #group, 2 do
      if group[i] == "name" then rcall("XGROUP", "DESTROY", K_AUDIT, group[i + 1]) end
    end
  end
  rcall("RENAME", K_AUDIT, K_ARCHIVED_AUDIT)
end
-- The archive's head hash is known once profile.deleted is sealed: "" until then (the
-- node fills it in; readers of the archive list seal it first).
local seal = pending_audit()
rcall("RENAME", K_HEAD, K_ARCHIVED_HEAD)
rcall("RENAME", K_AUDIT_RES, K_ARCHIVED_RES)
rcall("HSET", K_ARCHIVES, archive, cjson.encode({
  archive = archive, deletedAt = NOW, head = { seq = seal.seq + #seal.events, hash = "" },
}))

rcall("DEL", K_HOLDS, K_HOLDS_START, K_HOLDS_EXP, K_BOOKINGS, K_ACTIVE, K_DAYCOUNT,
  K_IDEM, K_IDEM_EXP, K_ARB_PENDING, K_ARB_CMDS, K_ARB_RESULTS, K_ARB_META, K_PENDING_EXP,
  K_USER, K_AGENTS, K_COUNTERS)
-- Processes caching the user's records drop them (see user-records-cache.ts).
rcall("PUBLISH", "cal:records:changed", username)
return cjson.encode({ status = "deleted", archive = archive, keyHashes = key_hashes })
