--[[
  Assigns an item to a given agent (an agent picking work): only when the item is unassigned,
  the agent exists and its load is below capacity — checked here, inside the step. Presence is
  not checked: the agent is acting. Sets load + 1 and lastAssignedAt = now, records the
  assignment and removes the item from the queue.

  KEYS[1]  hash agentId -> JSON { status, skills, capacity } (keys.agentsMeta)
  KEYS[2]  hash agentId -> load (keys.agentsLoad)
  KEYS[3]  hash agentId -> lastAssignedAt (keys.agentsIdle)
  KEYS[4]  hash itemId -> JSON { agentId, assignedAt } (keys.assignments)
  KEYS[5]  sorted set of 'agentId NUL itemId', score 0 (keys.agentItems)
  KEYS[6]  the queue to remove the item from (keys.queue), or '' for none
  ARGV[1]  itemId
  ARGV[2]  agentId
  ARGV[3]  now, epoch ms

  Returns 1 when claimed; -5 (AlreadyAssigned), -6 (UnknownAgent) or -7 (AtCapacity)
  otherwise, changing nothing.
]]
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then
  return -5
end
local metaJson = redis.call('HGET', KEYS[1], ARGV[2])
if not metaJson then
  return -6
end
local meta = cjson.decode(metaJson)
local load = tonumber(redis.call('HGET', KEYS[2], ARGV[2]) or '0')
if load >= tonumber(meta.capacity) then
  return -7
end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], '{"agentId":' .. cjson.encode(ARGV[2]) .. ',"assignedAt":' .. ARGV[3] .. '}')
redis.call('ZADD', KEYS[5], 0, ARGV[2] .. '\0' .. ARGV[1])
if KEYS[6] ~= '' then
  redis.call('ZREM', KEYS[6], ARGV[1])
end
return 1
