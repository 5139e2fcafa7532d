/**
 * The raw mail store on a real folder: what goes in comes back byte for byte, concurrent
 * appends never overlap, segments roll over by size and by day, a later process reads what an
 * earlier one wrote, and a reference that cannot be honoured is a clear error.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKefuError } from '../../../app/errors';
import { RawMailStore } from '../../../channels/email/raw-store';

function message(i: number, size: number): Buffer {
  const head = Buffer.from(`Subject: =?UTF-8?B?${Buffer.from(`保單 ${i}`).toString('base64')}?=\r\n\r\n`);
  const body = Buffer.alloc(Math.max(0, size - head.length), 0x41 + (i % 26));
  // Bytes that are not valid UTF-8 (raw Big5) must survive too.
  body[0] = 0xa4;
  body[1] = 0xa4;
  return Buffer.concat([head, body]);
}

describe('channels/email raw mail store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-raw-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives back exactly the bytes of 300 messages appended side by side, after a restart too', async () => {
    const store = new RawMailStore(dir);
    const messages = Array.from({ length: 300 }, (_, i) => message(i, 200 + ((i * 7919) % 5000)));
    const refs = await Promise.all(messages.map((m, i) => store.put(`acct/INBOX/7/${i + 1}`, m)));
    for (const [i, ref] of refs.entries()) expect((await store.read(ref)).equals(messages[i] as Buffer)).to.equal(true);
    // No two messages share a byte.
    const spans = refs.map((r) => [r.offset, r.offset + r.length]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).to.be.greaterThan(spans[i - 1]?.[1] ?? 0);
    expect(new Set(refs.map((r) => r.file)).size).to.equal(1);
    await store.close();

    const later = new RawMailStore(dir);
    const [ref, original] = [refs[123], messages[123]];
    if (!ref || !original) throw new Error('fixture missing');
    expect((await later.read(ref)).equals(original)).to.equal(true);
    // The segment is readable without the ledger: each message follows its marker line.
    const segment = fs.readFileSync(path.join(dir, refs[0]?.file ?? ''), 'latin1');
    expect(segment.startsWith(`--kefu-raw acct/INBOX/7/1 ${messages[0]?.length}\n`)).to.equal(true);
  });

  it('starts a new segment past the size limit and on a new day, and keeps reading the old ones', async () => {
    let now = Date.UTC(2026, 10, 27, 15, 59, 0);
    const store = new RawMailStore(dir, { maxSegmentBytes: 10_000, now: () => now });
    const a = await store.put('m1', message(1, 6000));
    const b = await store.put('m2', message(2, 6000)); // would pass 10,000 bytes
    const c = await store.put('m3', message(3, 100));
    now += 24 * 3_600_000;
    const d = await store.put('m4', message(4, 100));
    expect(b.file).to.not.equal(a.file);
    expect(c.file).to.equal(b.file);
    expect(d.file).to.not.equal(c.file);
    expect(a.file).to.include('2026-11-27');
    expect(d.file).to.include('2026-11-28');
    // A message larger than the limit still goes in (alone in its segment).
    const big = await store.put('m5', message(5, 25_000));
    expect((await store.read(big)).length).to.equal(25_000);
    expect(big.file).to.not.equal(d.file);
    for (const [ref, i] of [
      [a, 1],
      [b, 2],
      [c, 3],
      [d, 4],
    ] as const) {
      expect((await store.read(ref)).equals(message(i, ref.length))).to.equal(true);
    }
    await store.close();
  });

  it('says clearly when a segment was cut short or a reference points outside the mail folder', async () => {
    const store = new RawMailStore(dir);
    const ref = await store.put('m1', message(1, 4000));
    await store.close();
    fs.truncateSync(path.join(dir, ref.file), ref.offset + 100);
    for (const bad of [ref, { ...ref, file: '../../etc/passwd' }]) {
      const err = await store.read(bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKefuError(err, 'ERR_EMAIL_RAW'), String(err)).to.equal(true);
    }
  });
});
