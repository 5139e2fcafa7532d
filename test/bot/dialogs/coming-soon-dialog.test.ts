/**
 * A function that is not built yet answers honestly, in the user's language, that it is
 * coming, and offers a human (or, for the handoff itself, the phone line and the FAQ).
 */
import { type Activity, ActivityTypes, ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { DialogSet, type DialogState } from 'botbuilder-dialogs';
import { expect } from 'chai';
import { ComingSoonDialog } from '../../../bot/dialogs/coming-soon-dialog';
import type { DialogIntent } from '../../../bot/dialogs/intent-dialog';
import type { PendingFeature } from '../../../bot/strings';

async function run(intent: DialogIntent, feature: PendingFeature, lang: 'zh-TW' | 'en'): Promise<Partial<Activity>> {
  const state = new ConversationState(new MemoryStorage());
  const dialogs = new DialogSet(state.createProperty<DialogState>('dialogState'));
  dialogs.add(new ComingSoonDialog(intent, feature));
  const adapter = new TestAdapter(async (context) => {
    const dc = await dialogs.createContext(context);
    await dc.beginDialog(intent, { lang, text: '' });
  });
  await adapter.processActivity({ type: 'message', text: 'x' });
  return adapter.activeQueue.find((a) => a.type === ActivityTypes.Message)!;
}

describe('placeholder intent dialogs', () => {
  it('say in Chinese that the complaint function is coming and offer a human agent', async () => {
    const reply = await run('complaint', 'complaint', 'zh-TW');
    expect(reply.text).to.contain('即將推出').and.contain('線上申訴');
    expect(reply.suggestedActions!.actions.map((a) => a.title)).to.include('轉真人客服');
  });

  it('say it in English for an English conversation', async () => {
    const reply = await run('address-change', 'addressChange', 'en');
    expect(reply.text).to.contain('coming soon');
    expect(reply.suggestedActions!.actions.map((a) => a.title)).to.include('Talk to an agent');
  });

  it('point to the phone line when the handoff itself is not built, without offering itself again', async () => {
    const reply = await run('handoff', 'handoff', 'zh-TW');
    expect(reply.text).to.contain('客服專線');
    expect(reply.suggestedActions!.actions.map((a) => a.title)).to.not.include('轉真人客服');
  });
});
