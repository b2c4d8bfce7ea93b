--[[
  Expires the calendar's pending bookings past their expiry (booking.expired by "system"),
  as every other script does before deciding: for a sweeper, so callbacks go out on time.
  KEYS: the 16 calendar keys (core/common.lua). ARGV: 1 time override, 2 event prefix,
        3 max span ms
  Returns JSON: {expired = [booking, …]} (oldest expiry first), and next = the earliest
                expiry of the pending bookings left (absent when none).
]]
--@include lib/canonical.lua
--@include core/common.lua
--@include core/pending.lua

local expired = expire_pending()
local next_due = rcall("ZRANGE", K_PENDING_EXP, 0, 0, "WITHSCORES")
return cjson.encode({ expired = expired, next = tonumber(next_due[2]) })
