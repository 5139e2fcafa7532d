/**
 * The one masking convention for personal data (ARCHITECTURE.md decision 7): national IDs keep
 * their first 6 characters, phones their first 4 and last 2 digits, and `maskText` finds each
 * kind inside free text without touching anything else.
 */
import { expect } from 'chai';
import { mask, maskText } from '../../app/mask';

describe('masking personal data (app/mask.ts)', () => {
  describe('mask(kind, value)', () => {
    const cases: Array<[Parameters<typeof mask>[0], string, string]> = [
      ['nationalId', 'A123456789', 'A12345****'],
      ['nationalId', ' F234567890 ', 'F23456****'],
      ['nationalId', 'A800000014', 'A80000****'],
      ['nationalId', 'A12', '***'],
      ['phone', '0912345678', '0912****78'],
      ['phone', '0912-345-678', '0912****78'],
      ['phone', '02-2345-6789', '0223****89'],
      ['phone', '+886 912 345 678', '+886*******78'],
      ['phone', '12345', '*****'],
      ['policyNumber', 'LP12345678', 'LP1*****78'],
      ['policyNumber', 'AB12', '****'],
      ['email', 'wang.xiaoming@example.com.tw', 'w***@example.com.tw'],
      ['email', 'no-at-sign', '**********'],
      ['name', '王小明', '王*明'],
      ['name', '陳明', '陳*'],
      ['name', '歐陽娜娜', '歐**娜'],
      ['name', 'Alice Chen', 'A******'],
      ['name', '林', '*'],
      ['address', '臺北市大安區信義路四段1號5樓', '臺北市大安區*********'],
      ['address', '新竹縣竹北市光明六路10號', '新竹縣竹北市*******'],
      ['nationalId', '', ''],
    ];
    for (const [kind, input, expected] of cases) {
      it(`masks ${kind} ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
        expect(mask(kind, input)).to.equal(expected);
      });
    }

    it('never returns the full national ID, phone or policy number', () => {
      for (const [kind, value] of [
        ['nationalId', 'B287654321'],
        ['phone', '0987654321'],
        ['policyNumber', 'TR2026000001'],
      ] as const) {
        const masked = mask(kind, value);
        expect(masked).to.not.equal(value);
        expect(masked).to.have.length(value.length);
        expect(masked).to.include('*');
      }
    });
  });

  describe('maskText(text)', () => {
    it('masks a national ID, phone, email and policy number inside a zh-TW sentence', () => {
      const text = '要保人 A123456789（手機 0912-345-678，信箱 wang@example.com.tw）詢問保單 LP12345678 的理賠進度。';
      expect(maskText(text)).to.equal(
        '要保人 A12345****（手機 0912****78，信箱 w***@example.com.tw）詢問保單 LP1*****78 的理賠進度。',
      );
    });

    it('masks lower-case IDs, ARC numbers and several occurrences', () => {
      expect(maskText('ids a123456789 and A800000014 and A123456789')).to.equal(
        'ids a12345**** and A80000**** and A12345****',
      );
    });

    it('masks landlines and +886 numbers', () => {
      expect(maskText('office 02-2345-6789, mobile +886 912 345 678')).to.equal(
        'office 0223****89, mobile +886*******78',
      );
    });

    it('leaves ticket numbers, dates, amounts and ordinary words alone', () => {
      const text = '[#K-000123] 2026-11-27 10:30 保費 NT$12,345 共 3 天 HTTP 503 version 1.2.3';
      expect(maskText(text)).to.equal(text);
    });

    it('is idempotent: masking masked text changes nothing', () => {
      const once = maskText('A123456789 0912345678 a@b.com.tw LP12345678');
      expect(maskText(once)).to.equal(once);
    });
  });
});
