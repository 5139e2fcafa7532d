--[[
  Creates or updates an agent's presence, skills and capacity. Load and lastAssignedAt are
  kept, except that `resetIdleAt` (an agent coming online) sets lastAssignedAt; a new agent
  starts with load 0 and lastAssignedAt = resetIdleAt, or 0.

  KEYS[1]  hash agentId -> JSON { status, skills, capacity } (keys.agentsMeta)
  KEYS[2]  hash agentId -> load (keys.agentsLoad)
  KEYS[3]  hash agentId -> lastAssignedAt (keys.agentsIdle)
  ARGV[1]  agentId
  ARGV[2]  JSON { status, skills, capacity } (stored as given)
  ARGV[3]  resetIdleAt, epoch ms, or '' to keep

  Returns { load, lastAssignedAt } as stored after the call.
]]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSETNX', KEYS[2], ARGV[1], 0)
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
else
  redis.call('HSETNX', KEYS[3], ARGV[1], 0)
end
return { redis.call('HGET', KEYS[2], ARGV[1]), redis.call('HGET', KEYS[3], ARGV[1]) }
