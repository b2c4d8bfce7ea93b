--[[
  Commits one booking (core/commit.lua), all or nothing.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 the command as JSON
  Returns the answer as JSON (see commit_one), with `seal`: the events for the node to
  seal (see pending_audit in core/common.lua), absent when none are pending.
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua

local answer = commit_one(cjson.decode(ARGV[4]))
-- Not part of the answer kept for idempotent retries: added after idem_store.
answer.seal = pending_audit()
return cjson.encode(answer)
