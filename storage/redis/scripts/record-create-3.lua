--[[
  Creates a record at version 1 with its index entries, unless the id is taken.

  KEYS[1]  hash of the record { v, d, ix } (keys.record)
  KEYS[2]  sorted set of the collection's ids (keys.recordIds)
  KEYS[3]  sorted set of the collection's index members (keys.recordIndex)
  ARGV[1]  record id
  ARGV[2]  value as JSON (stored opaque, never decoded here)
  ARGV[3]  JSON array of index members (built by keys.indexMember)

  Returns 1 when created; -3 (Exists) when the record already exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -3
end
redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[2], 'ix', ARGV[3])
redis.call('ZADD', KEYS[2], 0, ARGV[1])
for _, member in ipairs(cjson.decode(ARGV[3])) do
  redis.call('ZADD', KEYS[3], 0, member)
end
return 1
