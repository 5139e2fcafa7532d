/**
 * The Redis key registry and script files keep their promises: caller-chosen names never
 * collide, every key carries the deployment prefix, and every script declares its KEYS and
 * ARGV in a header and touches no key it was not given.
 */
import { expect } from 'chai';
import { indexMember, indexMemberPrefix, type RedisKeys, redisKeys } from '../../storage/redis/keys';
import { readScripts } from '../../storage/redis/script-loader';

describe('redis key registry', () => {
  const keys = redisKeys('kefu:');

  it('never maps two different (collection, id) pairs to one key, even with ":" and "%" in them', () => {
    const built = [
      keys.record('a:b', 'c'),
      keys.record('a', 'b:c'),
      keys.record('a%3Ab', 'c'),
      keys.record('a', 'b%3Ac'),
      keys.record('tickets', 'K-000001'),
    ];
    expect(new Set(built).size).to.equal(built.length);
  });

  it('puts the deployment prefix on every key', () => {
    const all: string[] = [];
    for (const [name, build] of Object.entries(keys) as Array<[keyof RedisKeys, unknown]>) {
      if (typeof build !== 'function') continue;
      all.push(String((build as (...a: string[]) => string)('x:y', 'z')));
      expect(all.at(-1), name).to.match(/^kefu:/);
    }
    expect(redisKeys('other:').kv('k')).to.equal('other:kv:k');
  });

  it('keeps index entries of different (name, value) pairs apart, even with NUL bytes in them', () => {
    const member = indexMember('status', 'queued\x00x', 'K-1');
    expect(member.startsWith(indexMemberPrefix('status', 'queued'))).to.equal(false);
    expect(indexMember('a\x00b', 'c', 'id').startsWith(indexMemberPrefix('a', 'b\x00c'))).to.equal(false);
    expect(indexMember('客戶', '王小明', 'K-1').startsWith(indexMemberPrefix('客戶', '王小明'))).to.equal(true);
  });
});

describe('redis script files', () => {
  const scripts = [...readScripts().values()];

  it('are found', () => {
    expect(scripts.map((s) => s.name)).to.include.members([
      'assign-6',
      'claim-6',
      'timer-claim-4',
      'bot-state-write-n',
    ]);
  });

  for (const script of readScripts().values()) {
    it(`${script.name} opens with a header naming purpose, its KEYS, ARGV and return value`, () => {
      const header = /^--\[\[([\s\S]*?)\]\]/.exec(script.source)?.[1];
      expect(header, 'header comment').to.be.a('string');
      expect(header).to.match(/Returns/);
      expect(header).to.match(/ARGV\[/);
      const body = script.source.slice(script.source.indexOf(']]') + 2);
      const used = [...body.matchAll(/KEYS\[(\d+)\]/g)].map((m) => Number(m[1]));
      if (script.numKeys !== undefined) {
        for (let i = 1; i <= script.numKeys; i++) expect(header, `KEYS[${i}] documented`).to.include(`KEYS[${i}]`);
        for (const k of used) expect(k, `KEYS[${k}] used`).to.be.at.most(script.numKeys);
      } else {
        expect(header).to.include('KEYS[i]');
      }
      // Keys come only from KEYS: a script never names a key of its own.
      expect(body).to.not.match(/kefu:/);
    });
  }
});
