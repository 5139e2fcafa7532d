/**
 * Issue 5's "done when", as a test over Direct Line through `startKefu` with the sample desk
 * schedule (Mon–Fri 09:00–18:00 Taipei) and a manual clock: with two agents online, four web
 * chat users asking for a human are shared two and two, the fifth waits in the queue with a
 * position (and hears when an agent is found for them after one is released), and after hours
 * the same request produces a callback ticket with a reference number and the calendar's promise.
 */
import { expect } from 'chai';
import type { ManualClock } from '../../../app/clock';
import type { RunningKefu } from '../../../app/start';
import { repliesTo } from './harness';
import {
  addOnlineAgent,
  ChatUser,
  eventually,
  FRIDAY_10_TAIPEI,
  FRIDAY_20_TAIPEI,
  reportedTicket,
  startHandoffKefu,
} from './handoff-support';

describe('done when: two agents, five chat users, then after hours', () => {
  let kefu: RunningKefu;
  let clock: ManualClock;

  before(async () => {
    ({ kefu, clock } = await startHandoffKefu({ DESK_MODE: 'scheduled' }, FRIDAY_10_TAIPEI));
    // Two agents online through the API facade, two live chats each.
    await addOnlineAgent(kefu, 'wang', '王小明 Wang Hsiao-ming', { live: 2, callback: 5 });
    await addOnlineAgent(kefu, 'lee', '李美玲 Lee Mei-ling', { live: 2, callback: 5 });
  });
  after(async () => {
    await kefu.stop();
  });

  it('shares four chats two and two, queues the fifth with a position, and books a callback after hours', async () => {
    const users: ChatUser[] = [];
    const numbers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await ChatUser.start(kefu.url);
      const ask = await user.say('轉真人客服');
      const all = await user.waitFor((a) => repliesTo(a, ask).some((x) => x.channelData?.kefu?.['ticket']));
      users.push(user);
      numbers.push(reportedTicket(repliesTo(all, ask))!.number);
    }

    // The first four went to the two agents, two each; both accept theirs.
    const holders: string[] = [];
    for (const n of numbers.slice(0, 4)) {
      const w = await kefu.handoff.assignment.status(n);
      expect(w?.state, n).to.equal('offered');
      holders.push(w!.agentId!);
      await kefu.handoff.assignment.accept(n, w!.agentId!);
    }
    expect(holders.filter((h) => h === 'wang')).to.have.length(2);
    expect(holders.filter((h) => h === 'lee')).to.have.length(2);
    for (let i = 0; i < 4; i++) await users[i]!.waitForText('已加入對話');

    // The fifth waits, first in the queue, and was told so with an estimate.
    const fifth = numbers[4]!;
    const q = await kefu.handoff.assignment.queuePosition(fifth);
    expect(q).to.include({ state: 'queued', position: 1, queueLength: 1 });
    const told = reportedTicket(await users[4]!.all())!;
    expect(told).to.include({ number: fifth, type: 'chat-handoff', position: 1 });
    expect(told.estimatedWaitS).to.be.greaterThan(0);
    await users[4]!.waitForText('目前您排在第 1 位');

    // One chat ends: the fifth is offered to the freed agent and the customer hears it.
    const freed = holders[0]!;
    await kefu.liveChat.resolve(numbers[0]!, { id: freed });
    await users[0]!.waitForText('本次服務已完成');
    await users[4]!.waitForText('已為您找到專員');
    const offered = await eventually(async () => {
      const w = await kefu.handoff.assignment.status(fifth);
      return w?.state === 'offered' ? w : undefined;
    });
    expect(offered.agentId).to.equal(freed);
    await kefu.handoff.assignment.accept(fifth, freed);
    await users[4]!.waitForText('已加入對話');

    // After hours (Friday 20:00): the same request becomes a callback request.
    clock.set(FRIDAY_20_TAIPEI);
    const late = await ChatUser.start(kefu.url);
    const ask = await late.say('轉真人客服');
    const intro = await late.waitFor((a) => repliesTo(a, ask).length > 0);
    expect(repliesTo(intro, ask)[0]!.text).to.contain('目前不是真人客服的服務時間');
    expect(repliesTo(intro, ask)[0]!.text).to.contain('請輸入方便聯絡的電話號碼');

    const wrong = await late.say('02-1234');
    const wrongAll = await late.waitFor((a) => repliesTo(a, wrong).length > 0);
    expect(repliesTo(wrongAll, wrong)[0]!.text).to.contain('格式不正確');

    const phone = await late.say('0912-345-678');
    const windowAsk = await late.waitFor((a) => repliesTo(a, phone).length > 0);
    expect(repliesTo(windowAsk, phone)[0]!.suggestedActions?.actions.map((x) => x.title)).to.include.members([
      '上午 09–12',
      '下午 13–17',
      '不限時段',
    ]);
    const window = await late.say('上午 09–12');
    const consentAsk = await late.waitFor((a) => repliesTo(a, window).length > 0);
    expect(repliesTo(consentAsk, window)[0]!.text).to.contain('個人資料');
    const consent = await late.say('同意');
    const done = await late.waitFor((a) => repliesTo(a, consent).length > 0);
    const confirmation = repliesTo(done, consent)[0]!;
    const ref = confirmation.channelData?.kefu?.['ticket'] as { number: string; type: string };
    expect(ref.type).to.equal('callback');
    expect(confirmation.text).to.contain(`參考編號 ${ref.number}`);
    expect(confirmation.text).to.contain('我們將於下一個上班日（11/30 週一）09:00 起回電');
    expect(confirmation.text).to.contain('0912****78');
    expect(confirmation.text).to.not.contain('0912345678');

    const ticket = await kefu.tickets.get(ref.number);
    expect(ticket.type).to.equal('callback');
    expect(ticket.customer.phone).to.equal('0912345678');
    expect(ticket.data['callback']).to.include({ phone: '0912345678', window: 'morning' });
    expect((await kefu.handoff.assignment.status(ref.number))?.pool).to.equal('callback');
  });
});
