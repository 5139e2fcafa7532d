/**
 * The bot as a table of transcripts (user says → bot answers with `channelData.kefu`),
 * run through botbuilder's TestAdapter on the real SQLite store, with the real knowledge
 * service over the shipped topic files. Each row is its own conversation, so a multi-turn intent dialog in one
 * row cannot leak into the next.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type Activity, ActivityTypes, TestAdapter } from 'botbuilder';
import { expect } from 'chai';
import { createLogger } from '../../app/logger';
import { createKefuBot, type KefuBotRuntime } from '../../bot/create-bot';
import { LOCALE_EVENT } from '../../bot/kefu-bot';
import { createKnowledgeService, type KnowledgeServiceHandle } from '../../knowledge';
import type { KnowledgeService } from '../../knowledge/types';
import type { Store } from '../../storage/port';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store';

const BRAND = { 'zh-TW': '康福人壽', en: 'Kangfu Life' } as const;

interface Harness {
  runtime: KefuBotRuntime;
  adapter: TestAdapter;
  logLines: string[];
  /** Sends one activity in a conversation and returns the bot's messages (typing dropped). */
  turn(conversationId: string, activity: Partial<Activity>): Promise<Partial<Activity>[]>;
}

function harness(store: Store, knowledge: KnowledgeService): Harness {
  const logLines: string[] = [];
  const log = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    }),
  });
  const runtime = createKefuBot({ storage: store.botState, knowledge, log, brand: { ...BRAND } });
  const adapter = runtime.attach(new TestAdapter((context) => runtime.bot.run(context)));
  return {
    runtime,
    adapter,
    logLines,
    async turn(conversationId, activity) {
      adapter.activeQueue.splice(0);
      await adapter.processActivity({
        channelId: 'test',
        conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
        from: { id: 'user-1', name: '王小明', role: 'user' },
        recipient: { id: 'bot', name: 'Kefu', role: 'bot' },
        ...activity,
      });
      return adapter.activeQueue.splice(0).filter((a) => a.type === ActivityTypes.Message);
    },
  };
}

const kefuOf = (a: Partial<Activity>) => (a.channelData as { kefu?: Record<string, unknown> } | undefined)?.kefu;
const actionTitles = (a: Partial<Activity>) => (a.suggestedActions?.actions ?? []).map((x) => x.title);

