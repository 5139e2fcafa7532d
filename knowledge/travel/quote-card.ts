/**
 * The travel quote as an Adaptive Card (schema 1.5 JSON), zh-TW or English.
 *
 * Why here and pure: the card is a view of the domain quote, with no botbuilder type, so the bot
 * only wraps it as an attachment (`contentType: application/vnd.microsoft.card.adaptive`), and
 * tests can check it as plain JSON. It shows the trip, one line per traveller with their items,
 * the total, what is covered, the under-15 death-benefit cap, other notices, the validity and,
 * for a sample rate table, that the prices are samples.
 */
import { addOnName, formatTwd } from './rules';
import type { Lang, QuoteLine, Relation, TravelQuote } from './types';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** How each traveller is named on the card and in the dialog. */
export const RELATION_LABELS: Record<Relation, { 'zh-TW': string; en: string }> = {
  self: { 'zh-TW': '本人', en: 'You' },
  spouse: { 'zh-TW': '配偶', en: 'Spouse' },
  child: { 'zh-TW': '子女', en: 'Child' },
  father: { 'zh-TW': '父親', en: 'Father' },
  mother: { 'zh-TW': '母親', en: 'Mother' },
  parent: { 'zh-TW': '父母', en: 'Parent' },
  grandparent: { 'zh-TW': '祖父母', en: 'Grandparent' },
  sibling: { 'zh-TW': '兄弟姊妹', en: 'Sibling' },
  friend: { 'zh-TW': '朋友', en: 'Friend' },
  adult: { 'zh-TW': '成人', en: 'Adult' },
  other: { 'zh-TW': '旅客', en: 'Traveller' },
};

const REGION_LABELS: Record<string, { 'zh-TW': string; en: string }> = {
  asia: { 'zh-TW': '亞洲', en: 'Asia' },
  europe: { 'zh-TW': '歐洲', en: 'Europe' },
  americas: { 'zh-TW': '美洲', en: 'Americas' },
  oceania: { 'zh-TW': '大洋洲', en: 'Oceania' },
  domestic: { 'zh-TW': '國內', en: 'Domestic (Taiwan)' },
  other: { 'zh-TW': '其他地區', en: 'Other regions' },
};

/** Actions the card offers; the bot maps `data.action` to its dialog steps. */
export const QUOTE_CARD_ACTIONS = { apply: 'travel.apply', change: 'travel.change' } as const;

type Json = Record<string, unknown>;

function text(t: string, extra: Json = {}): Json {
  return { type: 'TextBlock', text: t, wrap: true, ...extra };
}

function lineLabel(line: QuoteLine, lang: Lang): string {
  const who = RELATION_LABELS[line.relation][lang];
  return lang === 'zh-TW'
    ? // "1. " at the start of a TextBlock renders as a Markdown list item numbered 1 every time.
      `${line.traveller + 1}\\. ${who}（${line.age}歲）`
    : `${line.traveller + 1}\\. ${who} (${line.age})`;
}

/** Builds the Adaptive Card JSON for a quote. Pure; the same quote and lang give the same card. */
export function buildQuoteCard(quote: TravelQuote, lang: Lang): Json {
  const zh = lang === 'zh-TW';
  const r = quote.request;
  const body: Json[] = [];
  body.push(text(zh ? '旅平險試算結果' : 'Travel accident insurance quote', { size: 'Large', weight: 'Bolder' }));
  if (quote.rateTable.sample) {
    body.push(
      text(zh ? '範例費率（SAMPLE VALUES），僅供測試，非正式報價。' : 'SAMPLE VALUES — test rates, not a real offer.', {
        color: 'Attention',
        size: 'Small',
      }),
    );
  }
  const where = r.destination
    ? `${r.destination}（${REGION_LABELS[r.region]![lang]}）`
    : REGION_LABELS[r.region]![lang];
  body.push({
    type: 'FactSet',
    facts: [
      { title: zh ? '地區' : 'Destination', value: zh ? where : where.replace('（', ' (').replace('）', ')') },
      { title: zh ? '期間' : 'Dates', value: `${r.departureDate} → ${quote.returnDate}` },
      { title: zh ? '天數' : 'Days', value: zh ? `${r.days} 天` : `${r.days}` },
      { title: zh ? '保額' : 'Sum insured', value: formatTwd(r.sumInsuredTWD, lang) },
    ],
  });
  for (const line of quote.lines) {
    const facts = line.items.map((it) => {
      let title: string;
      if (it.kind === 'base') {
        title = zh
          ? `意外身故/失能 ${formatTwd(it.amountTWD, lang)}`
          : `Accidental death/disability ${formatTwd(it.amountTWD, lang)}`;
        if (it.deathBenefitTWD !== undefined) {
          title += zh
            ? `（身故給付以喪葬費用 ${formatTwd(it.deathBenefitTWD, lang)}為限）`
            : ` (death benefit limited to funeral expenses ${formatTwd(it.deathBenefitTWD, lang)})`;
        }
      } else {
        title = `${addOnName(it.kind)[lang]} ${formatTwd(it.amountTWD, lang)}`;
      }
      return { title, value: formatTwd(it.premiumTWD, lang) };
    });
    body.push({
      type: 'Container',
      separator: true,
      items: [
        {
          type: 'ColumnSet',
          columns: [
            { type: 'Column', width: 'stretch', items: [text(lineLabel(line, lang), { weight: 'Bolder' })] },
            { type: 'Column', width: 'auto', items: [text(formatTwd(line.premiumTWD, lang), { weight: 'Bolder' })] },
          ],
        },
        { type: 'FactSet', facts },
      ],
    });
  }
  body.push({
    type: 'ColumnSet',
    separator: true,
    columns: [
      {
        type: 'Column',
        width: 'stretch',
        items: [text(zh ? '總保費' : 'Total premium', { weight: 'Bolder', size: 'Medium' })],
      },
      {
        type: 'Column',
        width: 'auto',
        items: [text(formatTwd(quote.totalTWD, lang), { weight: 'Bolder', size: 'Medium', color: 'Accent' })],
      },
    ],
  });
  for (const n of quote.notices) body.push(text(`⚠ ${n.message[lang]}`, { size: 'Small', color: 'Warning' }));
  body.push(text(zh ? '保障內容' : 'What is covered', { weight: 'Bolder', separator: true }));
  body.push(text(quote.covered.map((c) => `- ${c[lang]}`).join('\n')));
  body.push(
    text(
      zh
        ? `報價有效至 ${quote.validUntil}（費率版本 ${quote.rateTable.version}）。保費以各項目四捨五入至元後加總。`
        : `Quote valid until ${quote.validUntil} (rate table ${quote.rateTable.version}). Each item is rounded to whole NT$, then added up.`,
      { size: 'Small', isSubtle: true },
    ),
  );
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    lang,
    body,
    actions: [
      { type: 'Action.Submit', title: zh ? '我要投保' : 'Apply now', data: { action: QUOTE_CARD_ACTIONS.apply } },
      { type: 'Action.Submit', title: zh ? '修改條件' : 'Change details', data: { action: QUOTE_CARD_ACTIONS.change } },
    ],
  };
}
