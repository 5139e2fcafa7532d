import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { buildSynonymTable, detectLang, Normalizer } from '../../../knowledge/retrieval/normalize';
import { stemEn, tokenizeZh } from '../../../knowledge/retrieval/tokenize';

const table = buildSynonymTable(
  parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'knowledge', 'synonyms.yaml'), 'utf8')),
);
const n = new Normalizer(table);

describe('knowledge text normalisation', () => {
  it('rewrites Taiwanese synonyms and abbreviations to one form', () => {
    expect(n.normalize('旅行平安險', 'zh-TW')).to.equal(n.normalize('旅平險', 'zh-TW'));
    expect(n.normalize('終止契約', 'zh-TW')).to.equal(n.normalize('解約', 'zh-TW'));
    expect(n.normalize('退保', 'zh-TW')).to.equal(n.normalize('解約', 'zh-TW'));
    expect(n.normalize('保單貸款', 'zh-TW')).to.equal(n.normalize('保單借款', 'zh-TW'));
    expect(n.normalize('保戶', 'zh-TW')).to.equal(n.normalize('要保人', 'zh-TW'));
  });

  it('repairs common typos and homophones', () => {
    expect(n.normalize('理陪', 'zh-TW')).to.equal('理賠');
    expect(n.normalize('複效', 'zh-TW')).to.equal('復效');
    expect(n.normalize('保單借欵', 'zh-TW')).to.equal(n.normalize('保單借款', 'zh-TW'));
  });

  it('keeps 還本 (return of principal) and 還沒 (not yet) apart from loan repayment', () => {
    expect(n.normalize('保證還本', 'zh-TW')).to.not.include(n.normalize('還款', 'zh-TW'));
    expect(n.normalize('怎麼還沒好', 'zh-TW')).to.not.include(n.normalize('還款', 'zh-TW'));
    expect(n.normalize('借款可以分期還嗎', 'zh-TW')).to.include(n.normalize('還款', 'zh-TW'));
  });

  it('reads 保險單 as 保單 and the variant 寛 as 寬', () => {
    expect(n.normalize('保險單借款', 'zh-TW')).to.equal(n.normalize('保單借款', 'zh-TW'));
    expect(n.normalize('寛限期', 'zh-TW')).to.equal(n.normalize('寬限期', 'zh-TW'));
  });

  it('reads English insurance words inside a Chinese sentence as the Chinese word', () => {
    expect(n.normalize('想辦policy loan', 'zh-TW')).to.include(n.normalize('借款', 'zh-TW'));
    expect(n.normalize('policyholder要改', 'zh-TW')).to.include(n.normalize('要保人', 'zh-TW'));
    expect(n.normalize('claim進度', 'zh-TW')).to.equal(n.normalize('理賠進度', 'zh-TW'));
  });

  it('folds full-width characters and simplified characters', () => {
    expect(n.normalize('ＡＴＭ', 'zh-TW')).to.equal('atm');
    expect(n.normalize('理赔', 'zh-TW')).to.equal('理賠');
  });

  it('rewrites English multi-word synonyms on word boundaries only', () => {
    expect(n.normalize('Can I borrow against my policy?', 'en')).to.include('policy loan');
    expect(n.normalize('paying back', 'en')).to.equal('repay');
  });

  it('detects the language, mixed text counting as Chinese', () => {
    expect(detectLang('保單 loan', 'en')).to.equal('zh-TW');
    expect(detectLang('policy loan', 'zh-TW')).to.equal('en');
    expect(detectLang('12345', 'en')).to.equal('en');
  });

  it('stems English lightly and tokenises Chinese into bigrams plus words', () => {
    expect(stemEn('policies')).to.equal('policy');
    expect(stemEn('claims')).to.equal('claim');
    expect(stemEn('cancelled')).to.equal('cancel');
    expect(stemEn('changed')).to.equal(stemEn('change'));
    expect(stemEn('updating')).to.equal(stemEn('update'));
    expect(stemEn('licensed')).to.equal(stemEn('license'));
    expect(stemEn('free')).to.equal('free');
    expect(stemEn('hospitalised')).to.equal(stemEn('hospitalized'));
    expect(stemEn('authorisation')).to.equal(stemEn('authorization'));
    const terms = tokenizeZh('保單借款', 'segmenter+bigram').map((t) => t.term);
    expect(terms).to.include.members(['保單', '單借', '借款']);
    expect(terms.some((t) => t.startsWith('w:'))).to.equal(true);
  });
});
