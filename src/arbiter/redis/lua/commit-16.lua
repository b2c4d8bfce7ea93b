--[[
  Commits one booking (core/commit.lua), all or nothing.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 the command as JSON
  Returns the answer as JSON (see commit_one).
]]
--@include lib/sha256.lua
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua

return cjson.encode(commit_one(cjson.decode(ARGV[4])))
