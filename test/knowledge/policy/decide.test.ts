import { expect } from 'chai';
import { createKnowledgeService, decisionLabel, type KnowledgeServiceHandle } from '../../../knowledge';
import type { Lang } from '../../../knowledge/types';

describe('knowledge decision policy (no LLM)', () => {
  let service: KnowledgeServiceHandle;
  before(async () => {
    service = await createKnowledgeService();
  });
  after(() => service.close());

  const label = async (text: string, lang: Lang = 'zh-TW') => decisionLabel(await service.decide({ text, lang }));

  describe('the questions of the issue’s definition of done', () => {
    it('「我搬家了地址要怎麼改」 gets the address-change answer', async () => {
      const d = await service.decide({ text: '我搬家了地址要怎麼改', lang: 'zh-TW' });
      expect(d.kind).to.equal('answer');
      if (d.kind === 'answer') {
        expect(d.topic.id).to.equal('address-change');
        expect(d.answer).to.include('0800-000-123');
        expect(d.related.length).to.be.greaterThan(0);
      }
    });
    it('「保單可以借錢嗎」 gets the policy-loan answer', async () => {
      expect(await label('保單可以借錢嗎')).to.equal('policy-loan');
    });
    it('"how long do I have to cancel a new policy" gets the free-look answer in English', async () => {
      const d = await service.decide({ text: 'how long do I have to cancel a new policy', lang: 'zh-TW' });
      expect(decisionLabel(d)).to.equal('free-look-cancellation');
      expect(d.lang).to.equal('en');
    });
    it('「今天天氣如何」 gets a polite decline that says what the bot can do', async () => {
      const d = await service.decide({ text: '今天天氣如何', lang: 'zh-TW' });
      expect(d.kind === 'route' && d.intent).to.equal('out-of-scope');
      if (d.kind === 'route')
        expect(d.reply)
          .to.match(/不好意思/)
          .and.to.match(/保單借款/);
    });
  });

  const table: Array<[string, string, Lang?]> = [
    ['我要找真人', 'handoff'],
    ['可以請專員打給我嗎', 'handoff'],
    ['I want to talk to a human', 'handoff', 'en'],
    ['你是機器人嗎', 'smalltalk'],
    ['謝謝', 'smalltalk'],
    ['hi', 'smalltalk', 'en'],
    ['我要申訴', 'complaint'],
    ['業務員騙我', 'complaint'],
    ['your service is terrible', 'complaint', 'en'],
    ['申訴要怎麼申請 多久回覆', 'complaint-filing'],
    ['旅平險多少錢', 'travel-quote'],
    ['去日本5天保費', 'travel-quote'],
    ['旅平險保障內容有哪些', 'travel-insurance-coverage'],
    ['我要改地址', 'address-change'],
    ['我的理賠進度', 'status-inquiry'],
    ['K-000123', 'status-inquiry'],
    ['理賠進度要怎麼查', 'claim-progress-inquiry'],
    ['股票要買哪一支', 'out-of-scope'],
    ['汽車險怎麼保', 'out-of-scope'],
    ['car insurance quote', 'out-of-scope', 'en'],
  ];
  for (const [text, expected, lang] of table) {
    it(`「${text}」 → ${expected}`, async () => {
      expect(await label(text, lang)).to.equal(expected);
    });
  }

  describe('a question about travel cover is not a price request', () => {
    it('「我下週去日本5天，旅平險保障什麼」 gets the travel-cover answer, not a quote', async () => {
      expect(await label('我下週去日本5天，旅平險保障什麼')).to.equal('travel-insurance-coverage');
    });
    it('"going to Japan for 5 days, does travel insurance cover medical costs" is not a quote', async () => {
      expect(await label('going to Japan for 5 days, does travel insurance cover medical costs', 'en')).to.not.equal(
        'travel-quote',
      );
    });
    it('a trip with a price word is still a quote', async () => {
      expect(await label('下週去日本5天 旅平險保障500萬多少錢')).to.equal('travel-quote');
      expect(await label('how much is travel insurance for 5 days in Japan', 'en')).to.equal('travel-quote');
    });
  });

  describe('routing wording found missing in evaluation', () => {
    it('「可以打電話給我嗎」 asks for a call-back (handoff)', async () => {
      expect(await label('可以打電話給我嗎')).to.equal('handoff');
    });
    it('an intensified 差 (「態度超差」「效率太差」) is a complaint', async () => {
      expect(await label('你們理賠人員態度超差')).to.equal('complaint');
      expect(await label('你們的理賠效率太差了')).to.equal('complaint');
    });
    it('plane tickets and credit-card shopping are out of scope', async () => {
      expect(await label('機票哪裡買比較便宜')).to.equal('out-of-scope');
      expect(await label("what's the best credit card", 'en')).to.equal('out-of-scope');
    });
    it('a lost credit card with a policy question stays in scope', async () => {
      expect(await label('信用卡不見了 保費扣款要怎麼改')).to.not.equal('out-of-scope');
    });
  });

  it('tells an address change to do now from a how-to question about it', async () => {
    const act = await service.decide({ text: '我要改地址', lang: 'zh-TW' });
    const how = await service.decide({ text: '地址變更要怎麼辦理', lang: 'zh-TW' });
    expect(act.kind === 'route' && act.intent).to.equal('address-change');
    expect(how.kind === 'answer' && how.topic.id).to.equal('address-change');
  });

  it('tolerates common typos and homophones', async () => {
    expect(await label('理陪要準備什麼文件')).to.match(/^claim-docs-/);
    expect(await label('停效的保單怎麼複效')).to.equal('lapse-reinstatement');
    expect(await label('保單借欵利息')).to.equal('policy-loan');
  });

  it('understands synonyms and abbreviations', async () => {
    expect(await label('保單貸款最多可以貸多少')).to.equal('policy-loan');
    expect(await label('旅行平安險有保海外突發疾病嗎')).to.equal('travel-insurance-coverage');
    expect(await label('終止契約可以拿回多少錢')).to.equal('surrender-value');
  });

  it('treats mixed Chinese and English text as zh-TW', async () => {
    const d = await service.decide({ text: 'email換了要怎麼update', lang: 'en' });
    expect(d.lang).to.equal('zh-TW');
  });

  it('answers a short Latin-letter message in the conversation’s language', async () => {
    const zh = await service.decide({ text: 'hi', lang: 'zh-TW' });
    const en = await service.decide({ text: 'hi', lang: 'en' });
    expect(zh.kind === 'route' && zh.intent).to.equal('smalltalk');
    expect(zh.lang).to.equal('zh-TW');
    expect(zh.kind === 'route' && zh.reply).to.match(/您好/);
    expect(en.lang).to.equal('en');
    const long = await service.decide({ text: 'how do I change my mailing address', lang: 'zh-TW' });
    expect(long.lang).to.equal('en');
  });

  it('answers a greeting followed by a question as the question', async () => {
    expect(await label('你好，請問保單可以借錢嗎')).to.equal('policy-loan');
  });

  it('offers the top topics as choices when unsure, and every decision has a confidence', async () => {
    const unsure = await createKnowledgeService({ thresholds: { answerConfidence: 1.1, candidateRatio: 0 } });
    try {
      const d = await unsure.decide({ text: '保單可以借錢嗎', lang: 'zh-TW' });
      expect(d.kind).to.equal('clarify');
      if (d.kind === 'clarify') {
        expect(d.candidates.length).to.be.within(2, 3);
        expect(d.candidates[0]?.id).to.equal('policy-loan');
        for (const c of d.candidates) expect(c.confidence).to.be.within(0, 1);
      }
    } finally {
      unsure.close();
    }
  });

  it('returns a topic answer by id in either language, and nothing for an unknown id', () => {
    const zh = service.topicAnswer('grace-period', 'zh-TW');
    const en = service.topicAnswer('grace-period', 'en');
    expect(zh?.kind === 'answer' && zh.lang).to.equal('zh-TW');
    expect(en?.kind === 'answer' && en.topic.title).to.match(/grace/i);
    expect(service.topicAnswer('no-such-topic', 'en')).to.equal(undefined);
  });

  it('never throws on odd input', async () => {
    for (const text of ['', '   ', '？？？', '🙂', 'x'.repeat(5000), '保'.repeat(3000)]) {
      const d = await service.decide({ text, lang: 'zh-TW' });
      expect(['answer', 'clarify', 'route']).to.include(d.kind);
    }
  });
});
