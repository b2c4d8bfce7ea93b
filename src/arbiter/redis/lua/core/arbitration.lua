-- Shared by arb-enter-16.lua and arb-settle-16.lua. Included after common.lua.
-- The window always runs on Redis TIME: it measures real arrival spacing.
local REAL_NOW = redis_time()

-- A window long past its deadline belongs to requests whose process died before anyone
-- settled it: they are answered "arbitration_expired" (the client may retry), never
-- committed late, when the conditions they were checked under no longer hold.
-- arb_pending members are "<arrival, 15 digits>:<request id>" scored by priority: equal
-- priorities come out in arrival order, and a priority as large as a peer's (1e9) keeps
-- its precision, which a combined score priority * 1e9 + arrival would not.
local function arb_member(arrival, request_id)
  return string.format("%015d", arrival) .. ":" .. request_id
end

local function arb_request_id(member)
  return string.sub(member, 17)
end

local function expire_stale_window()
  local meta = rcall("HMGET", K_ARB_META, "deadline", "window")
  local deadline, window = tonumber(meta[1] or "0"), tonumber(meta[2] or "0")
  if deadline == 0 or REAL_NOW <= deadline + math.max(1000, 20 * window) then return end
  local expired = cjson.encode({ status = "rejected", reason = "arbitration_expired", replay = false })
  for _, member in ipairs(rcall("ZRANGE", K_ARB_PENDING, 0, -1)) do
    rcall("HSET", K_ARB_RESULTS, arb_request_id(member), expired)
  end
  rcall("DEL", K_ARB_PENDING, K_ARB_CMDS, K_ARB_META)
  rcall("PEXPIRE", K_ARB_RESULTS, 60000)
end

-- Live holds scanned for a senior's; past this many, the seniors count as active.
local MAX_HOLDS_SCANNED = 256

-- Whether any of `seniors` (agent ids ranked as high as `priority` or higher) is recently
-- active: seen in hash `k_seen` within the last `recent` ms (by NOW, the calendar's time,
-- as agent-seen-1.lua writes it), holding a live hold, or waiting in the window (any
-- entry of priority <= `priority` is a senior's or an equal's that arrived first).
local function seniors_active(k_seen, seniors, recent, priority)
  if rcall("ZCOUNT", K_ARB_PENDING, "-inf", priority) > 0 then return true end
  if #seniors == 0 then return false end
  local since, is_senior = NOW - recent, {}
  for i = 1, #seniors, 500 do
    local chunk = { unpack(seniors, i, math.min(i + 499, #seniors)) }
    for _, seen in ipairs(rcall("HMGET", k_seen, unpack(chunk))) do
      if seen and tonumber(seen) > since then return true end
    end
    for _, id in ipairs(chunk) do is_senior[id] = true end
  end
  local live = rcall("ZRANGEBYSCORE", K_HOLDS_EXP, "(" .. NOW, "+inf", "LIMIT", 0, MAX_HOLDS_SCANNED + 1)
  if #live > MAX_HOLDS_SCANNED then return true end
  if #live == 0 then return false end
  for _, raw in ipairs(rcall("HMGET", K_HOLDS, unpack(live))) do
    if raw and is_senior[cjson.decode(raw).agentId] then return true end
  end
  return false
end
