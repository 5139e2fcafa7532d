/**
 * The console in a real browser (Debian chromium driven by playwright-core) on a laptop
 * screen: an agent signs in, sees the tickets offered to them, opens a chat ticket, accepts
 * it and replies (the customer's web chat receives the reply); a ticket whose subject,
 * customer name and email HTML carry script payloads runs none of them; a team lead sees the
 * dashboard. Screenshots go to test-artifacts/console-*.png for a person to look at.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR as ARTIFACTS, type LaunchedChromium, launchChromium } from '../support/chromium';
import type { Ticket } from '../../handoff/tickets/ticket';
import { AGENT_PASSWORD, addAgent, startTestKefu, type TestKefu } from './support';

const XSS_SUBJECT = `保費繳納<img src=x onerror="window.__xss='subject-img'"><script>window.__xss='subject-script'</script>`;
const XSS_NAME = `<svg onload="window.__xss='name'">陳大文`;
const XSS_TEXT = `<script>window.__xss='text'</script>請問保費如何繳納？`;
const XSS_HTML = [
  '<p>您好，<b>請協助</b>確認保費。</p>',
  `<script>parent.__xss='html-script'; window.top.__xss='html-script'</script>`,
  `<img src="x" onerror="parent.__xss='html-img'">`,
  `<a href="javascript:parent.__xss='html-link'">點我 click</a>`,
  `<iframe src="javascript:parent.__xss='html-iframe'"></iframe>`,
  `<div style="background:url(javascript:parent.__xss='css')" onclick="parent.__xss='click'">謝謝</div>`,
].join('\n');

describe('the console in Chromium (1440×900 laptop screen)', function () {
  this.timeout(120_000);
  let t: TestKefu;
  let context: BrowserContext;
  let page: Page;
  let browser: LaunchedChromium | undefined;
  let chatTicket: Ticket;
  let xssTicket: Ticket;
  let chat: { conversationId: string; token: string };
  const problems: string[] = [];
  const dialogs: string[] = [];
  /** The answer to give the next prompt the page opens on purpose (the unmask reason). */
  let promptAnswer: string | undefined;

  before(async () => {
    t = await startTestKefu();
    const base = t.kefu.url;
    await addAgent(t.kefu, 'mei', { name: '陳美玲 Mei', live: 2, callback: 5 });
    await addAgent(t.kefu, 'lin', { role: 'lead', name: '林組長 Lin', live: 0, callback: 0 });
    await t.kefu.handoff.presence.set('mei', 'online');

    const tok = (await (await fetch(`${base}/api/v1/webchat/token`, { method: 'POST' })).json()) as { token: string };
    const conv = await fetch(`${base}/v3/directline/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const c = (await conv.json()) as { conversationId: string; token?: string };
    chat = { conversationId: c.conversationId, token: c.token ?? tok.token };

    chatTicket = await t.kefu.tickets.open({
      type: 'chat-handoff',
      channel: 'webchat',
      subject: '想詢問保單借款利率',
      customer: { name: '黃美華', conversationId: chat.conversationId, lang: 'zh-TW' },
      status: 'queued',
      actor: { kind: 'bot' },
      firstMessage: { text: '你好，我要找真人客服，身分證 A123456789' },
    });
    await t.kefu.handoff.assignment.enqueue(chatTicket.number);

    xssTicket = await t.kefu.tickets.open({
      type: 'email',
      channel: 'email',
      subject: XSS_SUBJECT,
      customer: { name: XSS_NAME, email: 'chen.dawen@example.com.tw', lang: 'zh-TW' },
      status: 'queued',
      actor: { kind: 'customer', name: XSS_NAME },
      firstMessage: { text: XSS_TEXT, meta: { html: XSS_HTML, from: 'chen.dawen@example.com.tw', fromName: XSS_NAME } },
    });
    await t.kefu.handoff.assignment.enqueue(xssTicket.number);

    browser = await launchChromium({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-TW',
    });
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      // HTTP failures are judged by URL below; everything else logged as an error is a problem.
      if (/Failed to load resource/.test(msg.text())) return;
      if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
        problems.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      // Before signing in, the page asks who it is and is told 401: that is the sign-in flow.
      const expected = res.status() === 401 && res.url().endsWith('/api/v1/auth/me');
      if (res.status() >= 400 && !expected) problems.push(`HTTP ${res.status()} for ${res.url()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('dialog', async (d) => {
      if (d.type() === 'prompt' && promptAnswer !== undefined) {
        await d.accept(promptAnswer);
        promptAnswer = undefined;
        return;
      }
      dialogs.push(d.message());
      await d.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the console with a strict CSP and signs an agent in through the form', async () => {
    const response = await page.goto(`${t.kefu.url}/console`, { waitUntil: 'domcontentloaded' });
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.not.include('unsafe-inline');
    await page.locator('#login-form').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-login.png') });
    await page.fill('#login-username', 'mei');
    await page.fill('#login-password', AGENT_PASSWORD);
    await page.click('#login-submit');
    await page.locator('#app-view').waitFor();
    expect(await page.textContent('#me-name')).to.equal('陳美玲 Mei');
    await page.locator('#presence button.on[data-presence="online"]').waitFor();
  });

  it('lists the tickets offered to the agent, opens the chat ticket, accepts it and replies into the web chat', async () => {
    const row = page.locator(`#ticket-list li[data-number="${chatTicket.number}"]`);
    await row.waitFor();
    await page.locator(`#ticket-list li[data-number="${xssTicket.number}"]`).waitFor();
    await row.click();
    await page.locator('#t-number', { hasText: chatTicket.number }).waitFor();
    // Masked in the view too.
    expect(await page.textContent('#t-cust-name')).to.equal('黃*華');
    expect(await page.locator('#history').textContent()).to.include('A12345****');
    await page.click('[data-action="accept"]');
    await page.locator('#t-status', { hasText: '處理中' }).waitFor();
    const reply = '黃小姐您好，我是客服陳美玲，保單借款利率目前為 5.2%。';
    await page.fill('#reply-text', reply);
    await page.click('#reply-button');
    await page.locator('#history .agent .bubble', { hasText: reply }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-agent-ticket.png') });

    const r = await fetch(`${t.kefu.url}/v3/directline/conversations/${chat.conversationId}/activities`, {
      headers: { authorization: `Bearer ${chat.token}` },
    });
    const { activities } = (await r.json()) as { activities: Array<{ text?: string; from: { id: string } }> };
    expect(activities.some((a) => a.text === reply && a.from.id === 'agent:mei')).to.equal(true);
    const history = await t.kefu.tickets.history(chatTicket.number);
    expect(history.some((e) => e.type === 'message' && e.data.text === reply && e.actor.id === 'mei')).to.equal(true);
  });

  it('runs none of the script in a subject, customer name, message text or email HTML', async () => {
    await page.locator(`#ticket-list li[data-number="${xssTicket.number}"]`).click();
    await page.locator('#t-number', { hasText: xssTicket.number }).waitFor();
    const frame = page.locator('#history iframe');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).to.equal('');
    const emailFrame = page.frames().find((f) => f !== page.mainFrame() && f.parentFrame() === page.mainFrame());
    expect(emailFrame, 'the email body frame').to.not.equal(undefined);
    await emailFrame!.locator('body', { hasText: '請協助' }).waitFor();
    expect(await emailFrame!.locator('script, iframe, [onerror], [onclick], [style]').count()).to.equal(0);
    expect(await emailFrame!.locator('a').getAttribute('href')).to.equal(null);
    // Clicking what is left does nothing either.
    await emailFrame!.locator('a', { hasText: '點我' }).click();
    await emailFrame!.locator('div', { hasText: '謝謝' }).click();
    // The hostile strings are shown as text, literally.
    expect(await page.textContent('#t-subject')).to.include('<script>');
    expect(await page.locator(`#ticket-list li[data-number="${xssTicket.number}"] .subject`).textContent()).to.include(
      'onerror=',
    );
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-xss-email.png') });
    const flag = await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss ?? null);
    expect(flag, 'no payload ran').to.equal(null);
    expect(dialogs).to.deep.equal([]);
    expect(
      await page.locator('#ticket-list img, #ticket-list svg, #ticket-view script, #t-subject img').count(),
    ).to.equal(0);
  });

  it('shows a team lead the dashboard and lets the lead unmask a ticket, audited', async () => {
    await page.click('#logout');
    await page.locator('#login-form').waitFor();
    await page.fill('#login-username', 'lin');
    await page.fill('#login-password', AGENT_PASSWORD);
    await page.click('#login-submit');
    await page.locator('#tab-dashboard').waitFor();
    await page.click('#tab-dashboard');
    await page.locator('#agent-rows tr').first().waitFor();
    expect(await page.locator('#agent-rows').textContent()).to.include('陳美玲 Mei');
    expect(await page.textContent('#m-presence')).to.match(/^1 \/ 2$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-dashboard.png') });

    // The lead unmasks a ticket's personal data: shown in full, and audited.
    await page.click('[data-tab="all"]');
    await page.locator(`#ticket-list li[data-number="${chatTicket.number}"]`).click();
    await page.locator('#t-cust-name', { hasText: '黃*華' }).waitFor();
    const auditBefore = await t.kefu.store.streams.lastSeq('audit');
    promptAnswer = '客戶來電要求核對資料';
    await page.click('[data-action="unmask"]');
    await page.locator('#t-cust-name', { hasText: '黃美華' }).waitFor();
    expect(await page.locator('#history').textContent()).to.include('A123456789');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-unmasked.png') });
    const audit = await t.kefu.store.streams.range<{ action: string; actor: { userId: string } }>('audit', auditBefore);
    expect(audit.map((e) => [e.value.action, e.value.actor.userId])).to.deep.equal([['unmask', 'lin']]);
    const flag = await page.evaluate(() => (globalThis as unknown as { __xss?: string }).__xss ?? null);
    expect(flag).to.equal(null);
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
