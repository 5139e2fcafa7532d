--[[
  Frees an assigned item: removes the assignment and lowers its agent's load by 1 (never
  below 0); lastAssignedAt is kept.

  KEYS[1]  hash agentId -> load (keys.agentsLoad)
  KEYS[2]  hash itemId -> JSON { agentId, assignedAt } (keys.assignments)
  KEYS[3]  sorted set of 'agentId NUL itemId', score 0 (keys.agentItems)
  ARGV[1]  itemId

  Returns the released assignment JSON, or false (nil reply) when the item was not assigned.
]]
local assignment = redis.call('HGET', KEYS[2], ARGV[1])
if not assignment then
  return false
end
local agentId = cjson.decode(assignment).agentId
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], agentId .. '\0' .. ARGV[1])
local load = tonumber(redis.call('HGET', KEYS[1], agentId) or '0')
if load > 0 then
  redis.call('HINCRBY', KEYS[1], agentId, -1)
end
return assignment
