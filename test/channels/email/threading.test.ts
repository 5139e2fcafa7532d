import { expect } from 'chai';
import { decideThread, ticketNumberInSubject, type ThreadCandidate } from '../../../channels/email/threading';

const open = (
  number: string,
  via: ThreadCandidate['via'],
  participants: string[],
  status: ThreadCandidate['status'] = 'in-progress',
): ThreadCandidate => ({
  number,
  via,
  status,
  participants,
});

describe('channels/email threading decision', () => {
  it('finds a bracketed ticket number in the subject before a bare one', () => {
    expect(ticketNumberInSubject('回覆： [#k-000123] 補充資料 K-000999')).to.equal('K-000123');
    expect(ticketNumberInSubject('關於案件 K-000045 的問題')).to.equal('K-000045');
    expect(ticketNumberInSubject('沒有編號')).to.equal(undefined);
  });

  it('joins the ticket when the sender is its customer', () => {
    const d = decideThread('a@x.tw', [open('K-000001', 'subject', ['a@x.tw'])]);
    expect(d).to.deep.equal({ kind: 'append', number: 'K-000001', via: 'subject', reopen: false });
  });

  it('joins through a later candidate when the first belongs to someone else', () => {
    const d = decideThread('a@x.tw', [
      open('K-000002', 'subject', ['b@x.tw']),
      open('K-000001', 'in-reply-to', ['a@x.tw']),
    ]);
    expect(d).to.deep.include({ kind: 'append', number: 'K-000001', via: 'in-reply-to' });
  });

  it('opens a new linked ticket when a stranger quotes a ticket number', () => {
    const d = decideThread('stranger@y.tw', [open('K-000001', 'subject', ['a@x.tw'])]);
    expect(d).to.deep.equal({ kind: 'new', linkTo: { number: 'K-000001', via: 'subject' } });
  });

  it('reopens a resolved or closed ticket the customer answers', () => {
    expect(decideThread('a@x.tw', [open('K-000001', 'references', ['a@x.tw'], 'resolved')])).to.deep.include({
      reopen: true,
    });
    expect(decideThread('a@x.tw', [open('K-000001', 'references', ['a@x.tw'], 'closed')])).to.deep.include({
      reopen: true,
    });
  });

  it('opens a new ticket when nothing matches', () => {
    expect(decideThread('a@x.tw', [])).to.deep.equal({ kind: 'new' });
    expect(decideThread(undefined, [open('K-000001', 'subject', ['a@x.tw'])])).to.deep.include({ kind: 'new' });
  });
});
