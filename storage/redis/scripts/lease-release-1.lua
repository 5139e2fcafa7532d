--[[
  Releases a lease, only for the owner stored in it (expired or not).

  KEYS[1]  hash { owner, until } of the lease (keys.lease)
  ARGV[1]  owner

  Returns 1 when released, 0 when another owner (or nobody) holds it.
]]
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
