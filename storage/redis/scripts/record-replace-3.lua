--[[
  Replaces a record if its version is still the expected one, swapping its index entries.

  KEYS[1]  hash of the record { v, d, ix } (keys.record)
  KEYS[2]  sorted set of the collection's ids (keys.recordIds; unchanged, passed for symmetry)
  KEYS[3]  sorted set of the collection's index members (keys.recordIndex)
  ARGV[1]  record id
  ARGV[2]  expected version
  ARGV[3]  new value as JSON (stored opaque)
  ARGV[4]  JSON array of the new index members

  Returns the new version; -2 (NotFound) when the record is absent; -1 (Conflict) when the
  stored version is not ARGV[2].
]]
local version = redis.call('HGET', KEYS[1], 'v')
if not version then
  return -2
end
if tonumber(version) ~= tonumber(ARGV[2]) then
  return -1
end
local old = redis.call('HGET', KEYS[1], 'ix')
if old then
  for _, member in ipairs(cjson.decode(old)) do
    redis.call('ZREM', KEYS[3], member)
  end
end
for _, member in ipairs(cjson.decode(ARGV[4])) do
  redis.call('ZADD', KEYS[3], 0, member)
end
local next = tonumber(version) + 1
redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[3], 'ix', ARGV[4])
return next
