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
    const terms = tokenizeZh('保單借款', 'segmenter+bigram').map((t) => t.term);
    expect(terms).to.include.members(['保單', '單借', '借款']);
    expect(terms.some((t) => t.startsWith('w:'))).to.equal(true);
  });
});
