--[[
  Creates or replaces a durable timer: resets its attempts and drops any claim on it.

  KEYS[1]  sorted set id -> dueAt of scheduled timers (keys.timersPending)
  KEYS[2]  sorted set id -> leaseUntil of claimed timers (keys.timersLeased)
  KEYS[3]  hash id -> JSON { kind, dueAt, payload } (keys.timersData)
  KEYS[4]  hash id -> number of claims so far (keys.timersAttempts)
  ARGV[1]  timer id
  ARGV[2]  dueAt, epoch ms
  ARGV[3]  JSON { kind, dueAt, payload } (stored opaque)

  Returns 1.
]]
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[4], ARGV[1], 0)
return 1
