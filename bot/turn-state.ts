/**
 * What one turn carries besides the activity: the language decided for it and the
 * `channelData.kefu` metadata the dialogs reported. Kept in botbuilder's per-turn state so
 * every dialog reads and writes it the same way, and the metadata middleware stamps it on
 * every outgoing message in one place.
 *
 * How a dialog reports metadata: call `reportKefu(context, { intent, topic, confidence,
 * quote, ticket })` before `sendActivity`; the middleware copies the merged report onto each
 * message sent afterwards in the same turn.
 */
import type { TurnContext } from 'botbuilder';
import type { Lang } from '../knowledge/types';
import { type KefuMetadata, mergeKefuMetadata } from './kefu-metadata';
import { DEFAULT_LANG } from './language';

const KEFU_META = Symbol('kefu.metadata');
const KEFU_LANG = Symbol('kefu.lang');

/** Adds to the metadata of the messages this turn sends from now on. */
export function reportKefu(context: TurnContext, update: Partial<KefuMetadata>): void {
  const current = (context.turnState.get(KEFU_META) as Partial<KefuMetadata> | undefined) ?? {};
  context.turnState.set(KEFU_META, mergeKefuMetadata(current, update));
}

/** The metadata reported so far in this turn. */
export function reportedKefu(context: TurnContext): Partial<KefuMetadata> {
  return (context.turnState.get(KEFU_META) as Partial<KefuMetadata> | undefined) ?? {};
}

/** Sets the answer language of this turn (the root dialog decides it once per turn). */
export function setTurnLang(context: TurnContext, lang: Lang): void {
  context.turnState.set(KEFU_LANG, lang);
  reportKefu(context, { lang });
}

/** The answer language of this turn (zh-TW until decided). */
export function turnLang(context: TurnContext): Lang {
  return (context.turnState.get(KEFU_LANG) as Lang | undefined) ?? DEFAULT_LANG;
}
