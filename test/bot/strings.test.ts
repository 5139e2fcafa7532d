import { expect } from 'chai';
import { LANGS, MENU_ORDER, strings } from '../../bot/strings';

describe('bot strings', () => {
  it('defines every text in both languages, none empty', () => {
    const [zh, en] = LANGS.map((l) => strings(l));
    const keys = Object.keys(zh!).sort();
    expect(Object.keys(en!).sort()).to.deep.equal(keys);
    for (const lang of LANGS) {
      const s = strings(lang);
      for (const key of keys) {
        const value = (s as unknown as Record<string, unknown>)[key];
        const text = typeof value === 'function' ? (value as (x: unknown) => string)('X') : value;
        if (typeof text === 'string') expect(text.trim(), `${lang}.${key}`).to.not.equal('');
        else
          for (const [k, v] of Object.entries(text as object))
            expect(String(v).trim(), `${lang}.${key}.${k}`).to.not.equal('');
      }
    }
  });

  it('has the six welcome buttons in the order the business asked for', () => {
    expect(MENU_ORDER.map((m) => strings('zh-TW').menu[m])).to.deep.equal([
      '常見問題',
      '旅平險試算',
      '地址變更',
      '查詢進度',
      '我要申訴',
      '轉真人客服',
    ]);
  });

  it('shows the correlation id in the error apology in both languages', () => {
    expect(strings('zh-TW').turnError('AB12CD34')).to.contain('AB12CD34');
    expect(strings('en').turnError('AB12CD34')).to.contain('AB12CD34');
  });
});
