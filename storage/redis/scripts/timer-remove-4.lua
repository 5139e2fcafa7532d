--[[
  Removes a timer, pending or claimed (cancel, and complete after its handler succeeded).

  KEYS[1]  sorted set id -> dueAt of scheduled timers (keys.timersPending)
  KEYS[2]  sorted set id -> leaseUntil of claimed timers (keys.timersLeased)
  KEYS[3]  hash id -> JSON { kind, dueAt, payload } (keys.timersData)
  KEYS[4]  hash id -> number of claims so far (keys.timersAttempts)
  ARGV[1]  timer id

  Returns 1 when the timer existed, 0 otherwise.
]]
local existed = redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return existed
