--[[
  Settles the arbitration window once it has closed: every pending commit is decided,
  in priority order (ties: arrival), each by commit_one; the answers wait in
  arb_results for their requests. Any waiting request may run it; the first after the
  deadline decides the whole batch.
  KEYS: the 16 calendar keys (core/common.lua).
  ARGV: 1 time override, 2 event prefix, 3 max span ms, 4 request id
  Having settled, it PUBLISHes the arb_meta key on cal:arb:settled: the batch's other
  requests, waiting in any process, fetch their answers without waiting out the window.
  Returns JSON: {status="wait", ms} while the window is open, else this request's answer
                ({status="lost"} if it is unknown, e.g. its answer was already taken).
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua
--@include core/arbitration.lua

local request_id = ARGV[4]
expire_stale_window()
local deadline = tonumber(rcall("HGET", K_ARB_META, "deadline") or "0")
if deadline > 0 and REAL_NOW < deadline then
  return cjson.encode({ status = "wait", ms = deadline - REAL_NOW })
end
if deadline > 0 then
  rcall("DEL", K_ARB_META)
  for _, member in ipairs(rcall("ZRANGE", K_ARB_PENDING, 0, -1)) do
    local id = arb_request_id(member)
    local command = rcall("HGET", K_ARB_CMDS, id)
    if command then
      rcall("HSET", K_ARB_RESULTS, id, cjson.encode(commit_one(cjson.decode(command))))
    end
    rcall("HDEL", K_ARB_CMDS, id)
  end
  rcall("DEL", K_ARB_PENDING)
  -- Answers of requests whose process died are not kept forever.
  rcall("PEXPIRE", K_ARB_RESULTS, 60000)
  rcall("PUBLISH", "cal:arb:settled", K_ARB_META)
end
local answer = rcall("HGET", K_ARB_RESULTS, request_id)
if not answer then return cjson.encode({ status = "lost" }) end
rcall("HDEL", K_ARB_RESULTS, request_id)
return answer
