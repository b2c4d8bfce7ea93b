--[[
  Records a request token's id (jti) for replay protection: the first call for an id
  answers 1, every later one 0 until the id's record ends. SET NX with an expiry, written
  as a script so that tests may override the time (the record's end is its value, and
  its TTL is relative, so both agree with Redis TIME in production).
  KEYS: 1 the id's key (cal:jti:{<issuer hash>}:<jti>)
  ARGV: 1 time override in ms ("" = TIME), 2 the instant the record may end (ms); it is
        kept at least a minute, so a token accepted within the clock tolerance after its
        expiry still cannot be replayed
  Returns 1 (first time) or 0 (a replay).
]]
local rcall = redis.call

local function redis_time()
  local t = rcall("TIME")
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local now = ARGV[1] ~= "" and tonumber(ARGV[1]) or redis_time()
local MIN_RECORD_MS = 60000
local ends = math.max(tonumber(ARGV[2]), now + MIN_RECORD_MS)
local current = rcall("GET", KEYS[1])
if current and tonumber(current) > now then return 0 end
rcall("SET", KEYS[1], string.format("%.0f", ends), "PX", math.max(1, ends - now))
return 1
