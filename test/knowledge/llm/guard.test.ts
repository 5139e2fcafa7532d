import { expect } from 'chai';
import { checkLlmAnswer, foreignAmounts, promisesClaimOutcome, redactPersonalIds } from '../../../knowledge/llm/guard';

describe('LLM guard rails', () => {
  it('removes national IDs and both ARC forms, keeps other text', () => {
    const out = redactPersonalIds('ID A123456789, ARC A812345678 and AB12345678, policy 12345678');
    expect(out).to.not.match(/A123456789|A812345678|AB12345678/);
    expect(out).to.include('policy 12345678');
  });

  it('accepts an amount the content states and refuses one it does not', () => {
    const content = '喪葬費用保險金上限為 NT$690,000。';
    expect(foreignAmounts('上限是 690,000 元', content)).to.deep.equal([]);
    expect(foreignAmounts('保費只要 1,200 元', content)).to.deep.equal(['1,200 元']);
    expect(foreignAmounts('premium is NT$ 800', content)).to.have.length(1);
  });

  it('spots promises of a claim outcome in both languages', () => {
    expect(promisesClaimOutcome('您的案件一定會賠')).to.equal(true);
    expect(promisesClaimOutcome('your claim will definitely be paid')).to.equal(true);
    expect(promisesClaimOutcome('理賠結果以審核為準')).to.equal(false);
  });

  it('requires a citation of a given topic and strips the markers', () => {
    const ok = checkLlmAnswer('可以借款。[topic:policy-loan]', ['policy-loan'], '');
    expect(ok).to.deep.equal({ ok: true, text: '可以借款。', cited: ['policy-loan'] });
    expect(checkLlmAnswer('可以借款。', ['policy-loan'], '').ok).to.equal(false);
  });
});
