--[[
  Commits one booking (core/commit.lua), all or nothing.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 the command as JSON
  A commit that does not wait (its agent outranks every other) closes the user's open
  arbitration window: nobody left could win it. Its requests are woken (cal:arb:settled)
  and settle after this commit.
  Returns the answer as JSON (see commit_one), with `seal`: the events for the node to
  seal (see pending_audit in core/common.lua), absent when none are pending, and `now`
  (the script's time) when the command carried noticeMs.
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua

local command = cjson.decode(ARGV[4])
local answer = commit_one(command)
-- Refused by the person's notice (or a rule after it), the commit did not reach the
-- calendar, as if the node had refused it: the window stays open.
local refused_by_rule = command.noticeMs and answer.status == "rejected"
  and (answer.reason == "insufficient_notice" or answer.reason == command.afterNotice)
if not refused_by_rule and tonumber(rcall("HGET", K_ARB_META, "deadline") or "0") > 0 then
  rcall("HSET", K_ARB_META, "deadline", redis_time())
  rcall("PUBLISH", "cal:arb:settled", K_ARB_META)
end
-- Not part of the answer kept for idempotent retries: added after idem_store.
answer.seal = pending_audit()
if command.noticeMs then answer.now = NOW end
return cjson.encode(answer)
