import { expect } from 'chai';
import fc from 'fast-check';
import { checkNationalId, isValidNationalId, normalizeNationalId } from '../../app/national-id';

// Valid numbers below were computed with an independent implementation of the published
// algorithm (letter table A=10 … H=17, J=18 … V=29, X=30, Y=31, W=32, Z=33, I=34, O=35).
describe('national ID and ARC validation', () => {
  const valid: [string, string, string][] = [
    ['A123456789', 'citizen', 'male'],
    ['F131104093', 'citizen', 'male'],
    ['B223456782', 'citizen', 'female'],
    ['Z199999990', 'citizen', 'male'],
    ['I100000003', 'citizen', 'male'],
    ['O200000006', 'citizen', 'female'],
    ['W100000001', 'citizen', 'male'],
    ['A800000014', 'arc-new', 'male'],
    ['H912345670', 'arc-new', 'female'],
    ['AA00000009', 'arc-old', 'male'],
    ['FC12345674', 'arc-old', 'male'],
    ['BD23456784', 'arc-old', 'female'],
  ];
  for (const [id, kind, sex] of valid) {
    it(`accepts ${id} as a valid ${kind} number`, () => {
      const r = checkNationalId(id);
      expect(r).to.deep.equal({ ok: true, kind, normalized: id, sex });
    });
  }

  it('accepts lower case, full-width characters, spaces and hyphens and normalises them', () => {
    expect(checkNationalId(' a123456789 ')).to.include({ ok: true, normalized: 'A123456789' });
    expect(checkNationalId('Ａ１２３４５６７８９')).to.include({ ok: true, normalized: 'A123456789' });
    expect(normalizeNationalId('a12-345 6789')).to.equal('A123456789');
  });

  const refused: [string, string][] = [
    ['A123456788', 'checksum'],
    ['F131104094', 'checksum'],
    ['B123456789', 'checksum'], // right digits, wrong first letter
    ['A800000015', 'checksum'],
    ['AA00000008', 'checksum'],
    ['A323456789', 'second-char'],
    ['AE00000009', 'second-char'],
    ['A7000000014', 'format'],
    ['1234567890', 'format'],
    ['A12345678', 'format'],
    ['A12345678X', 'format'],
    ['', 'empty'],
    ['   ', 'empty'],
  ];
  for (const [id, problem] of refused) {
    it(`refuses ${JSON.stringify(id)} with problem ${problem} and a message in both languages`, () => {
      const r = checkNationalId(id);
      expect(r.ok).to.equal(false);
      if (r.ok) return;
      expect(r.problem).to.equal(problem);
      expect(r.message['zh-TW']).to.be.a('string').and.not.equal('');
      expect(r.message.en).to.be.a('string').and.not.equal('');
    });
  }

  // The weights 7, 3 and 1 are coprime to 10, so a typo in those positions always changes the
  // checksum (weights 8, 6, 5, 4, 2 let some typos through — a property of the official scheme).
  it('detects every single-digit typo in the positions weighted 7, 3 and 1 and in the check digit', () => {
    const base = 'F131104093';
    for (const i of [2, 6, 8, 9]) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === base[i]) continue;
        const typo = base.slice(0, i) + d + base.slice(i + 1);
        expect(isValidNationalId(typo), typo).to.equal(false);
      }
    }
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = checkNationalId(s);
        expect(r).to.have.property('ok');
      }),
    );
  });

  it('accepts exactly one check digit for any citizen-number prefix', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        fc.constantFrom('1', '2', '8', '9'),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 7, maxLength: 7 }),
        (letter, second, digits) => {
          const prefix = letter + second + digits.join('');
          const ok = Array.from({ length: 10 }, (_, d) => isValidNationalId(prefix + d)).filter(Boolean);
          expect(ok).to.have.length(1);
        },
      ),
    );
  });
});
