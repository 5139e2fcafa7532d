import { expect } from 'chai';
import { type FeedbackState, nextFeedbackState } from '../../../knowledge';

describe('two unhelpful answers in a row offer a human', () => {
  it('offers a human on the second unhelpful answer in a row, then starts counting again', () => {
    let s: FeedbackState | undefined;
    let r = nextFeedbackState(s, 'unhelpful');
    expect(r.offerHuman).to.equal(false);
    s = r.state;
    r = nextFeedbackState(s, 'unhelpful');
    expect(r.offerHuman).to.equal(true);
    expect(r.state.unhelpfulInARow).to.equal(0);
  });

  it('counts an out-of-scope reply as unhelpful and keeps the count across a new answer', () => {
    let r = nextFeedbackState(undefined, 'out-of-scope');
    r = nextFeedbackState(r.state, 'answered');
    expect(r.state.unhelpfulInARow).to.equal(1);
    expect(nextFeedbackState(r.state, 'unhelpful').offerHuman).to.equal(true);
  });

  it('a helpful answer in between resets the count', () => {
    let r = nextFeedbackState(undefined, 'unhelpful');
    r = nextFeedbackState(r.state, 'helpful');
    r = nextFeedbackState(r.state, 'unhelpful');
    expect(r.offerHuman).to.equal(false);
  });
});
