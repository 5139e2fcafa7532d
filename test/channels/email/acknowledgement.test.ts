import { expect } from 'chai';
import { composeAcknowledgement, findKnowledgeAnswers, markdownToPlain } from '../../../channels/email/acknowledgement';
import { detectLanguage } from '../../../channels/email/language';
import { zonedInstant } from '../../../handoff/calendar/business-hours';
import { createKnowledgeService, type KnowledgeServiceHandle } from '../../../knowledge';
import type { KnowledgeService } from '../../../knowledge/types';
import { sampleCalendar } from './support/harness';

const calendar = sampleCalendar('scheduled');
const FRIDAY_10AM = zonedInstant('2026-11-27', 10 * 60, 'Asia/Taipei');
const FRIDAY_8PM = zonedInstant('2026-11-27', 20 * 60, 'Asia/Taipei');
const brand = { zh: '康福人壽', en: 'Kangfu Life' };

describe('channels/email acknowledgement', () => {
  it('shows knowledge answers without Markdown markup in the plain-text mail', () => {
    const plain = markdownToPlain('- **誰能借**：要保人\n\n### 下一步\n- 見 [表單](https://x.example/forms)');
    expect(plain).to.equal('- 誰能借：要保人\n\n【下一步】\n- 見 表單 (https://x.example/forms)');
  });

  let knowledge: KnowledgeServiceHandle;
  before(async () => {
    knowledge = await createKnowledgeService();
  });
  after(() => knowledge.close());

  it('answers in zh-TW with the ticket number in the subject and "within N hours" while the desk is open', () => {
    const m = composeAcknowledgement({
      ticketNumber: 'K-000123',
      subject: '請問保單借款',
      lang: 'zh-TW',
      now: FRIDAY_10AM,
      calendar,
      slaDueAt: FRIDAY_10AM + 4 * 3_600_000,
      brand,
      answers: [],
    });
    expect(m.subject).to.equal('[#K-000123] 我們已收到您的來信：請問保單借款');
    expect(m.text).to.contain('K-000123').and.contain('客服人員將於 4 小時內回覆您');
  });

  it('promises the next business day after hours (Friday evening → Monday)', () => {
    const m = composeAcknowledgement({
      ticketNumber: 'K-000124',
      subject: 'Policy loan',
      lang: 'en',
      now: FRIDAY_8PM,
      calendar,
      slaDueAt: FRIDAY_8PM + 86_400_000,
      brand,
      answers: [],
    });
    expect(m.subject).to.equal('[#K-000124] We have received your message: Policy loan');
    expect(m.text).to.contain('closed now').and.contain('Monday 30 Nov');
  });

  it('masks personal data quoted from the subject and strips CR/LF', () => {
    const m = composeAcknowledgement({
      ticketNumber: 'K-000125',
      subject: '身分證 A123456789\r\nBcc: x@y',
      lang: 'zh-TW',
      now: FRIDAY_10AM,
      calendar,
      slaDueAt: FRIDAY_10AM + 3_600_000,
      brand,
      answers: [],
    });
    expect(m.subject).to.not.contain('A123456789');
    expect(m.subject).to.not.match(/[\r\n]/);
  });

  it('tells the sender when the mail was over the size limit', () => {
    const m = composeAcknowledgement({
      ticketNumber: 'K-000126',
      subject: '大型附件',
      lang: 'zh-TW',
      now: FRIDAY_10AM,
      calendar,
      slaDueAt: FRIDAY_10AM + 3_600_000,
      brand,
      answers: [],
      oversized: { limitBytes: 26_214_400 },
    });
    expect(m.text).to.contain('超過 25 MB').and.contain('附件未能收到');
  });

  it('includes confident knowledge answers from the real knowledge base', async () => {
    const answers = await findKnowledgeAnswers(
      knowledge,
      '請問保單借款的申請方式',
      '您好，\n\n我想申請保單借款，需要準備哪些文件？利息怎麼計算？\n\n王小明 敬上',
      'zh-TW',
    );
    expect(answers.map((a) => a.topicId)).to.include('policy-loan');
    expect(answers.length).to.be.at.most(3);
    const m = composeAcknowledgement({
      ticketNumber: 'K-000127',
      subject: '保單借款',
      lang: 'zh-TW',
      now: FRIDAY_10AM,
      calendar,
      slaDueAt: FRIDAY_10AM + 3_600_000,
      brand,
      answers,
    });
    expect(m.text).to.contain('■ 保單借款申請');
  });

  it('collects at most three distinct answers across the subject and paragraphs', async () => {
    const topics: Record<string, string> = {
      保單借款: 'policy-loan',
      地址變更: 'address-change',
      繳費: 'premium-payment',
      理賠: 'claims',
    };
    const stub: KnowledgeService = {
      async decide(q) {
        const hit = Object.keys(topics).find((k) => q.text.includes(k));
        if (!hit) return { kind: 'route', intent: 'out-of-scope', lang: q.lang, confidence: 0.2 };
        return {
          kind: 'answer',
          topic: { id: topics[hit] ?? hit, title: hit, confidence: 0.8 },
          answer: `${hit}的說明`,
          lang: q.lang,
          related: [],
        };
      },
      topicAnswer: () => undefined,
    };
    const answers = await findKnowledgeAnswers(
      stub,
      '保單借款',
      '你好\n\n請問地址變更\n\n請問繳費方式\n\n請問理賠',
      'zh-TW',
    );
    expect(answers.map((a) => a.topicId)).to.deep.equal(['policy-loan', 'address-change', 'premium-payment']);
  });

  it('offers no answers when retrieval is not confident, and survives a failing knowledge service', async () => {
    expect(await findKnowledgeAnswers(knowledge, '自動回覆', '', 'zh-TW')).to.deep.equal([]);
    const broken: KnowledgeService = {
      decide: () => Promise.reject(new Error('down')),
      topicAnswer: () => undefined,
    };
    expect(await findKnowledgeAnswers(broken, '保單借款', '請問保單借款', 'zh-TW')).to.deep.equal([]);
  });

  it('detects the customer language by content', () => {
    expect(detectLanguage('How do I apply for a policy loan? My policy is ABC123.')).to.equal('en');
    expect(detectLanguage('請問保單借款 policy loan 怎麼申請')).to.equal('zh-TW');
  });
});
