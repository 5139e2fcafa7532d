import { readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadContent } from '../../../knowledge/content/load';
import { ROUTING_LABELS, TOPIC_IDS } from '../../../knowledge/topic-ids';
import { readCases } from '../../../scripts/eval';

const EVAL_DIR = path.resolve(__dirname, '..', '..', '..', 'knowledge', 'eval');
const dev = readCases(path.join(EVAL_DIR, 'dev-set.jsonl'));
const heldOutFiles = readdirSync(EVAL_DIR).filter((n) => /^held-out.*\.jsonl$/.test(n));
const heldOut = heldOutFiles.flatMap((f) => readCases(path.join(EVAL_DIR, f)));
const VALID = new Set<string>([...TOPIC_IDS, ...ROUTING_LABELS]);

describe('knowledge evaluation sets', () => {
  it('the dev set has at least 250 questions covering every topic and routing label in both languages', () => {
    expect(dev.length).to.be.at.least(250);
    const labels = new Set(dev.map((c) => c.label));
    for (const l of VALID) expect(labels.has(l), l).to.equal(true);
    expect(dev.some((c) => c.lang === 'en')).to.equal(true);
    expect(dev.some((c) => c.lang === 'zh-TW')).to.equal(true);
  });

  it('every label is a topic id or a routing label and every language is zh-TW or en', () => {
    for (const c of [...dev, ...heldOut]) {
      expect(VALID.has(c.label), `${c.label}: ${c.text}`).to.equal(true);
      expect(['zh-TW', 'en']).to.include(c.lang);
    }
  });

  it('the held-out questions number at least 60 and none also appears in the dev set', () => {
    expect(heldOut.length).to.be.at.least(60);
    const devTexts = new Set(dev.map((c) => c.text.trim().toLowerCase()));
    for (const c of heldOut) expect(devTexts.has(c.text.trim().toLowerCase()), c.text).to.equal(false);
  });

  it('no whole question is copied from the answers (10+ characters, or 6+ English words)', async () => {
    const { topics } = await loadContent();
    const answers = topics.map((t) => `${t.answer['zh-TW']}\n${t.answer.en}`.toLowerCase());
    for (const c of [...dev, ...heldOut]) {
      const long = c.lang === 'en' ? c.text.trim().split(/\s+/).length >= 6 : [...c.text].length >= 10;
      if (!long) continue;
      const q = c.text.toLowerCase();
      expect(
        answers.some((a) => a.includes(q)),
        c.text,
      ).to.equal(false);
    }
  });
});
