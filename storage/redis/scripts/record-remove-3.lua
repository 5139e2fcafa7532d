--[[
  Removes a record, its id entry and its index entries.

  KEYS[1]  hash of the record { v, d, ix } (keys.record)
  KEYS[2]  sorted set of the collection's ids (keys.recordIds)
  KEYS[3]  sorted set of the collection's index members (keys.recordIndex)
  ARGV[1]  record id

  Returns 1 when the record existed, 0 otherwise.
]]
local old = redis.call('HGET', KEYS[1], 'ix')
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
if old then
  for _, member in ipairs(cjson.decode(old)) do
    redis.call('ZREM', KEYS[3], member)
  end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1
