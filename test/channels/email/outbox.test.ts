import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../app/clock';
import { TimerRunner } from '../../../app/timer-runner';
import { createOutbox, OUTBOX_COLLECTION, OUTBOX_TIMER_KIND } from '../../../channels/email/outbox';
import { createSmtpSender } from '../../../channels/email/smtp-sender';
import { lookupThreadId } from '../../../channels/email/thread-ids';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { type SmtpCapture, startSmtpCapture } from '../../support/smtp-capture';
import { nth, OWN_DOMAIN, silentLog } from './support/harness';

describe('channels/email outbox (real smtp-server)', () => {
  let smtp: SmtpCapture;
  let store: Store;
  let dir: string;
  const clock = new ManualClock();

  beforeEach(async () => {
    smtp = await startSmtpCapture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-outbox-'));
    store = await openSqliteStore({ file: path.join(dir, 'k.sqlite'), log: silentLog });
  });
  afterEach(async () => {
    await smtp.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function setup() {
    const sender = createSmtpSender({ host: smtp.host, port: smtp.port, secure: false, ignoreTLS: true });
    const outbox = createOutbox({
      store,
      clock,
      log: silentLog,
      sender,
      from: '康福人壽客服 <service@kangfu-life.example>',
      messageIdDomain: OWN_DOMAIN,
    });
    const timers = new TimerRunner({ store, clock, log: silentLog });
    timers.on(OUTBOX_TIMER_KIND, (t) => outbox.handle(t));
    return { outbox, timers, sender };
  }

  it('sends each message once with loop markers, our Message-ID and threading headers', async () => {
    const { outbox, timers, sender } = setup();
    const input = {
      id: 'ack:K-000001:a',
      kind: 'ack' as const,
      ticket: 'K-000001',
      to: 'xiaoming.wang@mail.example.tw',
      subject: '[#K-000001] 我們已收到您的來信',
      text: '您好',
      inReplyTo: 'orig-1@mail.example.tw',
      references: ['orig-1@mail.example.tw'],
    };
    const first = await outbox.enqueue(input);
    const again = await outbox.enqueue(input);
    expect(again.messageId).to.equal(first.messageId);
    await timers.tick();
    await timers.tick();
    expect(smtp.messages).to.have.length(1);
    const m = nth(smtp.messages, 0);
    expect(m.parsed.subject).to.equal('[#K-000001] 我們已收到您的來信');
    expect(m.parsed.messageId).to.equal(`<${first.messageId}>`);
    expect(first.messageId.endsWith(`@${OWN_DOMAIN}`)).to.equal(true);
    expect(m.parsed.inReplyTo).to.equal('<orig-1@mail.example.tw>');
    expect(m.parsed.headers.get('auto-submitted')).to.equal('auto-replied');
    expect(m.parsed.headers.get('x-auto-response-suppress')).to.equal('All');
    expect(m.parsed.headers.get('x-kefu-loop')).to.equal(OWN_DOMAIN);
    expect((await outbox.get(input.id))?.status).to.equal('sent');
    expect((await lookupThreadId(store, first.messageId))?.ticket).to.equal('K-000001');
    await sender.close();
  });

  it('retries with backoff when the SMTP server fails temporarily', async () => {
    const { outbox, timers, sender } = setup();
    smtp.failNext(2);
    await outbox.enqueue({
      id: 'reply:K-000002:x',
      kind: 'reply',
      ticket: 'K-000002',
      to: 'a@mail.example.tw',
      subject: 'Re: [#K-000002] 問題',
      text: '回覆內容',
    });
    await timers.tick();
    expect(smtp.rejected).to.have.length(1);
    expect((await outbox.get('reply:K-000002:x'))?.status).to.equal('pending');
    await timers.tick(); // not due yet
    expect(smtp.rejected).to.have.length(1);
    clock.advance(15_000);
    await timers.tick();
    expect(smtp.rejected).to.have.length(2);
    clock.advance(30_000);
    await timers.tick();
    expect(smtp.messages).to.have.length(1);
    const sent = await outbox.get('reply:K-000002:x');
    expect(sent).to.include({ status: 'sent', attempts: 3 });
    expect(nth(smtp.messages, 0).parsed.headers.get('auto-submitted')).to.equal('auto-generated');
    await sender.close();
  });

  it('never sends an acknowledgement twice when a process died during SMTP (at most once)', async () => {
    const { outbox, timers, sender } = setup();
    await outbox.enqueue({
      id: 'ack:K-000003:y',
      kind: 'ack',
      ticket: 'K-000003',
      to: 'b@mail.example.tw',
      subject: '[#K-000003] ack',
      text: 'x',
    });
    // Simulate the crash: the record says "sending" and the timer is still there.
    const rec = await store.records.get(OUTBOX_COLLECTION, 'ack:K-000003:y');
    await store.records.replace(OUTBOX_COLLECTION, 'ack:K-000003:y', rec?.version ?? 0, {
      ...(rec?.value as object),
      status: 'sending',
    });
    await timers.tick();
    expect(smtp.messages).to.have.length(0);
    expect((await outbox.get('ack:K-000003:y'))?.status).to.equal('unknown');
    await sender.close();
  });

  it('strips CR/LF from every header it writes', async () => {
    const { outbox, timers, sender } = setup();
    await outbox.enqueue({
      id: 'notice:1',
      kind: 'notice',
      ticket: 'K-000004',
      to: 'c@mail.example.tw',
      subject: 'Hi\r\nBcc: victim@example.com',
      text: 'x',
    });
    await timers.tick();
    expect(smtp.messages).to.have.length(1);
    expect(nth(smtp.messages, 0).rcptTo).to.deep.equal(['c@mail.example.tw']);
    expect(nth(smtp.messages, 0).parsed.headers.has('bcc')).to.equal(false);
    await sender.close();
  });
});
