import { expect } from 'chai';
import { buildQuoteCard, QUOTE_CARD_ACTIONS } from '../../../knowledge/travel/quote-card';
import { familyQuote } from './family-trip';

const familyQuoteWithMedical = () => familyQuote({ accidentMedical: 500_000 });

/** All TextBlock texts and FactSet titles/values of a card, in order. */
function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const own = typeof o.text === 'string' ? [o.text] : [];
    const fact = typeof o.title === 'string' && typeof o.value === 'string' ? [`${o.title}: ${o.value}`] : [];
    return [...own, ...fact, ...Object.values(o).flatMap(texts)];
  }
  return [];
}

describe('travel quote Adaptive Card', () => {
  it('shows each traveller, the items, the total, the under-15 cap, what is covered and the validity (zh-TW)', () => {
    const q = familyQuoteWithMedical();
    const card = buildQuoteCard(q, 'zh-TW');
    expect(card).to.include({ type: 'AdaptiveCard', version: '1.5' });
    const all = texts(card).join('\n');
    expect(all).to.contain('1\\. 本人（40歲）').and.contain('2\\. 配偶（40歲）').and.contain('3\\. 子女（9歲）');
    expect(all).to.contain(`${q.totalTWD.toLocaleString('en-US')}元`);
    expect(all).to.contain('身故給付以喪葬費用 69萬元為限');
    expect(all).to.contain('傷害醫療 50萬元');
    expect(all).to.contain('保險法第107條');
    expect(all).to.contain(q.covered[0]!['zh-TW']);
    expect(all).to.contain(`報價有效至 ${q.validUntil}`);
    expect(all).to.contain('SAMPLE VALUES');
  });

  it('has an English version and offers apply / change actions', () => {
    const card = buildQuoteCard(familyQuoteWithMedical(), 'en');
    const all = texts(card).join('\n');
    expect(all)
      .to.contain('3\\. Child (9)')
      .and.contain('Total premium')
      .and.contain('death benefit limited to funeral expenses NT$690,000');
    expect(all).not.to.match(/本人|總保費|保障內容/);
    const actions = (card.actions as { data: { action: string } }[]).map((a) => a.data.action);
    expect(actions).to.deep.equal([QUOTE_CARD_ACTIONS.apply, QUOTE_CARD_ACTIONS.change]);
  });

  it('is plain JSON and the same for the same quote', () => {
    const q = familyQuoteWithMedical();
    expect(JSON.parse(JSON.stringify(buildQuoteCard(q, 'zh-TW')))).to.deep.equal(buildQuoteCard(q, 'zh-TW'));
  });
});
