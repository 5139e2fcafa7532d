import { expect } from 'chai';
import { createKnowledgeService, decisionLabel, type KnowledgeServiceHandle } from '../../../knowledge';
import { withinOneEdit } from '../../../knowledge/retrieval/topic-index';
import { tokenizeLatin } from '../../../knowledge/retrieval/tokenize';
import type { Lang } from '../../../knowledge/types';

describe('knowledge retrieval tolerance', () => {
  describe('withinOneEdit', () => {
    it('accepts one missing, extra, wrong or swapped letter', () => {
      expect(withinOneEdit('surender', 'surrender')).to.equal(true);
      expect(withinOneEdit('premuim', 'premium')).to.equal(true);
      expect(withinOneEdit('polciy', 'policy')).to.equal(true);
      expect(withinOneEdit('claimm', 'claim')).to.equal(true);
      expect(withinOneEdit('beneficiery', 'beneficiary')).to.equal(true);
    });
    it('refuses two edits or a different length by two', () => {
      expect(withinOneEdit('polcyi', 'policy')).to.equal(false);
      expect(withinOneEdit('loan', 'loaning')).to.equal(false);
      expect(withinOneEdit('refund', 'remind')).to.equal(false);
    });
  });

  it('splits hyphenated English words so both spellings meet', () => {
    const a = tokenizeLatin('reduced paid-up').map((t) => t.term);
    const b = tokenizeLatin('reduced paid up').map((t) => t.term);
    expect(a).to.deep.equal(b);
  });

  describe('on the full knowledge base', () => {
    let service: KnowledgeServiceHandle;
    before(async () => {
      service = await createKnowledgeService();
    });
    after(() => service.close());
    const label = async (text: string, lang: Lang) => decisionLabel(await service.decide({ text, lang }));

    it('answers a misspelt English question as if it were spelt right', async () => {
      const right = await label('how do I surrender my policy', 'en');
      expect(right).to.equal('surrender-value');
      expect(await label('how do I surender my polciy', 'en')).to.equal(right);
    });

    it('answers a Chinese question with English insurance words in it', async () => {
      expect(await label('想辦policy loan 要帶什麼', 'zh-TW')).to.equal('policy-loan');
      expect(await label('claim的進度要去哪裡查', 'zh-TW')).to.equal('claim-progress-inquiry');
    });

    it('does not let spoken scaffolding (「會不會」「一個月」) pick the topic', async () => {
      const search = service.explain({ text: '會不會 一個月', lang: 'zh-TW' }).evidence.search;
      expect(search?.hits[0]?.score ?? 0).to.be.lessThan(4);
    });
  });
});
