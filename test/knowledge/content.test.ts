import { expect } from 'chai';
import { loadContent, loadProfile, DEFAULT_PROFILE_FILE } from '../../knowledge/content/load';
import { parseTopicFile } from '../../knowledge/content/parse-topic';
import { TOPIC_IDS } from '../../knowledge/topic-ids';

const PROFILE = { hotline: '0800-000-123', hotline_hours_zh: '週一至週五', hotline_hours_en: 'Mon–Fri' };

function topicFile(over: { front?: string; zh?: string | null; en?: string | null } = {}): string {
  const front =
    over.front ??
    [
      'id: policy-loan',
      'title:',
      '  zh-TW: 保單借款',
      '  en: Policy loans',
      'keywords:',
      '  zh-TW: [保單借款, 保單貸款, 借錢, 保單借錢, 借款利息, 保價金借款]',
      '  en: [policy loan, borrow against my policy, loan on policy, cash value loan]',
      'related: [policy-loan-repayment]',
      'unverified: false',
    ].join('\n');
  const zh = over.zh === null ? '' : `## zh-TW\n\n${over.zh ?? '請撥 {{hotline}}（{{hotline_hours_zh}}）。'}\n\n`;
  const en = over.en === null ? '' : `## en\n\n${over.en ?? 'Call {{hotline}} ({{hotline_hours_en}}).'}\n`;
  return `---\n${front}\n---\n\n${zh}${en}`;
}

describe('knowledge content check', () => {
  it('every one of the 39 topic ids has a valid file in both languages', async () => {
    const { topics, problems } = await loadContent();
    expect(problems.map((p) => `${p.file}: ${p.message}`)).to.deep.equal([]);
    expect(topics.map((t) => t.id).sort()).to.deep.equal([...TOPIC_IDS].sort());
  });

  it('no answer keeps an unfilled placeholder', async () => {
    const { topics } = await loadContent();
    for (const t of topics) {
      expect(t.answer['zh-TW'], t.id).to.not.match(/\{\{/);
      expect(t.answer.en, t.id).to.not.match(/\{\{/);
    }
  });

  it('the company profile is marked as sample values', async () => {
    const profile = await loadProfile(DEFAULT_PROFILE_FILE);
    expect(profile.sample).to.equal('true');
  });

  it('accepts a well-formed topic and fills its placeholders', () => {
    const r = parseTopicFile('policy-loan.md', topicFile(), PROFILE);
    expect(r.problems).to.deep.equal([]);
    expect(r.topic?.answer['zh-TW']).to.equal('請撥 0800-000-123（週一至週五）。');
    expect(r.topic?.answer.en).to.equal('Call 0800-000-123 (Mon–Fri).');
  });

  const broken: Array<[string, string, string, RegExp]> = [
    ['an English section is missing', 'policy-loan.md', topicFile({ en: null }), /section "## en" is missing/],
    ['a Chinese section is missing', 'policy-loan.md', topicFile({ zh: null }), /section "## zh-TW" is missing/],
    ['a section is empty', 'policy-loan.md', topicFile({ zh: '   ' }), /section "## zh-TW" is empty/],
    [
      'the id is not one of the 39',
      'loan.md',
      topicFile({ front: 'id: loan\ntitle: {zh-TW: a, en: b}' }),
      /not one of the 39/,
    ],
    ['the id does not match the file name', 'surrender-value.md', topicFile(), /does not match the file name/],
    ['the English title is missing', 'policy-loan.md', topicFile().replace('  en: Policy loans\n', ''), /title\.en/],
    [
      'there are too few keywords',
      'policy-loan.md',
      topicFile().replace('[保單借款, 保單貸款, 借錢, 保單借錢, 借款利息, 保價金借款]', '[保單借款]'),
      /at least 6/,
    ],
    [
      'a related id is unknown',
      'policy-loan.md',
      topicFile().replace('related: [policy-loan-repayment]', 'related: [loans-faq]'),
      /related id "loans-faq"/,
    ],
    ['a placeholder is unknown', 'policy-loan.md', topicFile({ en: 'Call {{hot_line}}.' }), /\{\{hot_line\}\}/],
    ['there is no front matter', 'policy-loan.md', '## zh-TW\n\n內容\n\n## en\n\ntext\n', /no YAML front matter/],
  ];
  for (const [what, file, text, expected] of broken) {
    it(`rejects a topic when ${what}`, () => {
      const r = parseTopicFile(file, text, PROFILE);
      expect(r.topic).to.equal(undefined);
      expect(r.problems.map((p) => p.message).join('\n')).to.match(expected);
    });
  }
});
