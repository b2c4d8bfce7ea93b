-- Shared by every arbiter script. Included after lib/canonical.lua.
-- Every script receives the same first 16 KEYS, all under the user's hash tag:
--   1 holds        hash  hold id -> hold JSON
--   2 holds_start  zset  hold id by start
--   3 holds_exp    zset  hold id by expires_at
--   4 bookings     hash  booking id -> booking JSON
--   5 active       zset  committed and pending booking id by start
--   6 daycount     hash  local day -> committed bookings that day
--   7 audit        stream of sealed events, id "<seq>-1", fields event (JCS text), hash
--   8 head         hash  seq, hash of the last sealed event; last, the last seq appended;
--                        p:<seq>, each event appended but not yet sealed (see audit_append)
--   9 audit_res    zset  "<resource>#<seq, 12 digits>" (lexicographic index)
--  10 idem         hash  idempotency field -> {fingerprint, answer}
--  11 idem_exp     zset  idempotency field by expiry
--  12 arb_pending  zset  "<arrival, 15 digits>:<request id>" by priority
--  13 arb_cmds     hash  request id -> commit command JSON
--  14 arb_results  hash  request id -> decided answer JSON
--  15 arb_meta     hash  deadline (ms), first, window, arrivals (counter), distinct (agents
--                        arrived), in:<agent id> (arrived); deleted when the window settles
--  16 pending_exp  zset  pending booking id by pendingUntil
-- and ARGV[1] = time override in ms ("" in production: time comes from TIME),
--     ARGV[2] = event id prefix (random, unique per call), ARGV[3] = max span in ms.
local rcall = redis.call

local K_HOLDS, K_HOLDS_START, K_HOLDS_EXP = KEYS[1], KEYS[2], KEYS[3]
local K_BOOKINGS, K_ACTIVE, K_DAYCOUNT = KEYS[4], KEYS[5], KEYS[6]
local K_AUDIT, K_HEAD, K_AUDIT_RES = KEYS[7], KEYS[8], KEYS[9]
local K_IDEM, K_IDEM_EXP = KEYS[10], KEYS[11]
local K_ARB_PENDING, K_ARB_CMDS, K_ARB_RESULTS, K_ARB_META = KEYS[12], KEYS[13], KEYS[14], KEYS[15]
local K_PENDING_EXP = KEYS[16]
local IDEM_TTL_MS = 86400000

