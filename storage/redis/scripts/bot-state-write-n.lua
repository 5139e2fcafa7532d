--[[
  Writes several botbuilder state items at once, all or nothing, with eTag compare-and-set.

  Variadic: the `n` in the file name means "one key per item".
  KEYS[i]        hash { e = eTag, d = JSON } of item i (keys.botState)
  ARGV[3i - 2]   expected eTag of item i; '' means overwrite (eTag missing or '*')
  ARGV[3i - 1]   new eTag of item i
  ARGV[3i]       item i as JSON (without its eTag)

  Returns 1 when every item was written; -1 (Conflict) when any expected eTag is not the
  current one (including a key that no longer exists), in which case nothing is written.
]]
for i = 1, #KEYS do
  local expected = ARGV[3 * i - 2]
  if expected ~= '' then
    local current = redis.call('HGET', KEYS[i], 'e')
    if current ~= expected then
      return -1
    end
  end
end
for i = 1, #KEYS do
  redis.call('HSET', KEYS[i], 'e', ARGV[3 * i - 1], 'd', ARGV[3 * i])
end
return 1
