/**
 * The travel insurance Done-when over the real Direct Line endpoint and the real composition
 * root: 「12/24到1/3 全家去首爾，我跟老公都40，女兒9歲」 gives a quote with three travellers, 11
 * days, the under-15 cap and a total; the application is completed in the chat; the issuance
 * ticket exists; and the confirmation email arrives at the (test) SMTP server.
 */
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import type { RunningKefu } from '../../../app/start';
import { zonedInstant } from '../../../handoff/calendar/business-hours';
import { type SmtpCapture, startSmtpCapture } from '../../support/smtp-capture';
import { type Activity, dl, repliesTo, startConversation, startTestKefu, waitForActivities } from './harness';

const kefuOf = (a: Activity) => a.channelData?.kefu ?? {};
const cardText = (a: Activity) => (a.attachments ?? []).flatMap((att) => JSON.stringify(att.content ?? {})).join(' ');

describe('travel insurance over web chat, quote to confirmation email', function () {
  this.timeout(90_000);
  let kefu: RunningKefu;
  let smtp: SmtpCapture;

  before(async () => {
    smtp = await startSmtpCapture();
    kefu = await startTestKefu(
      { SMTP_HOST: smtp.host, SMTP_PORT: String(smtp.port), SMTP_SECURE: 'false' },
      // Friday 2026-11-27 10:00 in Taipei: "12/24" is next month.
      { clock: new ManualClock(zonedInstant('2026-11-27', 10 * 60, 'Asia/Taipei')) },
    );
  });
  after(async () => {
    await kefu?.stop();
    await smtp?.close();
  });

  it('quotes the family trip, takes the application and emails the confirmation', async () => {
    const c = await startConversation(kefu.url);
    const say = async (text: string): Promise<Activity[]> => {
      const posted = await dl(kefu.url, c.token, 'POST', `/conversations/${c.conversationId}/activities`, {
        type: 'message',
        text,
        from: { id: c.userId },
        locale: 'zh-TW',
      });
      expect(posted.status, JSON.stringify(posted.json)).to.equal(200);
      const id = posted.json.id as string;
      const all = await waitForActivities(
        kefu.url,
        c.token,
        c.conversationId,
        (acts) => repliesTo(acts, id).length > 0,
      );
      // Give the turn a moment to send its last message, then read all replies to this message.
      await new Promise((r) => setTimeout(r, 150));
      const again = await waitForActivities(kefu.url, c.token, c.conversationId, () => true);
      return repliesTo(again.length >= all.length ? again : all, id);
    };
    const text = (acts: Activity[]) => acts.map((a) => `${a.text ?? ''} ${cardText(a)}`).join('\n');

    const quote = await say('12/24到1/3 全家去首爾，我跟老公都40，女兒9歲');
    const quoted = quote.find((a) => kefuOf(a)['quote'] !== undefined);
    expect(quoted, text(quote)).to.not.equal(undefined);
    const q = kefuOf(quoted!)['quote'] as {
      request: { days: number; region: string; travellers: Array<{ age: number }> };
      lines: Array<{ under15DeathCapApplied: boolean }>;
      totalTWD: number;
    };
    expect(kefuOf(quoted!)['intent']).to.equal('travel-quote');
    expect(q.request.days).to.equal(11);
    expect(q.request.region).to.equal('asia');
    expect(q.request.travellers.map((t) => t.age)).to.deep.equal([40, 40, 9]);
    expect(q.lines.map((l) => l.under15DeathCapApplied)).to.deep.equal([false, false, true]);
    expect(q.totalTWD).to.be.greaterThan(0);
    expect(text(quote)).to.match(/69萬|690,000/);

    expect(text(await say('我要投保'))).to.match(/第 1 位（本人，40歲）/);
    await say('王美玲');
    expect(text(await say('B223456782'))).to.match(/出生日期/);
    expect(text(await say('1986-02-14'))).to.match(/第 2 位（配偶，40歲）/);
    await say('陳志明');
    await say('F131104093');
    expect(text(await say('1986-05-03'))).to.match(/第 3 位（子女，9歲）/);
    await say('陳小安');
    await say('A800000014');
    expect(text(await say('2017-06-01'))).to.match(/Email/);
    expect(text(await say('meiling.wang@example.com.tw'))).to.match(/法定繼承人/);
    expect(text(await say('維持法定繼承人'))).to.match(/我同意/);
    const done = await say('我同意');
    const doneText = text(done);
    const applicationNumber = /TA\d{8}-\d{5}/.exec(doneText)?.[0];
    expect(applicationNumber, doneText).to.be.a('string');

    // The issuance ticket, with masked IDs only.
    const ticketRef = done.map((a) => kefuOf(a)['ticket'] as { number?: string } | undefined).find((t) => t?.number);
    const ticket = await kefu.tickets.get(ticketRef!.number!);
    expect(ticket.type).to.equal('travel-application');
    expect(JSON.stringify(ticket)).not.to.contain('B223456782');

    // The confirmation email leaves through the outbox (the timer runner sends it).
    await kefu.timers.tick();
    const mail = await smtp.waitFor((m) => m.rcptTo.includes('meiling.wang@example.com.tw'), 20_000);
    expect(mail.parsed.subject).to.contain(`[#${ticket.number}]`);
    expect(mail.parsed.text).to.contain(applicationNumber!);
    expect(mail.parsed.text).to.contain('付款方式');
    expect(mail.parsed.text).not.to.contain('B223456782');
    expect(String(mail.parsed.headers.get('auto-submitted'))).to.match(/auto-generated/);
  });
});
