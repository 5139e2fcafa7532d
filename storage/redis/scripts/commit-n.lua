--[[
  Applies a unit of work: several record, stream and timer writes, all or none.

  Lua cannot roll back, so the script runs in two passes: the first checks the precondition of
  every write (create: the id is free; replace: the record exists at the expected version) and
  writes nothing; the second applies all writes in order, and starts only when every check
  passed. The caller guarantees that a record or timer appears at most once, so no check
  depends on an earlier write of the same commit. This script is the only place where a record
  is created or replaced, a stream entry appended and a timer scheduled or removed.

  Variadic: the `n` in the file name means "keys depend on the writes".
  KEYS[1]  sorted set id -> dueAt of scheduled timers (keys.timersPending)
  KEYS[2]  sorted set id -> leaseUntil of claimed timers (keys.timersLeased)
  KEYS[3]  hash id -> JSON { kind, dueAt, payload } (keys.timersData)
  KEYS[4]  hash id -> number of claims so far (keys.timersAttempts)
  KEYS[i]  for i > 4, the keys of the writes in turn:
           record.create / record.replace: hash of the record { v, d, ix } (keys.record), sorted
             set of the collection's ids (keys.recordIds), sorted set of the collection's index
             members (keys.recordIndex);
           stream.append: the stream's list (keys.stream);
           timer.schedule / timer.cancel: none (they use KEYS[1..4]).
  ARGV     five per write; for write w (1-based), ARGV[5w - 4 … 5w] are:
           record.create   'record.create', record id, '1' to skip a taken id (ifAbsent) or '0',
                           value JSON, JSON array of index members (built by keys.indexMember)
           record.replace  'record.replace', record id, expected version, value JSON,
                           JSON array of the new index members
           stream.append   'stream.append', '', '', entry JSON, ''
           timer.schedule  'timer.schedule', timer id, dueAt (epoch ms), JSON { kind, dueAt,
                           payload }, ''
           timer.cancel    'timer.cancel', timer id, '', '', ''
  Record values, entries and timer data are stored as given, never decoded here.

  Returns one integer per write, in order: record.create 1 (created) or 0 (ifAbsent skip);
  record.replace the new version; stream.append the entry's seq (list length after the push);
  timer.schedule 1; timer.cancel 1 when the timer existed, else 0. When a check fails, nothing
  is written and it returns { code, index }: code -3 (Exists), -1 (Conflict) or -2 (NotFound),
  index the failing write's 0-based position. (A success never starts with a negative number.)
]]
local TIMER_KEYS = 4
local STRIDE = 5
if #ARGV % STRIDE ~= 0 then
  return redis.error_reply('commit-n: ARGV must hold ' .. STRIDE .. ' entries per write, got ' .. #ARGV)
end
local count = #ARGV / STRIDE

-- Pass 1: find each write's keys and check every precondition; write nothing.
local writes = {}
local nextKey = TIMER_KEYS + 1
for i = 1, count do
  local base = STRIDE * (i - 1)
  local write = {
    kind = ARGV[base + 1],
    id = ARGV[base + 2],
    number = ARGV[base + 3],
    value = ARGV[base + 4],
    members = ARGV[base + 5],
    key = nextKey,
  }
  if write.kind == 'record.create' then
    nextKey = nextKey + 3
    if redis.call('EXISTS', KEYS[write.key]) == 1 then
      if write.number ~= '1' then
        return { -3, i - 1 }
      end
      write.skip = true
    end
  elseif write.kind == 'record.replace' then
    nextKey = nextKey + 3
    local version = redis.call('HGET', KEYS[write.key], 'v')
    if not version then
      return { -2, i - 1 }
    end
    if tonumber(version) ~= tonumber(write.number) then
      return { -1, i - 1 }
    end
    write.version = tonumber(version) + 1
  elseif write.kind == 'stream.append' then
    nextKey = nextKey + 1
  elseif write.kind ~= 'timer.schedule' and write.kind ~= 'timer.cancel' then
    return redis.error_reply('commit-n: unknown write kind ' .. tostring(write.kind))
  end
  writes[i] = write
end
if nextKey ~= #KEYS + 1 then
  return redis.error_reply('commit-n: the writes need ' .. (nextKey - 1) .. ' keys, got ' .. #KEYS)
end

-- Pass 2: every check passed; apply the writes in order.
local results = {}
for i, write in ipairs(writes) do
  local k = write.key
  if write.kind == 'record.create' then
    if write.skip then
      results[i] = 0
    else
      redis.call('HSET', KEYS[k], 'v', 1, 'd', write.value, 'ix', write.members)
      redis.call('ZADD', KEYS[k + 1], 0, write.id)
      for _, member in ipairs(cjson.decode(write.members)) do
        redis.call('ZADD', KEYS[k + 2], 0, member)
      end
      results[i] = 1
    end
  elseif write.kind == 'record.replace' then
    local old = redis.call('HGET', KEYS[k], 'ix')
    if old then
      for _, member in ipairs(cjson.decode(old)) do
        redis.call('ZREM', KEYS[k + 2], member)
      end
    end
    for _, member in ipairs(cjson.decode(write.members)) do
      redis.call('ZADD', KEYS[k + 2], 0, member)
    end
    redis.call('HSET', KEYS[k], 'v', write.version, 'd', write.value, 'ix', write.members)
    results[i] = write.version
  elseif write.kind == 'stream.append' then
    results[i] = redis.call('RPUSH', KEYS[k], write.value)
  elseif write.kind == 'timer.schedule' then
    -- Rescheduling resets the attempts and drops any claim.
    redis.call('ZADD', KEYS[1], write.number, write.id)
    redis.call('ZREM', KEYS[2], write.id)
    redis.call('HSET', KEYS[3], write.id, write.value)
    redis.call('HSET', KEYS[4], write.id, 0)
    results[i] = 1
  else
    -- timer.cancel: pending or claimed, the timer and its claim go.
    results[i] = redis.call('HDEL', KEYS[3], write.id)
    redis.call('ZREM', KEYS[1], write.id)
    redis.call('ZREM', KEYS[2], write.id)
    redis.call('HDEL', KEYS[4], write.id)
  end
end
return results
