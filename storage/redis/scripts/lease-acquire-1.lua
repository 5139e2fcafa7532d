--[[
  Takes a lease when it is free or expired, or renews it for the owner holding it.
  Expiry is judged by the caller's clock (`now`), not Redis time, so tests can move time.

  KEYS[1]  hash { owner, until } of the lease (keys.lease)
  ARGV[1]  owner
  ARGV[2]  ttl in ms
  ARGV[3]  now, epoch ms

  Returns 1 when the owner holds the lease after this call, 0 otherwise.
]]
local now = tonumber(ARGV[3])
local owner = redis.call('HGET', KEYS[1], 'owner')
local untilAt = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
if owner and owner ~= ARGV[1] and untilAt > now then
  return 0
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', string.format('%.0f', now + tonumber(ARGV[2])))
return 1
