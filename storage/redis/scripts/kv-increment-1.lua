--[[
  Adds to an integer counter, creating it at 0; a TTL applies only when it is created, so a
  fixed rate-limit window expires on time however often it is incremented.

  KEYS[1]  the counter (keys.kv)
  ARGV[1]  amount to add (integer, may be negative)
  ARGV[2]  TTL in milliseconds for a new counter; '0' = none

  Returns the new value.
]]
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if created and ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return value
