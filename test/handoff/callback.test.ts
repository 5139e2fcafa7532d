/**
 * Taiwan phone numbers a customer may leave for a callback: a table of what is accepted (and
 * how it is normalised) and what is refused (and why).
 */
import { expect } from 'chai';
import { findTaiwanPhone, parseTaiwanPhone } from '../../handoff/callback';

const ACCEPTED: Array<[input: string, national: string, kind: 'mobile' | 'landline', display: string]> = [
  ['0912345678', '0912345678', 'mobile', '0912-345-678'],
  ['0912-345-678', '0912345678', 'mobile', '0912-345-678'],
  ['0912 345 678', '0912345678', 'mobile', '0912-345-678'],
  ['+886 912 345 678', '0912345678', 'mobile', '0912-345-678'],
  ['+886-912-345-678', '0912345678', 'mobile', '0912-345-678'],
  ['+886 0912 345 678', '0912345678', 'mobile', '0912-345-678'],
  ['886912345678', '0912345678', 'mobile', '0912-345-678'],
  ['０９１２３４５６７８', '0912345678', 'mobile', '0912-345-678'],
  ['02-2345-6789', '0223456789', 'landline', '02-2345-6789'],
  ['(02)23456789', '0223456789', 'landline', '02-2345-6789'],
  ['+886 2 2345 6789', '0223456789', 'landline', '02-2345-6789'],
  ['04-2345-6789', '0423456789', 'landline', '04-2345-6789'],
  ['04-7234567', '047234567', 'landline', '04-7234567'],
  ['03-4567890', '034567890', 'landline', '03-4567890'],
  ['037-234567', '037234567', 'landline', '037-234567'],
  ['049-2345678', '0492345678', 'landline', '049-2345678'],
  ['05-2345678', '052345678', 'landline', '05-2345678'],
  ['06-2345678', '062345678', 'landline', '06-2345678'],
  ['07-2345678', '072345678', 'landline', '07-2345678'],
  ['08-7345678', '087345678', 'landline', '08-7345678'],
  ['089-345678', '089345678', 'landline', '089-345678'],
  ['082-345678', '082345678', 'landline', '082-345678'],
  ['0836-22345', '083622345', 'landline', '0836-22345'],
  ['02-2345-6789 #123', '0223456789', 'landline', '02-2345-6789 #123'],
  ['02-23456789分機 55', '0223456789', 'landline', '02-2345-6789 #55'],
];

const REFUSED: Array<[input: string, problem: string]> = [
  ['', 'empty'],
  ['我沒有電話', 'empty'],
  ['02-1234', 'format'],
  ['0912-345-67', 'format'],
  ['09123456789', 'format'],
  ['0812345678', 'format'],
  ['02-0345-6789', 'format'],
  ['912345678', 'format'],
  ['0912-345-678 #12', 'format'],
  ['0012-345-6789', 'foreign'],
  ['+1 415 555 0100', 'foreign'],
  ['+81 90 1234 5678', 'foreign'],
  ['01-2345-6789', 'area-code'],
  ['0912abc678', 'format'],
];

describe('Taiwan phone numbers for callbacks', () => {
  for (const [input, national, kind, display] of ACCEPTED) {
    it(`accepts ${JSON.stringify(input)} as the ${kind} ${national}`, () => {
      const r = parseTaiwanPhone(input);
      expect(r).to.include({ ok: true, national, kind, display });
      if (r.ok) expect(r.e164).to.equal(`+886${national.slice(1)}`);
    });
  }

  for (const [input, problem] of REFUSED) {
    it(`refuses ${JSON.stringify(input)} (${problem})`, () => {
      expect(parseTaiwanPhone(input)).to.deep.equal({ ok: false, problem });
    });
  }

  it('finds a number inside a sentence, and nothing in a sentence without one', () => {
    expect(findTaiwanPhone('我的手機是 0912-345-678，麻煩回電')?.national).to.equal('0912345678');
    expect(findTaiwanPhone('公司電話 (02) 2345-6789 分機 12')?.extension).to.equal('12');
    expect(findTaiwanPhone('保單號碼 12345678 的借款')).to.equal(undefined);
  });
});
