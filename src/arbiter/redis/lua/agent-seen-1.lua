--[[
  Records that an agent made a request: arb-enter-17.lua asks whether a commit's
  seniors were seen recently. The hash expires when nobody of the user was seen for a
  day, so idle users leave nothing.
  KEYS: 1 seen (hash: agent id -> ms)
  ARGV: 1 time override ("" in production: time comes from TIME), 2 agent id
  Returns the time recorded.
]]
local rcall = redis.call
local now
if ARGV[1] ~= "" then
  now = tonumber(ARGV[1])
else
  local t = rcall("TIME")
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
rcall("HSET", KEYS[1], ARGV[2], now)
rcall("PEXPIRE", KEYS[1], 86400000)
return now