local function redis_time()
  local t = rcall("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The calendar's time; tests may override it to step through TTLs and bump windows.
local NOW = ARGV[1] ~= "" and tonumber(ARGV[1]) or redis_time()
local EVENT_PREFIX = ARGV[2]
local MAX_SPAN = tonumber(ARGV[3])
local event_count = 0

-- Holds whose TTL has passed are gone before anything is decided.
local function purge_expired_holds()
  local ids = rcall("ZRANGEBYSCORE", K_HOLDS_EXP, "-inf", NOW)
  for _, id in ipairs(ids) do
    rcall("HDEL", K_HOLDS, id)
    rcall("ZREM", K_HOLDS_START, id)
    rcall("ZREM", K_HOLDS_EXP, id)
  end
end

-- Of the records `ids` in hash `k_data`, those whose [start, end) overlaps [s, e).
local function records_overlapping(k_data, ids, s, e)
  local out = {}
  for _, id in ipairs(ids) do
    local raw = rcall("HGET", k_data, id)
    if raw then
      local r = cjson.decode(raw)
      if r["end"] > s and r.start < e then out[#out + 1] = r end
    end
  end
  return out
end

-- Records whose [start, end) overlaps [s, e). Records are at most MAX_SPAN long.
local function overlapping(k_index, k_data, s, e)
  local ids = rcall("ZRANGEBYSCORE", k_index, "(" .. (s - MAX_SPAN), "(" .. e)
  return records_overlapping(k_data, ids, s, e)
end

-- Committed and live pending bookings overlapping [s, e) (callers expire pending ones
-- first: see core/pending.lua). They never overlap each other (every commit
-- evicts or loses to what it overlaps), so of those starting before s only the last can
-- reach into [s, e): at most one record is read beyond the ones starting inside.
local function overlapping_bookings(s, e)
  local ids = rcall("ZRANGEBYSCORE", K_ACTIVE, s, "(" .. e)
  local before = rcall("ZREVRANGEBYSCORE", K_ACTIVE, "(" .. s, "-inf", "LIMIT", 0, 1)
  if before[1] then table.insert(ids, 1, before[1]) end
  return records_overlapping(K_BOOKINGS, ids, s, e)
end

local function winner_of(kind, r)
  return {
    kind = kind, id = r.id, agentId = r.agentId, priority = r.priority,
    start = r.start, ["end"] = r["end"],
    frozen = kind == "booking" and NOW >= r.frozenAt,
  }
end

-- The winner reported in a 409 is the strongest obstacle: highest priority, then earliest,
-- then smallest id, so every store names the same one.
local function stronger(a, b)
  if b == nil then return true end
  if a.priority ~= b.priority then return a.priority < b.priority end
  if a.start ~= b.start then return a.start < b.start end
  return a.id < b.id
end

-- Appends one event to the user's chain, unsealed; returns its id. The node seals it
-- (prev_hash, hash: SHA-256 in Lua would cost most of a commit's time) with seal-audit-2.lua
-- right after the script; readers seal what is pending before they read. Until then the
-- event waits in the head hash as "p:<seq>" (its JCS text without prev_hash), and "last"
-- is the last seq appended ("seq" and "hash" stay the last sealed event's).
local function audit_append(etype, actor, resource, data_json)
  local head = rcall("HMGET", K_HEAD, "seq", "last")
  local seq = math.max(tonumber(head[1] or "0"), tonumber(head[2] or "0")) + 1
  event_count = event_count + 1
  local id = EVENT_PREFIX .. event_count
  local body = jcs_object({
    { "actor", jcs_string(actor) },
    { "at", jcs_int(NOW) },
    { "data", data_json },
    { "id", jcs_string(id) },
    { "resource", jcs_string(resource) },
    { "seq", jcs_int(seq) },
    { "type", jcs_string(etype) },
  })
  rcall("HSET", K_HEAD, "last", seq, "p:" .. seq, body)
  rcall("ZADD", K_AUDIT_RES, 0, resource .. "#" .. string.format("%012d", seq))
  return id
end

-- The events waiting to be sealed, for the node to seal without reading them again:
-- {seq, hash} of the last sealed event and the pending texts in order; nil when none.
local function pending_audit()
  local head = rcall("HMGET", K_HEAD, "seq", "hash", "last")
  local seq, last = tonumber(head[1] or "0"), tonumber(head[3] or "0")
  if last <= seq then return nil end
  local fields = {}
  -- A bounded batch: the node seals again until nothing is pending.
  for n = seq + 1, math.min(last, seq + 500) do fields[#fields + 1] = "p:" .. n end
  return { seq = seq, hash = head[2] or string.rep("0", 64), events = rcall("HMGET", K_HEAD, unpack(fields)) }
end

local function hold_json(h)
  return jcs_object({
    { "agent_id", jcs_string(h.agentId) },
    { "created_at", jcs_int(h.createdAt) },
    { "end", jcs_int(h["end"]) },
    { "expires_at", jcs_int(h.expiresAt) },
    { "hold_id", jcs_string(h.id) },
    { "priority", jcs_int(h.priority) },
    { "start", jcs_int(h.start) },
  })
end

local function remove_hold(h)
  rcall("HDEL", K_HOLDS, h.id)
  rcall("ZREM", K_HOLDS_START, h.id)
  rcall("ZREM", K_HOLDS_EXP, h.id)
end

-- Idempotency: a retry with the same key gets the first answer, marked as a replay.
-- `field` is "" when the request carries no key.
local function idem_replay(field, fingerprint)
  if field == "" then return nil end
  local expired = rcall("ZRANGEBYSCORE", K_IDEM_EXP, "-inf", NOW)
  for _, f in ipairs(expired) do
    rcall("HDEL", K_IDEM, f)
    rcall("ZREM", K_IDEM_EXP, f)
  end
  local raw = rcall("HGET", K_IDEM, field)
  if not raw then return nil end
  local stored = cjson.decode(raw)
  if stored.fingerprint ~= fingerprint then
    return { status = "rejected", reason = "idempotency_mismatch", replay = true }
  end
  stored.answer.replay = true
  return stored.answer
end

local function idem_store(field, fingerprint, answer)
  answer.replay = false
  if field ~= "" then
    rcall("HSET", K_IDEM, field, cjson.encode({ fingerprint = fingerprint, answer = answer }))
    rcall("ZADD", K_IDEM_EXP, NOW + IDEM_TTL_MS, field)
  end
  return answer
end
