/**
 * Builds the email fixture corpus in test/fixtures/email/ (one .eml per scenario, named after
 * it). Run once with `npx tsx test/channels/email/support/build-fixtures.ts`; the files are
 * committed. Legacy charsets (Big5, GB2312/GBK) are encoded here with iconv-lite because
 * nodemailer writes only UTF-8; everything else is written byte by byte so each fixture shows
 * exactly the header shape it tests. `{{TICKET}}`, `{{IN_REPLY_TO}}`, `{{REFERENCES}}` and
 * `{{FROM}}` are placeholders filled in by the threading tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';

const DIR = path.resolve(__dirname, '../../../fixtures/email');
const DATE = 'Fri, 27 Nov 2026 10:15:00 +0800';
const TO = 'service@test.local';

const files: Record<string, Buffer> = {};
const b64 = (b: Buffer | string) =>
  (typeof b === 'string' ? Buffer.from(b, 'utf8') : b).toString('base64').replace(/.{76}/g, '$&\r\n');
const ew = (s: string) => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
const qp = (buf: Buffer) => {
  let out = '';
  let line = '';
  for (const byte of buf) {
    const piece =
      byte === 0x0a
        ? '\n'
        : byte === 0x0d
          ? ''
          : byte >= 33 && byte <= 126 && byte !== 61
            ? String.fromCharCode(byte)
            : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (piece === '\n') {
      out += `${line}\r\n`;
      line = '';
      continue;
    }
    if (line.length + piece.length > 73) {
      out += `${line}=\r\n`;
      line = '';
    }
    line += piece;
  }
  return out + line;
};

function mail(name: string, headers: string[], body: string | Buffer): void {
  const head = Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  files[name] = Buffer.concat([
    head,
    typeof body === 'string' ? Buffer.from(body.replace(/\r?\n/g, '\r\n'), 'utf8') : body,
  ]);
}

function utf8Text(
  name: string,
  o: { from: string; subject: string; text: string; id?: string | null; extra?: string[] },
): void {
  mail(
    name,
    [
      `From: ${o.from}`,
      `To: ${TO}`,
      `Subject: ${ew(o.subject)}`,
      `Date: ${DATE}`,
      ...(o.id === null ? [] : [`Message-ID: <${o.id ?? `${name.replace(/\.eml$/, '')}@mail.example.tw`}>`]),
      ...(o.extra ?? []),
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
    ],
    `${b64(o.text)}\r\n`,
  );
}

const WANG = `${ew('王小明')} <xiaoming.wang@mail.example.tw>`;
const CHEN = `${ew('陳美玲')} <meiling.chen@mail.example.tw>`;
const LOAN_Q = '您好，我想申請保單借款，請問需要準備哪些文件？可以借多少錢？利息怎麼計算？\n\n王小明 敬上';

// ── Human mail in every encoding ────────────────────────────────────────────────────────────
utf8Text('plain-zh-tw-utf8.eml', { from: WANG, subject: '請問保單借款的申請方式', text: LOAN_Q });
utf8Text('plain-english.eml', {
  from: 'John Smith <john.smith@example.com>',
  subject: 'How do I apply for a policy loan?',
  text: 'Hello,\n\nI would like to take a loan against my life insurance policy. What documents do I need and how is the interest calculated?\n\nThanks,\nJohn',
});
utf8Text('auto-submitted-no-human.eml', {
  from: CHEN,
  subject: '變更繳費帳戶',
  text: '您好，我想把保費的扣款帳戶改成另一家銀行，請問要怎麼辦理？謝謝。',
  extra: ['Auto-Submitted: no'],
});

const big5Text = iconv.encode('您好：\n我的保單即將到期，想詢問續保與理賠的流程，麻煩回覆。\n\n林志豪', 'big5');
mail(
  'big5-quoted-printable.eml',
  [
    `From: =?Big5?B?${iconv.encode('林志豪', 'big5').toString('base64')}?= <chihhao.lin@mail.example.tw>`,
    `To: ${TO}`,
    `Subject: =?Big5?Q?${qp(iconv.encode('保單續保與理賠詢問', 'big5')).replace(/=\r\n/g, '').replace(/ /g, '_')}?=`,
    `Date: ${DATE}`,
    'Message-ID: <big5-qp-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="big5"',
    'Content-Transfer-Encoding: quoted-printable',
  ],
  Buffer.from(`${qp(big5Text)}\r\n`, 'latin1'),
);
mail(
  'big5-base64.eml',
  [
    `From: =?big5?B?${iconv.encode('黃淑芬', 'big5').toString('base64')}?= <shufen.huang@mail.example.tw>`,
    `To: ${TO}`,
    `Subject: =?big5?B?${iconv.encode('地址變更申請', 'big5').toString('base64')}?=`,
    `Date: ${DATE}`,
    'Message-ID: <big5-b64-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=big5',
    'Content-Transfer-Encoding: base64',
  ],
  `${b64(iconv.encode('我搬家了，新地址是臺北市大安區復興南路一段100號，請協助變更保單通訊地址。', 'big5'))}\r\n`,
);
mail(
  'big5-raw-8bit-subject.eml',
  [
    Buffer.concat([
      Buffer.from('From: "', 'latin1'),
      iconv.encode('張家豪', 'big5'),
      Buffer.from('" <chiahao.chang@mail.example.tw>', 'latin1'),
    ]).toString('latin1'),
    `To: ${TO}`,
    Buffer.concat([Buffer.from('Subject: ', 'latin1'), iconv.encode('請問保費繳納方式', 'big5')]).toString('latin1'),
    `Date: ${DATE}`,
    'Message-ID: <big5-raw-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=big5',
    'Content-Transfer-Encoding: 8bit',
  ],
  Buffer.concat([iconv.encode('請問可以用信用卡繳保費嗎？', 'big5'), Buffer.from('\r\n')]),
);
mail(
  'x-x-big5-charset-label.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: =?x-x-big5?B?${iconv.encode('保單貸款利率', 'big5').toString('base64')}?=`,
    `Date: ${DATE}`,
    'Message-ID: <x-x-big5-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="x-x-big5"',
    'Content-Transfer-Encoding: base64',
  ],
  `${b64(iconv.encode('請問目前的保單貸款利率是多少？', 'big5'))}\r\n`,
);
mail(
  'gb2312-base64-gbk-only-chars.eml',
  [
    `From: =?gb2312?B?${iconv.encode('李喆', 'gbk').toString('base64')}?= <zhe.li@mail.example.cn>`,
    `To: ${TO}`,
    `Subject: =?gb2312?B?${iconv.encode('康福人壽保單查詢', 'gbk').toString('base64')}?=`,
    `Date: ${DATE}`,
    'Message-ID: <gb2312-gbk-001@mail.example.cn>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=gb2312',
    'Content-Transfer-Encoding: base64',
  ],
  `${b64(iconv.encode('您好，我是李喆，想查詢在康福人壽的保單，朱镕基路的地址是否需要更新。', 'gbk'))}\r\n`,
);
{
  const bytes = Buffer.from('請問意外險理賠需要哪些文件', 'utf8');
  // Split in the middle of a character: the decoder must join the encoded words first.
  const a = bytes.subarray(0, 10);
  const b = bytes.subarray(10);
  mail(
    'rfc2047-subject-split-character.eml',
    [
      `From: ${CHEN}`,
      `To: ${TO}`,
      `Subject: =?UTF-8?B?${a.toString('base64')}?=\r\n =?UTF-8?B?${b.toString('base64')}?=`,
      `Date: ${DATE}`,
      'Message-ID: <rfc2047-split-001@mail.example.tw>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
    ],
    '機車事故受傷，請問理賠要準備什麼？\n',
  );
}

// ── HTML, inline images, attachments ────────────────────────────────────────────────────────
mail(
  'html-only.eml',
  [
    `From: ${CHEN}`,
    `To: ${TO}`,
    `Subject: ${ew('保單內容疑問')}`,
    `Date: ${DATE}`,
    'Message-ID: <html-only-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
  ],
  `${b64('<html><body><p>您好，</p><p>我想確認<b>住院醫療附約</b>的給付上限。</p><p>陳美玲</p></body></html>')}\r\n`,
);
mail(
  'html-with-script-xss.eml',
  [
    `From: ${CHEN}`,
    `To: ${TO}`,
    `Subject: ${ew('<img src=x onerror=alert(1)>附件問題')}`,
    `Date: ${DATE}`,
    'Message-ID: <html-xss-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=UTF-8',
  ],
  '<html><body><script>alert("xss")</script><p onclick="steal()">請協助確認保單</p><a href="javascript:alert(1)">點我</a><iframe src="https://evil.example"></iframe><img src="https://tracker.example/p.gif"><style>body{display:none}</style></body></html>\n',
);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
mail(
  'inline-image-cid.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('事故現場照片')}`,
    `Date: ${DATE}`,
    'Message-ID: <inline-cid-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/related; boundary="rel"',
  ],
  `--rel\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>附上事故照片：</p><img src="cid:photo1@mail.example.tw">\r\n--rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <photo1@mail.example.tw>\r\nContent-Disposition: inline; filename="photo.png"\r\n\r\n${b64(PNG)}\r\n--rel--\r\n`,
);
mail(
  'attachment-chinese-filename-rfc2231.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('理賠申請書')}`,
    `Date: ${DATE}`,
    'Message-ID: <att-2231-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mix"',
  ],
  `--mix\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('附上理賠申請書與診斷證明，請查收。')}\r\n--mix\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename*=UTF-8''${encodeURIComponent('理賠申請書.pdf')}\r\n\r\n${b64(Buffer.from('%PDF-1.4\n% sample claim form\n'))}\r\n--mix--\r\n`,
);
mail(
  'attachment-chinese-filename-rfc2047.eml',
  [
    `From: ${CHEN}`,
    `To: ${TO}`,
    `Subject: ${ew('診斷證明書')}`,
    `Date: ${DATE}`,
    'Message-ID: <att-2047-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mix2"',
  ],
  `--mix2\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n請見附件的診斷證明書。\r\n--mix2\r\nContent-Type: image/jpeg; name="${ew('診斷證明書.jpg')}"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="${ew('診斷證明書.jpg')}"\r\n\r\n${b64(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]))}\r\n--mix2--\r\n`,
);
mail(
  'attachment-dangerous-exe.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('保單資料')}`,
    `Date: ${DATE}`,
    'Message-ID: <att-exe-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="mix3"',
  ],
  `--mix3\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n請開啟附件查看。\r\n--mix3\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="保單.pdf.exe"\r\n\r\n${b64(Buffer.from('MZ fake executable'))}\r\n--mix3--\r\n`,
);
mail(
  'forwarded-message-rfc822.eml',
  [
    `From: ${CHEN}`,
    `To: ${TO}`,
    `Subject: ${ew('Fwd: 繳費通知')}`,
    `Date: ${DATE}`,
    'Message-ID: <fwd-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="fwd"',
  ],
  `--fwd\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n轉寄銀行的扣款失敗通知給您。\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\nFrom: bank@bank.example.tw\r\nSubject: Debit failed\r\nMessage-ID: <inner-001@bank.example.tw>\r\n\r\nYour premium debit failed.\r\n--fwd--\r\n`,
);
mail(
  'invalid-base64-with-nul.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('亂碼信件')}`,
    `Date: ${DATE}`,
    'Message-ID: <bad-b64-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
  ],
  `${b64('請問')}AAAAAA==!!!!AAAA\r\n`,
);
mail(
  'crlf-in-display-name.eml',
  [
    `From: =?UTF-8?B?${Buffer.from('王大明\r\nBcc: victim@example.com').toString('base64')}?= <daming.wang@mail.example.tw>`,
    `To: ${TO}`,
    `Subject: =?UTF-8?B?${Buffer.from('保單\r\nBcc: victim@example.com').toString('base64')}?=`,
    `Date: ${DATE}`,
    'Message-ID: <crlf-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '請問保單號碼要去哪裡查？\n',
);
mail(
  'cid-bomb-2000-references.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('很多圖片')}`,
    `Date: ${DATE}`,
    'Message-ID: <cid-bomb-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/related; boundary="cb"',
  ],
  `--cb\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>看圖</p>${'<img src="cid:big@x">'.repeat(2000)}\r\n--cb\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <big@x>\r\n\r\n${b64(Buffer.alloc(20_000, 7))}\r\n--cb--\r\n`,
);
utf8Text('no-message-id.eml', {
  from: WANG,
  subject: '沒有 Message-ID 的來信',
  text: '我的郵件軟體很舊，請問保單借款怎麼申請？',
  id: null,
});
utf8Text('duplicate-message-id-first.eml', {
  from: CHEN,
  subject: '重複寄送的信',
  text: '這封信被寄了兩次。',
  id: 'dup-001@mail.example.tw',
});
utf8Text('duplicate-message-id-second.eml', {
  from: CHEN,
  subject: '重複寄送的信',
  text: '這封信被寄了兩次。',
  id: 'dup-001@mail.example.tw',
  extra: ['X-Resent-By: relay.example.tw'],
});
utf8Text('reused-message-id-different-content.eml', {
  from: CHEN,
  subject: '另一個問題',
  text: '我的郵件軟體重複使用了同一個 Message-ID，但這是另一封信。',
  id: 'dup-001@mail.example.tw',
});
utf8Text('english-question-for-knowledge.eml', {
  from: 'Emily Chen <emily.chen@example.com>',
  subject: 'Changing my address',
  text: 'Hi, I moved to a new apartment. How do I change the mailing address on my policy?',
});
mail(
  'malformed-mime-missing-boundary.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('格式錯誤')}`,
    `Date: ${DATE}`,
    'Message-ID: <malformed-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed',
  ],
  '--nothing\r\nContent-Type: text/plain\r\n\r\nbroken body without a declared boundary\r\n',
);
mail(
  'malformed-header-bomb.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('超大標頭')}`,
    `Date: ${DATE}`,
    'Message-ID: <header-bomb-001@mail.example.tw>',
    ...Array.from({ length: 4000 }, (_, i) => `X-Filler-${i}: ${'x'.repeat(90)}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain',
  ],
  'body\r\n',
);
{
  const parts = Array.from({ length: 1000 }, (_, i) => `--bomb\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join(
    '',
  );
  mail(
    'mime-bomb-1000-parts.eml',
    [
      `From: ${WANG}`,
      `To: ${TO}`,
      `Subject: ${ew('一千個部分')}`,
      `Date: ${DATE}`,
      'Message-ID: <mime-bomb-001@mail.example.tw>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="bomb"',
    ],
    `${parts}--bomb--\r\n`,
  );
}
mail(
  'oversized.eml',
  [
    `From: ${WANG}`,
    `To: ${TO}`,
    `Subject: ${ew('大型附件')}`,
    `Date: ${DATE}`,
    'Message-ID: <oversized-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="big"',
  ],
  `--big\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n附上所有文件掃描檔。\r\n--big\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="scan.zip"\r\n\r\n${b64(Buffer.alloc(300_000, 1))}\r\n--big--\r\n`,
);

// ── Machine mail: every auto-reply header variant ───────────────────────────────────────────
const OOO = '我目前休假中，將於 12/1 回到辦公室。';
const auto = (name: string, extra: string[], from = 'Office Manager <manager@corp.example.tw>') =>
  utf8Text(name, { from, subject: '自動回覆：休假通知', text: OOO, extra });
auto('auto-submitted-auto-replied.eml', ['Auto-Submitted: auto-replied']);
auto('auto-submitted-auto-generated.eml', ['Auto-Submitted: auto-generated']);
auto('auto-submitted-auto-notified.eml', ['Auto-Submitted: auto-notified']);
auto('precedence-bulk.eml', ['Precedence: bulk']);
auto('precedence-junk.eml', ['Precedence: junk']);
auto('precedence-list.eml', ['Precedence: list']);
auto('precedence-auto-reply.eml', ['Precedence: auto_reply']);
auto('x-precedence-bulk.eml', ['X-Precedence: bulk']);
auto('list-id.eml', ['List-Id: <news.insurance.example.tw>']);
auto('list-unsubscribe.eml', ['List-Unsubscribe: <mailto:unsubscribe@news.example.tw>']);
auto('x-autoreply.eml', ['X-Autoreply: yes']);
auto('x-autorespond.eml', ['X-Autorespond: Out of office']);
auto('x-autoresponder.eml', ['X-Autoresponder: yes']);
auto('x-autoreply-from.eml', ['X-AutoReply-From: manager@corp.example.tw']);
auto('x-mail-autoreply.eml', ['X-Mail-Autoreply: yes']);
auto('x-auto-response-suppress-oof.eml', ['X-Auto-Response-Suppress: DR, OOF, AutoReply']);
auto('x-auto-response-suppress-all.eml', ['X-Auto-Response-Suppress: All']);
auto('x-loop.eml', ['X-Loop: helpdesk@corp.example.tw']);
auto('return-path-null.eml', ['Return-Path: <>']);
auto('sender-mailer-daemon.eml', [], 'Mail Delivery System <MAILER-DAEMON@mx.example.tw>');
auto('sender-postmaster.eml', [], 'Postmaster <postmaster@mx.example.tw>');
mail(
  'dsn-bounce.eml',
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.tw>',
    `To: ${TO}`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${DATE}`,
    'Message-ID: <dsn-001@mx.example.tw>',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
  ],
  `--dsn\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis is the mail system at host mx.example.tw.\r\nYour message could not be delivered to {{FROM}}.\r\n--dsn\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.tw\r\n\r\nFinal-Recipient: rfc822; {{FROM}}\r\nOriginal-Recipient: rfc822; {{FROM}}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n--dsn\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: service@kangfu-life.example\r\nTo: {{FROM}}\r\nSubject: [#{{TICKET}}] ack\r\nMessage-ID: <{{IN_REPLY_TO}}>\r\n--dsn--\r\n`,
);
mail(
  'own-acknowledgement-reflected.eml',
  [
    'From: =?UTF-8?B?5bq356aP5Lq65aO95a6i5pyN?= <service@kangfu-life.example>',
    `To: ${TO}`,
    `Subject: [#{{TICKET}}] ${ew('我們已收到您的來信')}`,
    `Date: ${DATE}`,
    'Message-ID: <kefu.reflected0001@kefu.kangfu-life.example>',
    'Auto-Submitted: auto-replied',
    'X-Auto-Response-Suppress: All',
    'X-Kefu-Loop: kefu.kangfu-life.example',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '感謝您來信康福人壽，您的案件編號為 {{TICKET}}。\n',
);

// ── Replies (placeholders filled in by the threading tests) ──────────────────────────────────
mail(
  'reply-by-subject-number.eml',
  [
    'From: {{FROM}}',
    `To: ${TO}`,
    `Subject: ${ew('回覆：')} [#{{TICKET}}] ${ew('補充資料')}`,
    `Date: ${DATE}`,
    'Message-ID: <reply-subject-001@mail.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '補充：我的保單號碼是 ABC1234567。\n',
);
mail(
  'reply-by-in-reply-to.eml',
  [
    'From: {{FROM}}',
    `To: ${TO}`,
    `Subject: ${ew('回覆：補充說明')}`,
    `Date: ${DATE}`,
    'Message-ID: <reply-irt-001@mail.example.tw>',
    'In-Reply-To: <{{IN_REPLY_TO}}>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '謝謝回覆，我明天會把文件寄過去。\n',
);
mail(
  'reply-by-references-only.eml',
  [
    'From: {{FROM}}',
    `To: ${TO}`,
    `Subject: ${ew('再補充一點')}`,
    `Date: ${DATE}`,
    'Message-ID: <reply-refs-001@mail.example.tw>',
    'References: <unknown-001@elsewhere.example> <{{REFERENCES}}>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '另外想確認一下辦理時間。\n',
);
mail(
  'stranger-quotes-ticket-number.eml',
  [
    'From: =?UTF-8?B?6Zmz5byP5piO?= <stranger@other.example.tw>',
    `To: ${TO}`,
    `Subject: ${ew('關於')} [#{{TICKET}}]`,
    `Date: ${DATE}`,
    'Message-ID: <stranger-001@other.example.tw>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
  ],
  '我看到朋友的案件編號，想問一樣的問題。\n',
);

fs.mkdirSync(DIR, { recursive: true });
for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(DIR, name), data);
console.log(`${Object.keys(files).length} fixtures written to ${DIR}`);
