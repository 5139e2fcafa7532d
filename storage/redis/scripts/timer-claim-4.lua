--[[
  Claims up to `limit` timers that are due, earliest dueAt first (ties by id), for a lease.

  A timer stays in the pending set while claimed (score = dueAt), so one whose lease ran out
  (its claimer died) is due again with its original dueAt and keeps its place in the order.
  A timer is claimable iff dueAt <= now and it has no lease, or its lease ended (<= now).

  KEYS[1]  sorted set id -> dueAt of scheduled timers (keys.timersPending)
  KEYS[2]  sorted set id -> leaseUntil of claimed timers (keys.timersLeased)
  KEYS[3]  hash id -> JSON { kind, dueAt, payload } (keys.timersData)
  KEYS[4]  hash id -> number of claims so far (keys.timersAttempts)
  ARGV[1]  now, epoch ms
  ARGV[2]  limit (maximum number of timers to claim)
  ARGV[3]  lease length in ms

  Returns a flat array: id, data JSON, attempts before this claim, for each claimed timer.
]]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local leaseUntil = now + tonumber(ARGV[3])
local claimed = {}
if limit <= 0 then
  return claimed
end

-- Expired leases: the timer becomes claimable again (it never left the pending set).
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])

local count = 0
local offset = 0
local page = 100
while count < limit do
  local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', offset, page)
  if #due == 0 then
    break
  end
  for _, id in ipairs(due) do
    if not redis.call('ZSCORE', KEYS[2], id) then
      redis.call('ZADD', KEYS[2], string.format('%.0f', leaseUntil), id)
      local attempts = redis.call('HINCRBY', KEYS[4], id, 1) - 1
      claimed[#claimed + 1] = id
      claimed[#claimed + 1] = redis.call('HGET', KEYS[3], id)
      claimed[#claimed + 1] = attempts
      count = count + 1
      if count >= limit then
        break
      end
    end
  end
  offset = offset + #due
end
return claimed
