import { expect } from 'chai';
import { isKefuError } from '../../../app/errors';
import { headerSafe, parseEmail, sanitizeEmailHtml } from '../../../channels/email/parse';
import { fixture } from './support/harness';

describe('channels/email parse', () => {
  it('decodes Big5 quoted-printable subject, sender and body', async () => {
    const p = await parseEmail(fixture('big5-quoted-printable.eml'));
    expect(p.subject).to.equal('保單續保與理賠詢問');
    expect(p.from).to.deep.equal({ address: 'chihhao.lin@mail.example.tw', name: '林志豪' });
    expect(p.text).to.contain('想詢問續保與理賠的流程');
  });

  it('decodes Big5 base64', async () => {
    const p = await parseEmail(fixture('big5-base64.eml'));
    expect(p.subject).to.equal('地址變更申請');
    expect(p.text).to.contain('臺北市大安區復興南路一段100號');
  });

  it('decodes GB2312-labelled mail holding GBK-only characters (壽, 喆, 镕)', async () => {
    const p = await parseEmail(fixture('gb2312-base64-gbk-only-chars.eml'));
    expect(p.subject).to.equal('康福人壽保單查詢');
    expect(p.from?.name).to.equal('李喆');
    expect(p.text).to.contain('朱镕基路');
  });

  it('falls back to Big5 for raw 8-bit Subject and From bytes', async () => {
    const p = await parseEmail(fixture('big5-raw-8bit-subject.eml'));
    expect(p.subject).to.equal('請問保費繳納方式');
    expect(p.from?.name).to.equal('張家豪');
    expect(p.text).to.contain('信用卡繳保費');
  });

  it('reads the x-x-big5 charset label as Big5', async () => {
    const p = await parseEmail(fixture('x-x-big5-charset-label.eml'));
    expect(p.subject).to.equal('保單貸款利率');
    expect(p.text).to.contain('保單貸款利率是多少');
  });

  it('joins a character split across two RFC 2047 encoded words', async () => {
    const p = await parseEmail(fixture('rfc2047-subject-split-character.eml'));
    expect(p.subject).to.equal('請問意外險理賠需要哪些文件');
  });

  it('decodes Chinese attachment names in RFC 2231 and RFC 2047 form', async () => {
    const a = await parseEmail(fixture('attachment-chinese-filename-rfc2231.eml'));
    expect(a.attachments.map((x) => x.filename)).to.deep.equal(['理賠申請書.pdf']);
    const b = await parseEmail(fixture('attachment-chinese-filename-rfc2047.eml'));
    expect(b.attachments.map((x) => x.filename)).to.deep.equal(['診斷證明書.jpg']);
  });

  it('derives the text of an HTML-only mail and keeps a sanitised HTML copy', async () => {
    const p = await parseEmail(fixture('html-only.eml'));
    expect(p.text).to.contain('我想確認住院醫療附約的給付上限');
    expect(p.html).to.contain('<b>住院醫療附約</b>');
  });

  it('strips script, event handlers, javascript: links, iframes, styles and remote images from HTML', async () => {
    const p = await parseEmail(fixture('html-with-script-xss.eml'));
    const html = p.html ?? '';
    expect(html).to.contain('請協助確認保單');
    for (const bad of ['<script', 'onclick', 'javascript:', '<iframe', '<style', 'tracker.example'])
      expect(html).to.not.contain(bad);
  });

  it('keeps cid: links for inline images instead of inlining them (a cid bomb stays small)', async () => {
    const inline = await parseEmail(fixture('inline-image-cid.eml'));
    expect(inline.html).to.contain('cid:photo1@mail.example.tw');
    expect(inline.attachments[0]).to.include({ contentId: 'photo1@mail.example.tw', inline: true });
    const bomb = await parseEmail(fixture('cid-bomb-2000-references.eml'));
    expect((bomb.html ?? '').length).to.be.below(100_000);
  });

  it('removes NUL characters from a body with invalid base64', async () => {
    const p = await parseEmail(fixture('invalid-base64-with-nul.eml'));
    expect(p.text).to.not.contain('\u0000');
    expect(p.text).to.contain('請問');
  });

  it('removes CR/LF from decoded subjects and display names', async () => {
    const p = await parseEmail(fixture('crlf-in-display-name.eml'));
    expect(p.subject).to.not.match(/[\r\n]/);
    expect(p.from?.name ?? '').to.not.match(/[\r\n]/);
    expect(headerSafe('a\r\nBcc: x\u0000')).to.equal('a Bcc: x');
  });

  it('keeps the raw body of a multipart without a boundary instead of losing it', async () => {
    const p = await parseEmail(fixture('malformed-mime-missing-boundary.eml'));
    expect(p.text).to.contain('broken body without a declared boundary');
  });

  it('rejects a 1,000-part MIME bomb with ERR_EMAIL_PARSE', async () => {
    const err = await parseEmail(fixture('mime-bomb-1000-parts.eml')).catch((e: unknown) => e);
    expect(isKefuError(err, 'ERR_EMAIL_PARSE')).to.equal(true);
    expect((err as Error).message).to.contain('child nodes');
  });

  it('rejects an oversized header block with ERR_EMAIL_PARSE', async () => {
    const err = await parseEmail(fixture('malformed-header-bomb.eml')).catch((e: unknown) => e);
    expect(isKefuError(err, 'ERR_EMAIL_PARSE')).to.equal(true);
  });

  it('reads the failed recipient and the original Message-ID from a DSN bounce', async () => {
    const p = await parseEmail(
      fixture('dsn-bounce.eml', {
        FROM: 'gone@mail.example.tw',
        IN_REPLY_TO: 'kefu.x1@kefu.example',
        TICKET: 'K-000001',
      }),
    );
    expect(p.deliveryReport).to.deep.include({
      failedRecipients: ['gone@mail.example.tw'],
      originalMessageId: 'kefu.x1@kefu.example',
      status: '5.1.1',
    });
  });

  it('keeps a forwarded message as an attachment', async () => {
    const p = await parseEmail(fixture('forwarded-message-rfc822.eml'));
    expect(p.attachments.map((a) => a.contentType)).to.deep.equal(['message/rfc822']);
  });

  it('sanitises links to open safely', () => {
    expect(sanitizeEmailHtml('<a href="https://kangfu-life.example">x</a>')).to.contain(
      'rel="noopener noreferrer nofollow"',
    );
  });
});
