/**
 * Live updates: `GET /api/v1/live` streams the desk's notices (Server-Sent Events through
 * the store bus) to signed-in pages, refuses anonymous callers, and ends by itself when the
 * service shuts down, so an open console tab never holds a shutdown.
 */
import { expect } from 'chai';
import { AGENT_PASSWORD, addAgent, ConsoleClient, startTestKefu, type TestKefu } from './support';

/** Reads an SSE response until `predicate` matches an event; returns the events seen. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  predicate: (e: { event: string; data: string }) => boolean,
): Promise<Array<{ event: string; data: string }>> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: Array<{ event: string; data: string }> = [];
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the expected event; saw ${JSON.stringify(events)}`);
    buffer += decoder.decode(value, { stream: true });
    let cut = buffer.indexOf('\n\n');
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (event && data) {
        events.push({ event, data });
        if (predicate({ event, data })) {
          reader.releaseLock();
          return events;
        }
      }
      cut = buffer.indexOf('\n\n');
    }
  }
}

describe('console live updates (SSE)', function () {
  this.timeout(30_000);
  let t: TestKefu;
  let mei: ConsoleClient;

  before(async () => {
    // A long shutdown deadline: if an open stream held the shutdown, the last test would time out.
    t = await startTestKefu({ SHUTDOWN_TIMEOUT_MS: '120000' });
    await addAgent(t.kefu, 'mei', { name: '陳美玲' });
    mei = new ConsoleClient(t.kefu.url);
    await mei.login('mei', AGENT_PASSWORD);
  });
  after(async () => {
    await t?.close();
  });

  it('refuses an anonymous stream with 401', async () => {
    const r = await fetch(`${t.kefu.url}/api/v1/live`);
    expect(r.status).to.equal(401);
    expect(((await r.json()) as { code: string }).code).to.equal('ERR_UNAUTHORIZED');
  });

  it('tells an open page when a ticket changes and when work is offered, without personal data', async () => {
    const abort = new AbortController();
    const r = await fetch(`${t.kefu.url}/api/v1/live`, { headers: { cookie: mei.cookie }, signal: abort.signal });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^text\/event-stream/);
    await mei.put('/api/v1/presence', { presence: 'online' });
    const opened = await mei.post('/api/v1/tickets', {
      type: 'callback',
      subject: '請回電 0912345678',
      customer: { name: '王小明', phone: '0912345678' },
    });
    expect(opened.status).to.equal(201);
    // The console's own notice is published after the assignment step, so it comes last.
    const events = await readEvents(
      r.body!,
      (e) => e.event === 'console' && JSON.parse(e.data).ticket === opened.body.number,
    );
    const offered = events.find((e) => e.event === 'handoff' && JSON.parse(e.data).type === 'assigned');
    expect(offered, 'the offer notice').to.not.equal(undefined);
    expect(JSON.parse(offered!.data)).to.include({ ticket: opened.body.number, agentId: 'mei' });
    expect(JSON.stringify(events)).to.not.include('0912345678');
    expect(JSON.stringify(events)).to.not.include('王小明');
    abort.abort();
  });

  it('ends open streams when the service shuts down', async () => {
    const r = await fetch(`${t.kefu.url}/api/v1/live`, { headers: { cookie: mei.cookie } });
    expect(r.status).to.equal(200);
    const reader = r.body!.getReader();
    await reader.read(); // the "connected" comment
    const drained = (async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) return true;
      }
    })();
    await t.kefu.stop();
    expect(await drained).to.equal(true);
  });
});
