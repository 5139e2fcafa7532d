import { expect } from 'chai';
import { langFromLocale, langFromText, resolveLang } from '../../bot/language';

describe('answer language', () => {
  const table: Array<[string, { text?: string; locale?: string; previous?: 'zh-TW' | 'en' }, 'zh-TW' | 'en']> = [
    ['defaults to zh-TW with nothing to go on', {}, 'zh-TW'],
    ['follows the page locale', { locale: 'en-US' }, 'en'],
    ['keeps Chinese text in Chinese on an English page', { text: '我要改地址', locale: 'en-US' }, 'zh-TW'],
    [
      'switches to English for clearly English text on a Chinese page',
      { text: 'How do I change my address?', locale: 'zh-TW' },
      'en',
    ],
    ['treats mixed text with Han characters as Chinese', { text: 'policy loan 利率多少', locale: 'en-US' }, 'zh-TW'],
    ['lets digits alone keep the locale', { text: '0912345678', locale: 'en-US' }, 'en'],
    ['lets a two-letter token keep the previous language', { text: 'OK', previous: 'zh-TW' }, 'zh-TW'],
    ['uses the conversation language when there is no locale', { text: '123', previous: 'en' }, 'en'],
    [
      'keeps Chinese when a Chinese conversation is answered with an email address',
      { text: 'meiling.wang@example.com.tw', locale: 'zh-TW', previous: 'zh-TW' },
      'zh-TW',
    ],
    [
      'keeps Chinese for a one-word Latin answer (a place)',
      { text: 'Seoul', locale: 'zh-TW', previous: 'zh-TW' },
      'zh-TW',
    ],
    ['switches to English for a sentence in English', { text: 'how about Seoul', previous: 'zh-TW' }, 'en'],
    ['ignores ID numbers and ticket numbers', { text: 'A123456789 K-000123', previous: 'zh-TW' }, 'zh-TW'],
  ];
  for (const [name, input, expected] of table) {
    it(name, () => {
      expect(resolveLang(input)).to.equal(expected);
    });
  }

  it('maps the locales Web Chat sends and ignores others', () => {
    expect(langFromLocale('zh-TW')).to.equal('zh-TW');
    expect(langFromLocale('zh-Hant')).to.equal('zh-TW');
    expect(langFromLocale('en-GB')).to.equal('en');
    expect(langFromLocale('ja-JP')).to.equal(undefined);
    expect(langFromText('')).to.equal(undefined);
  });
});
