--[[
  Enters a commit into the calendar's arbitration window. Commits that arrive within
  `window` ms of each other are decided together, in priority order (ties: arrival), by
  arb-settle-16.lua: each arrival moves the deadline to arrival + window, but never past
  the first arrival + MAX_WINDOWS × window, so a steady stream still settles.
  The window settles at once when nobody left could win it: every agent of the user has
  arrived (ARGV 8), or the best arrival has the user's top priority (ARGV 9). A commit
  that overlaps a booking of a top-priority agent, which nobody can evict, cannot win
  whatever else arrives: it is decided at once (a conflict), without waiting.
  A commit none of whose seniors (ARGV 10) is recently active is decided at once too,
  as a commit that outranks everyone, but leaves an open window as it is: see
  seniors_active in core/arbitration.lua.
  KEYS: the 16 calendar keys (core/common.lua), 17 seen (hash: agent id -> when the
        agent last made a request, ms; written by agent-seen-1.lua)
  ARGV: 1 time override, 2 event prefix, 3 max span ms,
        4 request id, 5 priority, 6 the command as JSON (see commit_one), 7 window ms,
        8 how many agents the user has (0 = unknown), 9 the highest priority (lowest
        number) of the user's agents ("" = unknown), 10 the seniors' agent ids as a
        JSON array ("" = always wait), 11 how recent a senior's request keeps it active (ms)
  Returns JSON: {status="wait", ms} — settle after ms (0: at once) — or, for an
                idempotent retry, the first answer, or the answer of a commit decided at
                once (with `seal`, the events to seal or null, as in commit-16.lua).
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/commit.lua
--@include core/arbitration.lua

local K_SEEN = KEYS[17]
local request_id, priority, command, window = ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7])
local agents, top = tonumber(ARGV[8] or "0") or 0, tonumber(ARGV[9] or "")
local seniors, recent = ARGV[10] or "", tonumber(ARGV[11] or "0") or 0
local c = cjson.decode(command)
local replay = idem_replay(c.idemField or "", c.fingerprint)
if replay then return cjson.encode(replay) end

if top then
  expire_pending()
  for _, b in ipairs(overlapping_bookings(tonumber(c.start), tonumber(c["end"]))) do
    if b.priority <= top then return cjson.encode(commit_one(c)) end
  end
end

expire_stale_window()
if seniors ~= "" and not seniors_active(K_SEEN, cjson.decode(seniors), recent, priority) then
  local answer = commit_one(c)
  -- Not part of the answer kept for idempotent retries: added after idem_store. null
  -- when nothing is pending (absent would mean "not known": the node reads then).
  answer.seal = pending_audit() or cjson.null
  return cjson.encode(answer)
end

local MAX_WINDOWS = 20
local meta = rcall("HMGET", K_ARB_META, "deadline", "first")
local deadline, first = tonumber(meta[1] or "0"), tonumber(meta[2] or "0")
if deadline == 0 then first = REAL_NOW end
deadline = math.min(math.max(deadline, REAL_NOW + window), first + MAX_WINDOWS * window)
rcall("HSET", K_ARB_META, "deadline", deadline, "first", first, "window", window)
local arrival = rcall("HINCRBY", K_ARB_META, "arrivals", 1)
-- Lower score first: priority, then arrival (the member, see core/arbitration.lua).
rcall("ZADD", K_ARB_PENDING, priority, arb_member(arrival, request_id))
rcall("HSET", K_ARB_CMDS, request_id, command)
-- Nobody left could win: settle now (the caller settles at once and wakes the others).
local settle_now = false
if rcall("HSETNX", K_ARB_META, "in:" .. c.agentId, 1) == 1 then
  local arrived = rcall("HINCRBY", K_ARB_META, "distinct", 1)
  settle_now = agents > 0 and arrived >= agents
end
local best = rcall("ZRANGE", K_ARB_PENDING, 0, 0, "WITHSCORES")
if top and best[2] and tonumber(best[2]) <= top then settle_now = true end
if settle_now then
  deadline = REAL_NOW
  rcall("HSET", K_ARB_META, "deadline", deadline)
end
return cjson.encode({ status = "wait", ms = math.max(0, deadline - REAL_NOW) })
