--[[
  Counts one hit in a fixed rate-limit window: the window starts at the first hit and
  lasts `window` ms; hits beyond `limit` within it are refused until it ends.
  KEYS: 1 the counter (cal:rl:{<key hash>}), a hash: start (ms), count
  ARGV: 1 time override in ms ("" = TIME), 2 limit, 3 window ms
  Returns JSON: {allowed, retryAfterMs} (retryAfterMs 0 when allowed)
]]
local rcall = redis.call

local function redis_time()
  local t = rcall("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local now = ARGV[1] ~= "" and tonumber(ARGV[1]) or redis_time()
local limit, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local state = rcall("HMGET", KEYS[1], "start", "count")
local start, count = tonumber(state[1]), tonumber(state[2] or "0")
if not start or now >= start + window then
  start, count = now, 0
end
count = count + 1
rcall("HSET", KEYS[1], "start", string.format("%.0f", start), "count", count)
rcall("PEXPIRE", KEYS[1], math.max(1, start + window - now))
if count > limit then
  return cjson.encode({ allowed = false, retryAfterMs = start + window - now })
end
return cjson.encode({ allowed = true, retryAfterMs = 0 })