describe('the Kefu bot', () => {
  let store: Store;
  let dir: string;
  let h: Harness;
  let knowledge: KnowledgeServiceHandle;
  let n = 0;
  const conv = () => `conv-${Date.now()}-${++n}`;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-bot-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: createLogger({ level: 'silent' }) });
    knowledge = await createKnowledgeService();
    h = harness(store, knowledge);
  });
  after(async () => {
    knowledge.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('routes each message to an intent and says so in channelData.kefu', () => {
    const table: Array<{
      says: string;
      locale?: string;
      intent: string;
      lang: 'zh-TW' | 'en';
      contains?: RegExp;
      topic?: boolean;
    }> = [
      {
        says: '保費忘了繳，寬限期多久？',
        intent: 'grace-period',
        lang: 'zh-TW',
        contains: /寬限期間[\s\S]*30 天|30 天/,
        topic: true,
      },
      {
        says: 'How long is the grace period?',
        intent: 'grace-period',
        lang: 'en',
        contains: /30-day grace period/,
        topic: true,
      },
      { says: '想辦保單借款', intent: 'policy-loan', lang: 'zh-TW', contains: /保單借款/, topic: true },
      { says: '常見問題', intent: 'clarify', lang: 'zh-TW', contains: /最常問的問題/ },
      { says: 'FAQ', locale: 'zh-TW', intent: 'clarify', lang: 'en', contains: /questions people ask most/ },
      { says: '旅平險試算', intent: 'travel-quote', lang: 'zh-TW' },
      { says: 'Change of address', intent: 'address-change', lang: 'en' },
      { says: '地址變更', intent: 'address-change', lang: 'zh-TW' },
      { says: '查詢進度', intent: 'status-inquiry', lang: 'zh-TW' },
      { says: '我要申訴', intent: 'complaint', lang: 'zh-TW' },
      { says: '可以幫我轉真人嗎', intent: 'handoff', lang: 'zh-TW' },
      { says: '轉真人客服', intent: 'handoff', lang: 'zh-TW' },
      { says: '你好', intent: 'smalltalk', lang: 'zh-TW', contains: /線上客服小幫手/ },
      { says: 'thank you', intent: 'smalltalk', lang: 'en', contains: /You're welcome/ },
      { says: '推薦我一檔股票', intent: 'out-of-scope', lang: 'zh-TW', contains: /不在我能回答的範圍/ },
    ];
    for (const row of table) {
      it(`"${row.says}" → ${row.intent} (${row.lang})`, async () => {
        const replies = await h.turn(conv(), { type: 'message', text: row.says, locale: row.locale ?? 'zh-TW' });
        expect(replies.length).to.be.greaterThan(0);
        for (const reply of replies) {
          const kefu = kefuOf(reply);
          expect(kefu?.['intent'], reply.text).to.equal(row.intent);
          expect(kefu?.['lang']).to.equal(row.lang);
        }
        const first = replies[0]!;
        if (row.contains) expect(first.text).to.match(row.contains);
        if (row.topic) {
          expect(kefuOf(first)?.['topic']).to.equal(row.intent);
          expect(kefuOf(first)?.['confidence']).to.be.a('number').within(0, 1);
        } else {
          expect(kefuOf(first)).to.not.have.property('topic');
        }
      });
    }
  });

  it('shows typing before it answers', async () => {
    h.adapter.activeQueue.splice(0);
    await h.adapter.processActivity({
      type: 'message',
      text: '寬限期',
      channelId: 'test',
      conversation: { id: conv(), isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'u', name: '陳先生', role: 'user' },
      recipient: { id: 'bot', name: 'Kefu', role: 'bot' },
    });
    const types = h.adapter.activeQueue.splice(0).map((a) => a.type);
    expect(types[0]).to.equal(ActivityTypes.Typing);
    expect(types).to.include(ActivityTypes.Message);
  });

  it('offers FAQ topics as buttons that answer the topic when pressed', async () => {
    const c = conv();
    const [faq] = await h.turn(c, { type: 'message', text: '常見問題' });
    const buttons = faq!.suggestedActions!.actions;
    expect(buttons.length).to.be.within(3, 5);
    const pressed = buttons[0]!;
    const [answer] = await h.turn(c, {
      type: 'message',
      text: String(pressed.text ?? pressed.title),
      value: pressed.value,
    });
    expect(kefuOf(answer!)?.['topic']).to.equal((pressed.value as { kefuTopic: string }).kefuTopic);
  });

  it('welcomes a new conversation once, in the page language, with the six menu buttons', async () => {
    const c = conv();
    const added = {
      type: ActivityTypes.ConversationUpdate,
      membersAdded: [{ id: 'bot', name: 'Kefu' }, { id: 'user-1' }],
    } as Partial<Activity>;
    const [welcome] = await h.turn(c, { ...added, locale: 'zh-TW' });
    expect(kefuOf(welcome!)).to.include({ intent: 'welcome', lang: 'zh-TW' });
    expect(actionTitles(welcome!)).to.deep.equal([
      '常見問題',
      '旅平險試算',
      '地址變更',
      '查詢進度',
      '我要申訴',
      '轉真人客服',
    ]);
    expect(JSON.stringify(welcome!.attachments)).to.contain('歡迎來到康福人壽線上客服');
    expect(welcome!.attachments![0]!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    expect(await h.turn(c, { ...added, locale: 'zh-TW' })).to.have.length(0);

    const [en] = await h.turn(conv(), { ...added, locale: 'en-US' });
    expect(actionTitles(en!)).to.deep.equal([
      'FAQ',
      'Travel insurance quote',
      'Change of address',
      'Check progress',
      'File a complaint',
      'Talk to an agent',
    ]);
  });

  it('answers the language switch with the welcome in the new language and keeps answering in it', async () => {
    const c = conv();
    const [welcome] = await h.turn(c, { type: 'event', name: LOCALE_EVENT, value: 'en', locale: 'en-US' });
    expect(kefuOf(welcome!)).to.include({ intent: 'welcome', lang: 'en' });
    expect(JSON.stringify(welcome!.attachments)).to.contain('welcome to Kangfu Life');
    // A button press with no language of its own ("123") stays in English.
    const [reply] = await h.turn(c, { type: 'message', text: '123' });
    expect(kefuOf(reply!)?.['lang']).to.equal('en');
  });

  it('answers with the topic title and a "was this helpful?" choice, and offers a person after two unhelpful answers', async () => {
    const c = conv();
    const [answer] = await h.turn(c, { type: 'message', text: '保單可以借錢嗎' });
    expect(kefuOf(answer!)?.['intent']).to.equal('policy-loan');
    expect(answer!.text).to.match(/^\*\*保單借款/);
    expect(actionTitles(answer!).slice(0, 2)).to.deep.equal(['👍 有幫助', '👎 沒幫助']);
    const unhelpful = answer!.suggestedActions!.actions[1]!;

    const [first] = await h.turn(c, { type: 'message', text: unhelpful.text, value: unhelpful.value });
    expect(first!.text).to.contain('換個說法');
    expect(kefuOf(first!)?.['intent']).to.equal('clarify');

    await h.turn(c, { type: 'message', text: '寬限期多久' });
    const [second] = await h.turn(c, { type: 'message', text: unhelpful.text, value: unhelpful.value });
    expect(second!.text).to.contain('轉接真人客服');
    expect(actionTitles(second!)[0]).to.equal('轉真人客服');
  });

  it('thanks the customer for a helpful rating and starts the count again', async () => {
    const c = conv();
    const [answer] = await h.turn(c, { type: 'message', text: 'How long do I have to cancel a new policy?' });
    expect(kefuOf(answer!)?.['intent']).to.equal('free-look-cancellation');
    const [helpful, unhelpful] = answer!.suggestedActions!.actions;
    await h.turn(c, { type: 'message', text: unhelpful!.text, value: unhelpful!.value });
    const [thanks] = await h.turn(c, { type: 'message', text: helpful!.text, value: helpful!.value });
    expect(thanks!.text).to.contain('Thank you for the feedback');
    // The count was reset: one more "not helpful" asks to rephrase instead of offering a person.
    const [again] = await h.turn(c, { type: 'message', text: unhelpful!.text, value: unhelpful!.value });
    expect(again!.text).to.contain('another way');
  });

  it('after two questions it cannot help with, offers a person', async () => {
    const c = conv();
    await h.turn(c, { type: 'message', text: '今天天氣如何' });
    const replies = await h.turn(c, { type: 'message', text: '推薦我一檔股票' });
    expect(replies.map((r) => kefuOf(r)?.['intent'])).to.deep.equal(['out-of-scope', 'clarify']);
    expect(replies[1]!.text).to.contain('轉接真人客服');
  });

  it('a main-menu button in the middle of a dialog starts that item instead', async () => {
    const c = conv();
    await h.turn(c, { type: 'message', text: '旅平險試算' });
    const [faq] = await h.turn(c, { type: 'message', text: '常見問題' });
    expect(kefuOf(faq!)?.['intent']).to.equal('clarify');
  });

  it('apologises in the user language with a correlation id, logs it, clears the dialog state and stays usable', async () => {
    let fail = true;
    const flaky: KnowledgeService = {
      async decide(q) {
        if (fail && /寬限|grace/.test(q.text)) throw new Error('retriever exploded');
        return knowledge.decide(q);
      },
      topicAnswer: (id, lang) => knowledge.topicAnswer(id, lang),
    };
    const f = harness(store, flaky);
    const c = conv();
    await f.turn(c, { type: 'message', text: '你好' });
    const key = `test/conversations/${c}/`;
    expect(Object.keys(await store.botState.read([key]))).to.deep.equal([key]);

    const [apology] = await f.turn(c, { type: 'message', text: '寬限期多久' });
    const kefu = kefuOf(apology!)!;
    expect(kefu['intent']).to.equal('error');
    expect(kefu['lang']).to.equal('zh-TW');
    const id = String(kefu['correlationId']);
    expect(id).to.match(/^[A-Z2-9]{8}$/);
    expect(apology!.text).to.contain('非常抱歉').and.contain(id);
    expect(f.logLines.some((l) => l.includes(id) && l.includes('retriever exploded'))).to.equal(true);
    expect(await store.botState.read([key])).to.deep.equal({});

    fail = false;
    const [answer] = await f.turn(c, { type: 'message', text: '寬限期多久' });
    expect(kefuOf(answer!)?.['intent']).to.equal('grace-period');

    fail = true;
    const [en] = await f.turn(conv(), { type: 'message', text: 'What is the grace period?', locale: 'zh-TW' });
    expect(en!.text).to.contain("I'm very sorry");
    expect(kefuOf(en!)?.['lang']).to.equal('en');
  });
});
