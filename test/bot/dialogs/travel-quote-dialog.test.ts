import { expect } from 'chai';
import { type Activity, MemoryStorage, TestAdapter } from 'botbuilder';
import { ManualClock } from '../../../app/clock';
import { createLogger } from '../../../app/logger';
import { createKefuBot } from '../../../bot/create-bot';
import { createKnowledgeService } from '../../../knowledge';
import type { BotStateStorage } from '../../../storage/port';

/** The whole bot (root dialog, registry, metadata middleware) on botbuilder's TestAdapter. */
async function harness() {
  const runtime = createKefuBot({
    storage: new MemoryStorage() as unknown as BotStateStorage,
    knowledge: await createKnowledgeService(),
    log: createLogger({ level: 'silent' }),
    brand: { 'zh-TW': '範例人壽', en: 'Sample Life' },
    // 2026-11-27 10:00 in Taipei.
    clock: new ManualClock(Date.UTC(2026, 10, 27, 2, 0, 0)),
  });
  const adapter = runtime.attach(new TestAdapter(async (ctx) => runtime.bot.run(ctx)));
  return {
    async say(text: string): Promise<Partial<Activity>[]> {
      await adapter.receiveActivity(text);
      return adapter.activeQueue.splice(0).filter((a) => a.type === 'message');
    },
  };
}

describe('travel quote dialog in the bot', () => {
  it('from the menu button, the Done-when sentence gives a quote card and channelData.kefu.quote', async () => {
    const bot = await harness();
    const first = await bot.say('旅平險試算');
    expect(first.at(-1)!.text).to.match(/請問要去哪裡/);
    expect(first.at(-1)!.channelData.kefu.intent).to.equal('travel-quote');

    const replies = await bot.say('12/24到1/3 全家去首爾，我跟老公都40，女兒9歲');
    const quote = replies.find((a) => a.attachments?.length);
    expect(quote, 'a reply with the card').to.not.equal(undefined);
    expect(quote!.attachments![0]!.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(quote!.attachments![0]!.content)).to.contain('喪葬費用 69萬元為限');
    const kefu = quote!.channelData.kefu;
    expect(kefu.intent).to.equal('travel-quote');
    expect(kefu.quote.totalTWD).to.equal(963);
    expect(kefu.quote.request.days).to.equal(11);
    expect(kefu.quote.lines.map((l: { age: number }) => l.age)).to.deep.equal([40, 40, 9]);
    expect(quote!.suggestedActions!.actions.map((a) => a.title)).to.deep.equal(['我要投保', '修改條件']);
  });

  it('a correction in the next turn continues the same dialog', async () => {
    const bot = await harness();
    await bot.say('旅平險試算');
    await bot.say('下週五去東京5天 我跟老婆都35 保500萬');
    const replies = await bot.say('改成10天');
    const kefu = replies.find((a) => a.channelData?.kefu?.quote)!.channelData.kefu;
    expect(kefu.quote.request.days).to.equal(10);
    expect(kefu.quote.request.departureDate).to.equal('2026-12-04');
  });

  it('the main menu still wins in the middle of the travel dialog', async () => {
    const bot = await harness();
    await bot.say('旅平險試算');
    const replies = await bot.say('常見問題');
    expect(replies.at(-1)!.channelData.kefu.intent).to.not.equal('travel-quote');
  });
});
