--[[
  The atomic "pick an agent and claim the item" step (round robin by idle time).

  Among agents that are online, have every required skill, have load < capacity and are not
  excluded, picks the smallest lastAssignedAt (ties by agentId, compared byte by byte, not by
  the server's locale); assigns the item to it (load + 1, lastAssignedAt = now), records the
  assignment and removes the item from the queue. Capacity is checked here, inside the step,
  so concurrent assigners can never push an agent over it.

  KEYS[1]  hash agentId -> JSON { status, skills, capacity } (keys.agentsMeta)
  KEYS[2]  hash agentId -> load (keys.agentsLoad)
  KEYS[3]  hash agentId -> lastAssignedAt (keys.agentsIdle)
  KEYS[4]  hash itemId -> JSON { agentId, assignedAt } (keys.assignments)
  KEYS[5]  sorted set of 'agentId NUL itemId', score 0 (keys.agentItems)
  KEYS[6]  the queue to remove the item from (keys.queue), or '' for none
  ARGV[1]  itemId
  ARGV[2]  now, epoch ms
  ARGV[3]  JSON array of required skills
  ARGV[4]  JSON array of excluded agentIds

  Returns the chosen agentId; -5 (AlreadyAssigned) when the item is assigned; -4 (NoAgent)
  when no agent qualifies. Nothing changes unless an agentId is returned.
]]
local function bytesLess(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local ca, cb = string.byte(a, i), string.byte(b, i)
    if ca ~= cb then
      return ca < cb
    end
  end
  return #a < #b
end

if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then
  return -5
end

local required = cjson.decode(ARGV[3])
local excluded = {}
for _, id in ipairs(cjson.decode(ARGV[4])) do
  excluded[id] = true
end

local bestId, bestIdle = nil, nil
local agents = redis.call('HGETALL', KEYS[1])
for i = 1, #agents, 2 do
  local agentId = agents[i]
  local meta = cjson.decode(agents[i + 1])
  if meta.status == 'online' and not excluded[agentId] then
    local load = tonumber(redis.call('HGET', KEYS[2], agentId) or '0')
    if load < tonumber(meta.capacity) then
      local has = {}
      for _, skill in ipairs(meta.skills) do
        has[skill] = true
      end
      local qualifies = true
      for _, skill in ipairs(required) do
        if not has[skill] then
          qualifies = false
          break
        end
      end
      if qualifies then
        local idle = tonumber(redis.call('HGET', KEYS[3], agentId) or '0')
        if bestId == nil or idle < bestIdle or (idle == bestIdle and bytesLess(agentId, bestId)) then
          bestId, bestIdle = agentId, idle
        end
      end
    end
  end
end

if bestId == nil then
  return -4
end

redis.call('HINCRBY', KEYS[2], bestId, 1)
redis.call('HSET', KEYS[3], bestId, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], '{"agentId":' .. cjson.encode(bestId) .. ',"assignedAt":' .. ARGV[2] .. '}')
redis.call('ZADD', KEYS[5], 0, bestId .. '\0' .. ARGV[1])
if KEYS[6] ~= '' then
  redis.call('ZREM', KEYS[6], ARGV[1])
end
return bestId
