import { expect } from 'chai';
import { createKnowledgeService, type KnowledgeServiceHandle } from '../../../knowledge';
import { createOpenAiLlm } from '../../../knowledge/llm/openai-adapter';
import type { KnowledgeDecision } from '../../../knowledge/types';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../../support/fake-openai-server';

const LOAN_Q = { text: '保單可以借錢嗎', lang: 'zh-TW' as const };

function answerOf(d: KnowledgeDecision): { id: string; answer: string; llm?: { citedTopicIds: string[] } } {
  if (d.kind !== 'answer') throw new Error(`expected an answer, got ${d.kind}`);
  return { id: d.topic.id, answer: d.answer, llm: d.llm };
}

describe('knowledge LLM path (against a local OpenAI-compatible server)', () => {
  let server: FakeOpenAiServer;
  let service: KnowledgeServiceHandle;
  const fallbacks: string[] = [];
  let stored: string;

  before(async () => {
    server = await startFakeOpenAiServer();
    service = await createKnowledgeService({
      llm: createOpenAiLlm({ apiKey: 'test-key', baseURL: server.baseURL, model: 'fake-model' }),
      llmBudgetMs: 400,
      onError: (err) => fallbacks.push(String(err.context.reason ?? err.message)),
    });
    const plain = service.topicAnswer('policy-loan', 'zh-TW');
    stored = plain?.kind === 'answer' ? plain.answer : '';
  });
  after(async () => {
    service.close();
    await server.close();
  });
  beforeEach(() => {
    fallbacks.length = 0;
  });

  it('uses the phrased answer when the model cites the retrieved topic', async () => {
    server.script([{ text: '可以的，保單借款由要保人申請，利率依公告。[topic:policy-loan]' }]);
    const a = answerOf(await service.decide(LOAN_Q));
    expect(a.id).to.equal('policy-loan');
    expect(a.answer).to.equal('可以的，保單借款由要保人申請，利率依公告。');
    expect(a.llm).to.deep.equal({ citedTopicIds: ['policy-loan'] });
  });

  for (const [name, reply] of [
    ['a 429 rate limit', { status: 429 }],
    ['a 500 server error', { status: 500 }],
    ['an answer citing no topic', { text: '可以借，請洽業務員。' }],
    ['an answer citing a topic it was not given', { text: '請看這裡 [topic:surrender-value]' }],
    ['an answer stating a premium amount', { text: '保單借款一年利息大約 NT$3,200 元。[topic:policy-loan]' }],
    ['an answer promising a claim outcome', { text: '放心，您的理賠一定會賠。[topic:policy-loan]' }],
    ['an answer slower than the time budget', { text: '太慢了 [topic:policy-loan]', delayMs: 3000 }],
  ] as const) {
    it(`falls back to the retrieval answer on ${name}`, async () => {
      server.script([reply]);
      const a = answerOf(await service.decide(LOAN_Q));
      expect(a.id).to.equal('policy-loan');
      expect(a.answer).to.equal(stored);
      expect(a.llm).to.equal(undefined);
      expect(fallbacks).to.have.length(1);
    });
  }

  it('never sends a national ID or resident certificate number to the model', async () => {
    server.script([{ text: '好的 [topic:policy-loan]' }]);
    const before = server.requests.length;
    await service.decide({ text: '我的身分證 A123456789，居留證 AC01234567，保單可以借錢嗎', lang: 'zh-TW' });
    const sent = JSON.stringify(server.requests.slice(before));
    expect(sent).to.not.include('A123456789');
    expect(sent).to.not.include('AC01234567');
    expect(sent).to.include('保單可以借錢嗎');
  });
});

describe('knowledge LLM path when retrieval is unsure', () => {
  let server: FakeOpenAiServer;
  let service: KnowledgeServiceHandle;

  before(async () => {
    server = await startFakeOpenAiServer();
    // Every retrieval decision below the answer threshold becomes a clarify, so the LLM is asked to pick.
    service = await createKnowledgeService({
      llm: createOpenAiLlm({ apiKey: 'test-key', baseURL: server.baseURL, model: 'fake-model' }),
      llmBudgetMs: 400,
      thresholds: { answerConfidence: 1.1, candidateRatio: 0 },
    });
  });
  after(async () => {
    service.close();
    await server.close();
  });

  it('answers the candidate topic the model picks, phrased and cited', async () => {
    server.script([{ text: '{"topic":"policy-loan"}' }, { text: '可以用保單借款。[topic:policy-loan]' }]);
    const a = answerOf(await service.decide(LOAN_Q));
    expect(a.id).to.equal('policy-loan');
    expect(a.llm?.citedTopicIds).to.deep.equal(['policy-loan']);
  });

  it('keeps the clarify choices when the model picks a topic outside the candidates', async () => {
    server.script([{ text: '{"topic":"fraud-warning"}' }]);
    const d = await service.decide(LOAN_Q);
    expect(d.kind).to.equal('clarify');
  });

  it('keeps the clarify choices when the model fails', async () => {
    server.script([{ status: 500 }]);
    const d = await service.decide(LOAN_Q);
    expect(d.kind).to.equal('clarify');
    if (d.kind === 'clarify') expect(d.candidates.map((c) => c.id)).to.include('policy-loan');
  });
});
