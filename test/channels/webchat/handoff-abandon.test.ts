/**
 * Abandonment (放棄) of a live handoff over Direct Line, with a manual clock and the durable
 * timer runner driven by `timers.tick()`: a page that stops polling counts as closed, a
 * customer who sends nothing for HANDOFF_ABANDON_AFTER_S while the page is open counts as
 * gone too, and one who left a phone number before leaving gets a callback ticket.
 */
import { expect } from 'chai';
import type { ManualClock } from '../../../app/clock';
import type { RunningKefu } from '../../../app/start';
import type { Message } from 'botframework-directlinejs';
import { directLineClient } from './directline-node';
import { getToken, repliesTo } from './harness';
import { addOnlineAgent, ChatUser, eventually, reportedTicket, startHandoffKefu } from './handoff-support';

describe('abandoned live handoffs (放棄)', () => {
  let kefu: RunningKefu;
  let clock: ManualClock;

  async function askForAgent(user: ChatUser): Promise<string> {
    const ask = await user.say('轉真人客服');
    const all = await user.waitFor((a) => repliesTo(a, ask).some((x) => x.channelData?.kefu?.['ticket']));
    return reportedTicket(repliesTo(all, ask))!.number;
  }

  async function abandonedReason(number: string): Promise<string | undefined> {
    await kefu.timers.tick();
    const e = (await kefu.tickets.history(number)).find((x) => x.type === 'abandoned');
    return e ? String(e.data['reason']) : undefined;
  }

  before(async () => {
    ({ kefu, clock } = await startHandoffKefu({
      DESK_MODE: '24h',
      HANDOFF_PAGE_GONE_AFTER_S: '60',
      HANDOFF_ABANDON_AFTER_S: '300',
      // The clock moves many minutes here; the agent must not turn away for inactivity meanwhile.
      AGENT_AWAY_AFTER_S: '0',
    }));
    // One live place, taken by a customer the agent accepts: everyone after waits.
    await addOnlineAgent(kefu, 'wang', '王小明 Wang Hsiao-ming', { live: 1, callback: 5 });
    const first = await ChatUser.start(kefu.url);
    const n = await askForAgent(first);
    await eventually(async () => ((await kefu.handoff.assignment.status(n))?.state === 'offered' ? true : undefined));
    await kefu.handoff.assignment.accept(n, 'wang');
  });
  after(async () => {
    await kefu.stop();
  });

  it('counts a customer whose page stopped polling as abandoned and releases the place in the queue', async () => {
    const user = await ChatUser.start(kefu.url);
    const number = await askForAgent(user);
    expect((await kefu.handoff.assignment.queuePosition(number))?.state).to.equal('queued');

    clock.advance(59_000);
    expect(await abandonedReason(number)).to.equal(undefined);
    clock.advance(2_000);
    expect(await eventually(() => abandonedReason(number))).to.equal('page-closed');
    const work = await kefu.handoff.assignment.status(number);
    expect(work).to.include({ state: 'closed', closedReason: 'abandoned' });
    expect((await kefu.handoff.assignment.queuePosition(number))?.queueLength).to.equal(0);
    expect((await kefu.tickets.get(number)).status).to.equal('closed');
    // Only once, however often the timers run.
    clock.advance(120_000);
    await kefu.timers.tick();
    expect((await kefu.tickets.history(number)).filter((e) => e.type === 'abandoned')).to.have.length(1);
  });

  it('keeps the request as a callback when the customer left a phone number before leaving', async () => {
    const user = await ChatUser.start(kefu.url);
    const number = await askForAgent(user);
    await user.say('我的手機是 0912-345-678，麻煩回電');
    await user.waitForText('已記下您的電話 0912-345-678');

    clock.advance(61_000);
    expect(await eventually(() => abandonedReason(number))).to.equal('page-closed');
    const event = (await kefu.tickets.history(number)).find((e) => e.type === 'abandoned')!;
    const callbackNumber = String(event.data['callback']);
    const callback = await kefu.tickets.get(callbackNumber);
    expect(callback.type).to.equal('callback');
    expect(callback.customer.phone).to.equal('0912345678');
    expect(callback.links).to.deep.include({ number, relation: 'follows-up' });
    expect((await kefu.handoff.assignment.status(callbackNumber))?.pool).to.equal('callback');
    await user.waitForText(`改為回電服務（問題單 ${callbackNumber}）`);
  });

  it('counts a customer who sends nothing for HANDOFF_ABANDON_AFTER_S as abandoned, even with the page open', async () => {
    const user = await ChatUser.start(kefu.url);
    const number = await askForAgent(user);
    let reason: string | undefined;
    for (let waited = 0; waited < 300_000 && !reason; ) {
      clock.advance(50_000);
      waited += 50_000;
      await user.all(); // the page keeps polling
      reason = await abandonedReason(number);
      if (waited < 300_000) expect(reason, `after ${waited / 1000} s`).to.equal(undefined);
    }
    expect(reason ?? (await eventually(() => abandonedReason(number)))).to.equal('inactive');
  });

  it('shows the abandoned waits in the supervisor measures (放棄率)', async () => {
    const report = await kefu.handoff.measures.report({ from: 0, to: clock.now() + 1 });
    // Three customers left before an agent joined; the first chat was accepted.
    expect(report.desk.abandoned).to.equal(3);
    expect(report.desk.waited).to.equal(4);
    expect(report.desk.abandonmentRate).to.equal(0.75);
  });

  it('does not abandon a waiting customer who keeps writing', async () => {
    const user = await ChatUser.start(kefu.url);
    const number = await askForAgent(user);
    for (let i = 0; i < 8; i++) {
      clock.advance(50_000);
      await user.say(`還在等，第 ${i + 1} 次`);
      await user.waitForText('已收到您的訊息');
      await kefu.timers.tick();
    }
    expect((await kefu.tickets.history(number)).some((e) => e.type === 'abandoned')).to.equal(false);
    expect((await kefu.handoff.assignment.queuePosition(number))?.state).to.equal('queued');
  });

  it('treats an open WebSocket stream as an open page, and its closing as the page closing', async () => {
    const t = await getToken(kefu.url);
    const client = directLineClient(kefu.url, { token: t.token, webSocket: true });
    const seen: Array<{ type: string; text?: string; channelData?: { kefu?: { ticket?: { number: string } } } }> = [];
    client.activity$.subscribe({ next: (a) => void seen.push(a as never), error: () => undefined });
    await eventually(async () => (seen.some((a) => a.type === 'message') ? true : undefined));
    await new Promise<void>((resolve, reject) =>
      client
        .postActivity({ type: 'message', from: { id: 'x' }, text: '轉真人客服', locale: 'zh-TW' } as Message)
        .subscribe({ next: () => resolve(), error: reject }),
    );
    const number = await eventually(
      async () => seen.find((a) => a.channelData?.kefu?.ticket)?.channelData?.kefu?.ticket?.number,
    );

    clock.advance(61_000);
    expect(await abandonedReason(number)).to.equal(undefined);
    clock.advance(61_000);
    expect(await abandonedReason(number)).to.equal(undefined);

    client.end();
    await eventually(async () => ((await kefu.webchat.streams.openSockets) === 0 ? true : undefined));
    clock.advance(61_000);
    expect(await eventually(() => abandonedReason(number))).to.equal('page-closed');
  });
});
