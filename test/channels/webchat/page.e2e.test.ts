/**
 * The chat page end to end in a real browser (Debian chromium driven by playwright-core) on
 * a phone-sized screen: the official Web Chat bundle connects to the self-hosted Direct Line,
 * the zh-TW welcome card (an Adaptive Card) and its buttons appear, a typed question is
 * answered, the language switch turns the page and the bot to English, and the strict CSP
 * blocks nothing Web Chat needs. Screenshots go to test-artifacts/ for a person to look at.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR as ARTIFACTS, type LaunchedChromium, launchChromium } from '../../support/chromium';
import type { RunningKefu } from '../../../app/start';
import { startTestKefu } from './harness';

describe('the web chat page in Chromium (390×844 phone screen)', function () {
  this.timeout(90_000);
  let kefu: RunningKefu;
  let context: BrowserContext;
  let page: Page;
  let browser: LaunchedChromium | undefined;
  const problems: string[] = [];

  before(async () => {
    kefu = await startTestKefu({ BRAND_NAME_ZH: '康福人壽', BRAND_NAME_EN: 'Kangfu Life', BRAND_COLOR: '#0b6e4f' });
    browser = await launchChromium({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-TW',
    });
    context = browser.context;
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
        problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await kefu?.stop();
  });

  const sendBox = () => page.locator('[data-id="webchat-sendbox-input"]');
  /** A button of the suggested actions under the last bot message. */
  const suggested = (name: string) => page.getByRole('toolbar').getByRole('button', { name, exact: true });
  /** The latest bubble in the transcript containing the text. */
  const bubble = (text: string) => page.locator('.webchat__bubble__content').filter({ hasText: text }).last();
  const say = async (text: string) => {
    await sendBox().fill(text);
    await sendBox().press('Enter');
  };

  it('shows the zh-TW welcome card with the six menu buttons, under a strict CSP', async () => {
    const response = await page.goto(kefu.url, { waitUntil: 'domcontentloaded' });
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).to.contain("default-src 'none'").and.contain("script-src 'self'");
    expect(csp).to.not.contain('unsafe-inline');
    await page.getByText('歡迎來到康福人壽線上客服', { exact: false }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.ac-adaptiveCard').count()).to.be.greaterThan(0);
    for (const label of ['常見問題', '旅平險試算', '地址變更', '查詢進度', '我要申訴', '轉真人客服']) {
      await suggested(label).waitFor({ timeout: 5000 });
    }
    expect(await page.locator('#kefu-lang-zh').getAttribute('aria-pressed')).to.equal('true');
    // Web Chat's own "connecting" notice goes away once Direct Line is online.
    await page.locator('.webchat__connectivityStatus').waitFor({ state: 'hidden', timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webchat-welcome-zh-TW.png') });
  });

  it('answers a welcome button (常見問題) and a typed question', async () => {
    await suggested('常見問題').click();
    await bubble('以下是大家最常問的問題').waitFor({ timeout: 10_000 });
    await say('保費忘了繳，寬限期多久？');
    await bubble('寬限期間').waitFor({ timeout: 10_000 });
    // Web Chat marks a message "Send failed" when the server's echo does not come back.
    expect(await page.getByText(/Send failed|傳送失敗|無法傳送/).count()).to.equal(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'webchat-answer-zh-TW.png') });
  });

  it('switches the page and the bot to English', async () => {
    await page.locator('#kefu-lang-en').click();
    await page.getByText('welcome to Kangfu Life online service', { exact: false }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#kefu-brand').textContent()).to.equal('Kangfu Life');
    expect(await page.locator('#kefu-lang-en').getAttribute('aria-pressed')).to.equal('true');
    await suggested('Talk to an agent').waitFor({ timeout: 5000 });
    await say('How long is the grace period?');
    await bubble('30-day').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webchat-english.png') });
  });

  it('resumes the same conversation after a page reload, in the chosen language', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await bubble('30-day').waitFor({ timeout: 20_000 });
    await bubble('寬限期間').waitFor({ timeout: 5000 });
    expect(await page.locator('#kefu-brand').textContent()).to.equal('Kangfu Life');
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });
});
