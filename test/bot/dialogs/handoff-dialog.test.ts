/**
 * The handoff dialog's callback path as table-driven transcripts (user says / bot answers),
 * on botbuilder's TestAdapter with a real desk behind it (SQLite store, the sample calendar,
 * the live-chat use cases). TestAdapter's channel is not web chat, so the request always
 * becomes a callback; the live path is tested end to end over Direct Line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Activity, ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { DialogSet, type DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import { createHandoffDialog, HANDOFF_DIALOG } from '../../../bot/dialogs/handoff-dialog';
import type { BotServices } from '../../../bot/dialogs/intent-dialog';
import { KefuMetadataMiddleware } from '../../../bot/kefu-metadata-middleware';
import { createLiveChat } from '../../../handoff/live-chat';
import type { Lang } from '../../../knowledge/types';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { createDesk, type Desk, FRIDAY_10AM, silent } from '../../handoff/assignment/desk-harness';

const FRIDAY_8PM = FRIDAY_10AM + 10 * 3_600_000;

type Step = [says: string, answerContains: string[]];

describe('handoff dialog: callback requests', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let desk: Desk;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-handoff-dialog-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.db'), log: silent });
    clock = new ManualClock(FRIDAY_8PM);
    desk = createDesk(store, clock, {}, 'scheduled');
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function adapterFor(lang: Lang): { adapter: TestAdapter; sent: Partial<Activity>[] } {
    const liveChat = createLiveChat({
      store,
      clock,
      log: silent,
      tickets: desk.tickets,
      handoff: desk.handoff,
      chat: { notify: async () => ({}), history: async () => [], lastSeen: async () => undefined },
      options: { abandonAfterMs: 0, pageGoneAfterMs: 0 },
    });
    const services = { log: silent, clock, brand: { 'zh-TW': '康福人壽', en: 'Kangfu Life' }, desk: liveChat };
    const state = new ConversationState(new MemoryStorage());
    const dialogs = new DialogSet(state.createProperty<DialogState>('dialogState'));
    dialogs.add(createHandoffDialog(services as unknown as BotServices));
    const sent: Partial<Activity>[] = [];
    const adapter = new TestAdapter(async (context) => {
      context.onSendActivities(async (_ctx, activities, next) => {
        sent.push(...activities);
        return next();
      });
      const dc = await dialogs.createContext(context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) {
        await dc.beginDialog(HANDOFF_DIALOG, { lang, text: context.activity.text ?? '' });
      }
      await state.saveChanges(context);
    });
    adapter.use(new KefuMetadataMiddleware());
    return { adapter, sent };
  }

  async function play(lang: Lang, steps: Step[]): Promise<Partial<Activity>[]> {
    const { adapter, sent } = adapterFor(lang);
    for (const [says, expected] of steps) {
      const before = sent.length;
      await adapter.send(says).startTest();
      const answer = sent
        .slice(before)
        .map((a) => a.text ?? '')
        .join('\n');
      for (const part of expected) expect(answer, `after "${says}"`).to.contain(part);
    }
    return sent;
  }

  it('books a callback in English after hours, refusing foreign and made-up numbers on the way', async () => {
    const sent = await play('en', [
      ['Talk to an agent', ['back the next business day, Monday 30 Nov, from 09:00', 'phone number']],
      ['+1 415 555 0100', ['only call Taiwan numbers']],
      ['01-2345-6789', ["isn't a Taiwan one"]],
      ['02 2345 6789', ['When is a good time']],
      ['whenever you like', ['Please choose one of the times']],
      ['Afternoon 13–17', ['Privacy notice']],
      [
        'I agree',
        [
          'Your callback is booked, reference K-000001',
          'We will call you back the next business day, Monday 30 Nov, from 09:00.',
        ],
      ],
    ]);
    const last = sent.at(-1)!;
    expect(last.channelData?.kefu).to.deep.include({
      intent: 'handoff',
      ticket: { number: 'K-000001', type: 'callback' },
    });
    expect(last.text).to.contain('0223****89');
    const ticket = await desk.tickets.get('K-000001');
    expect(ticket.customer).to.include({ phone: '0223456789', lang: 'en' });
    expect(ticket.data['callback']).to.include({ window: 'afternoon', phoneKind: 'landline' });
  });

  it('books a callback in Chinese with the promise from the desk calendar', async () => {
    await play('zh-TW', [
      [
        '轉真人客服',
        ['目前不是真人客服的服務時間', '下一個上班日（11/30 週一）09:00 起恢復服務', '請輸入方便聯絡的電話號碼'],
      ],
      ['0912-345-67', ['格式不正確']],
      ['+886 912 345 678', ['請問您方便接聽的時段']],
      ['不限時段', ['個人資料告知']],
      ['同意', ['參考編號 K-000001', '我們將於下一個上班日（11/30 週一）09:00 起回電。']],
    ]);
    expect((await desk.handoff.assignment.status('K-000001'))?.state).to.equal('queued');
  });

  it('opens no ticket without consent, and stops when asked', async () => {
    await play('zh-TW', [
      ['轉真人客服', ['請輸入方便聯絡的電話號碼']],
      ['0912345678', ['時段']],
      ['上午 09–12', ['個人資料告知']],
      ['不同意', ['沒有您的同意我們不會回電']],
    ]);
    await play('en', [
      ['Talk to an agent', ['phone number']],
      ['Cancel', ['The callback request is cancelled']],
    ]);
    expect(await desk.tickets.list()).to.deep.equal([]);
  });

  it('offers a callback while the desk is open but no agent is online', async () => {
    clock.set(FRIDAY_10AM);
    await play('zh-TW', [
      ['轉真人客服', ['目前沒有專員可以在線上接聽']],
      ['02-2345-6789', ['時段']],
      ['上午 09–12', ['個人資料告知']],
      ['同意', ['參考編號 K-000001', '專員將盡快與您聯絡']],
    ]);
  });
});
