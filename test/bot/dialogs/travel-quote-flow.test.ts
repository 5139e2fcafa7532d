import { expect } from 'chai';
import {
  continueTravelFlow,
  type FlowOutput,
  startTravelFlow,
  type TravelApplicationPort,
  type TravelFlowContext,
  type TravelFlowState,
} from '../../../bot/dialogs/travel-quote-flow';
import { loadRateTableFile } from '../../../knowledge/travel';
import type { Lang } from '../../../knowledge/types';

const RATES = loadRateTableFile();
const TODAY = '2026-11-27';

/** An in-memory application service: records what was submitted and numbers applications. */
class RecordingApplications implements TravelApplicationPort {
  readonly submitted: Parameters<TravelApplicationPort['submit']>[0][] = [];
  fail = false;
  async submit(input: Parameters<TravelApplicationPort['submit']>[0]) {
    if (this.fail) throw new Error('store down');
    this.submitted.push(input);
    return {
      applicationNumber: `TA-2026-${String(this.submitted.length).padStart(6, '0')}`,
      ticketNumber: `K-${this.submitted.length}`,
    };
  }
}

interface Turn {
  user: string;
  /** Every pattern must match the joined reply texts. */
  bot: RegExp[];
  /** Checks on the output. */
  check?: (o: FlowOutput) => void;
}

async function run(lang: Lang, turns: Turn[], extra: Partial<TravelFlowContext> = {}): Promise<FlowOutput[]> {
  const ctx: TravelFlowContext = { lang, today: TODAY, rates: RATES, conversationId: 'conv-1', ...extra };
  let state: TravelFlowState | undefined;
  const outs: FlowOutput[] = [];
  for (const [i, t] of turns.entries()) {
    const o: FlowOutput = state
      ? await continueTravelFlow(state, { text: t.user }, ctx)
      : await startTravelFlow(t.user, ctx);
    const said = o.replies.map((r) => r.text).join('\n');
    for (const re of t.bot) expect(said, `turn ${i + 1} 「${t.user}」`).to.match(re);
    expect(o.kefu.intent).to.equal('travel-quote');
    t.check?.(o);
    outs.push(o);
    state = o.state;
  }
  return outs;
}

const quoted = (o: FlowOutput) => {
  expect(o.kefu.quote, 'kefu.quote').to.be.an('object');
  expect(o.replies[0]!.card, 'quote card').to.be.an('object');
};
const total = (o: FlowOutput) => (o.kefu.quote as { totalTWD: number }).totalTWD;

describe('travel quote dialog transcripts (zh-TW)', () => {
  it('one-shot: the Done-when family trip gives a quote card with three travellers, 11 days, the under-15 cap and a total', async () => {
    const [o] = await run('zh-TW', [
      {
        user: '12/24到1/3 全家去首爾，我跟老公都40，女兒9歲',
        bot: [/11 天、3 位，總保費 963元/, /保額先以 500萬元試算/],
        check: quoted,
      },
    ]);
    const q = o!.kefu.quote as { lines: { age: number }[]; notices: { code: string }[]; request: { days: number } };
    expect(q.lines.map((l) => l.age)).to.deep.equal([40, 40, 9]);
    expect(q.request.days).to.equal(11);
    expect(q.notices.map((n) => n.code)).to.deep.equal(['TRAVEL_UNDER15_DEATH_CAP']);
    expect(JSON.stringify(o!.replies[0]!.card)).to.contain('喪葬費用 69萬元為限');
  });

  it('slot by slot from the menu button, asking only for what is missing', async () => {
    await run('zh-TW', [
      { user: '旅平險試算', bot: [/請問要去哪裡/] },
      { user: '東京', bot: [/哪一天出發/] },
      { user: '下週五', bot: [/一共幾天/] },
      { user: '5', bot: [/哪幾位要投保/] },
      { user: '我跟老婆', bot: [/每位旅客的年齡/] },
      { user: '40 38', bot: [/5 天、2 位，總保費 450元/], check: quoted },
    ]);
  });

  it('corrections after the quote give a new quote', async () => {
    const outs = await run('zh-TW', [
      { user: '下週五去東京5天 我跟老婆都35 保500萬', bot: [/5 天、2 位/], check: quoted },
      { user: '改成10天', bot: [/10 天、2 位/], check: quoted },
      { user: '再加我媽 65歲', bot: [/10 天、3 位/], check: quoted },
      { user: '保額改300萬', bot: [/10 天、3 位/], check: quoted },
      { user: '加海外突發疾病', bot: [/10 天、3 位/], check: quoted },
      { user: '不要海外突發疾病', bot: [/10 天、3 位/], check: quoted },
    ]);
    const totals = outs.map(total);
    expect(totals[1]).to.be.greaterThan(totals[0]!);
    expect(totals[2]).to.be.greaterThan(totals[1]!);
    expect(totals[3]).to.be.lessThan(totals[2]!);
    expect(totals[4]).to.be.greaterThan(totals[3]!);
    expect(totals[5]).to.equal(totals[3]);
  });

  it('an 81-year-old cannot be insured online and is offered an agent', async () => {
    const [o] = await run('zh-TW', [{ user: '12/10去大阪5天 我爸81歲 保300萬', bot: [/年齡上限是 80 歲/] }]);
    expect(o!.kefu.quote).to.equal(undefined);
    expect(o!.replies[0]!.actions).to.include('轉真人客服');
  });

  it('a 75-year-old at 1000萬 is offered the age cap and then quoted', async () => {
    await run('zh-TW', [
      {
        user: '12/10去大阪5天 我75歲 保1000萬',
        bot: [/保額最高 500萬元/],
        check: (o) => expect(o.replies[0]!.actions).to.include('保額改500萬'),
      },
      { user: '保額改500萬', bot: [/5 天、1 位/], check: quoted },
    ]);
  });

  it('a 200-day trip is refused with the 180-day limit and can be shortened', async () => {
    await run('zh-TW', [
      {
        user: '12/10去澳洲遊學200天 我22歲',
        bot: [/最長可投保 180 天，這趟是 200 天/],
        check: (o) => expect(o.replies[0]!.actions).to.include('改成180天'),
      },
      { user: '改成180天', bot: [/180 天、1 位/], check: quoted },
    ]);
  });

  it('a past date asks for a new departure and reads the answer as a date', async () => {
    await run('zh-TW', [
      { user: '11/20出發去日本5天 我30歲', bot: [/出發日 2026-11-20 已經過了/] },
      {
        user: '12/20',
        bot: [/5 天、1 位/],
        check: (o) =>
          expect((o.kefu.quote as { request: { departureDate: string } }).request.departureDate).to.equal('2026-12-20'),
      },
    ]);
  });

  it('a vague date is asked again with the phrase quoted', async () => {
    await run('zh-TW', [{ user: '下個月中去日本 我跟老婆', bot: [/「下個月中」是哪一天/] }]);
  });

  it('cancel ends the dialog', async () => {
    const outs = await run('zh-TW', [
      { user: '去東京', bot: [/哪一天出發/] },
      { user: '取消', bot: [/已取消/] },
    ]);
    expect(outs[1]!.end).to.equal(true);
  });
});

describe('travel quote dialog transcripts (English)', () => {
  it('one-shot English request with a child', async () => {
    const [o] = await run('en', [
      {
        user: 'two adults aged 40 and 38 and a kid of 9, Dec 24 - Jan 3, Seoul, NT$5M',
        bot: [/11 days, 3 traveller\(s\), total premium NT\$963/],
      },
    ]);
    quoted(o!);
  });

  it('slot by slot in English, then a correction', async () => {
    await run('en', [
      { user: 'I need travel insurance', bot: [/Where are you going/] },
      { user: 'Paris', bot: [/When do you leave/] },
      { user: 'Dec 20', bot: [/How many days/] },
      { user: '10', bot: [/How old is each traveller|Who is travelling/] },
      { user: 'me, 45', bot: [/10 days, 1 traveller/], check: quoted },
      { user: 'add my wife, 43', bot: [/10 days, 2 traveller/], check: quoted },
    ]);
  });

  it('an 81-year-old and a past date are explained in English', async () => {
    await run('en', [{ user: 'my dad, 81, to Tokyo on Nov 20 for 5 days', bot: [/has passed/, /up to age 80/] }]);
  });
});

describe('travel application over chat', () => {
  const familyToQuote: Turn[] = [{ user: '12/24到1/3 全家去首爾，我跟老公都40，女兒9歲', bot: [/總保費/] }];

  it('collects every traveller, checks IDs and birth dates, submits, and replies with the application number', async () => {
    const apps = new RecordingApplications();
    const outs = await run(
      'zh-TW',
      [
        ...familyToQuote,
        { user: '我要投保', bot: [/共 3 位被保險人/, /第 1 位（本人，40歲）：請輸入被保險人的姓名/] },
        { user: '王美玲', bot: [/身分證字號或居留證號/] },
        { user: 'B223456783', bot: [/檢查碼不符/] },
        { user: 'B223456782', bot: [/B22345\*\*\*\*/, /出生日期/] },
        { user: '1990-01-01', bot: [/出發當天是 36 歲，但試算用的是 40 歲/] },
        { user: '1986-02-14', bot: [/第 2 位（配偶，40歲）/] },
        { user: '陳志明', bot: [/證號|居留證/] },
        { user: 'F131104093', bot: [/出生日期/] },
        { user: '民國75年5月3日', bot: [/第 3 位（子女，9歲）/] },
        { user: '陳小安', bot: [/居留證/] },
        { user: 'A800000014', bot: [/出生日期/] },
        { user: '2017-06-01', bot: [/要保人為 王\*玲/, /Email/] },
        { user: 'meiling@', bot: [/格式不正確/] },
        { user: 'meiling.wang@example.com.tw', bot: [/法定繼承人/] },
        { user: '維持法定繼承人', bot: [/個人資料告知事項/, /我同意/] },
        { user: '好像可以', bot: [/明確回覆「我同意」/] },
        { user: '我同意', bot: [/申請編號 TA-2026-000001/, /m\*\*\*@example\.com\.tw/, /付款/] },
      ],
      { applications: apps },
    );
    const last = outs.at(-1)!;
    expect(last.end).to.equal(true);
    expect(last.kefu.ticket).to.deep.equal({ applicationNumber: 'TA-2026-000001', number: 'K-1' });
    expect(apps.submitted).to.have.length(1);
    const sent = apps.submitted[0]!;
    expect(sent.application.travellers.map((t) => t.nationalId)).to.deep.equal([
      'B223456782',
      'F131104093',
      'A800000014',
    ]);
    expect(sent.application.policyholder).to.include({ name: '王美玲', travellerIndex: 0 });
    expect(sent.application.beneficiary).to.deep.equal({ kind: 'legal-heirs' });
    expect(sent.application.consents).to.deep.equal({ terms: true, personalData: true });
    expect(sent.quote.totalTWD).to.equal(963);
    // No reply ever shows a full ID number.
    const all = outs.flatMap((o) => o.replies.map((r) => r.text)).join('\n');
    expect(all).not.to.match(/B223456782|F131104093|A800000014/);
  });

  it('asks for an adult policyholder when only a child travels', async () => {
    const apps = new RecordingApplications();
    await run(
      'zh-TW',
      [
        { user: '幫我女兒保 她16歲 12/24去東京5天 保300萬', bot: [/5 天、1 位/] },
        { user: '我要投保', bot: [/第 1 位（子女，16歲）/] },
        { user: '陳小安', bot: [/證號/] },
        { user: 'A800000014', bot: [/出生日期/] },
        { user: '2010-03-01', bot: [/要保人需為成年人/, /要保人：請輸入被保險人的姓名/] },
        { user: '王美玲', bot: [/證號/] },
        { user: 'B223456782', bot: [/出生日期/] },
        { user: '1986-02-14', bot: [/Email/] },
      ],
      { applications: apps },
    );
  });

  it('refuses a minor as policyholder at submission', async () => {
    const apps = new RecordingApplications();
    const outs = await run(
      'zh-TW',
      [
        { user: '幫我女兒保 她16歲 12/24去東京5天 保300萬', bot: [/5 天、1 位/] },
        { user: '我要投保', bot: [/姓名/] },
        { user: '陳小安', bot: [/證號/] },
        { user: 'A800000014', bot: [/出生日期/] },
        { user: '2010-03-01', bot: [/要保人需為成年人/] },
        { user: '陳小華', bot: [/證號/] },
        { user: 'F131104093', bot: [/出生日期/] },
        { user: '2012-01-01', bot: [/Email/] },
        { user: 'hua@example.com', bot: [/法定繼承人/] },
        { user: '維持', bot: [/我同意/] },
        { user: '我同意', bot: [/要保人需年滿 18 歲/, /要保人：請輸入被保險人的出生日期|出生日期/] },
      ],
      { applications: apps },
    );
    expect(apps.submitted).to.have.length(0);
    expect(outs.at(-1)!.end).to.equal(false);
  });

  it('without an application service, applying offers an agent instead', async () => {
    await run('zh-TW', [...familyToQuote, { user: '我要投保', bot: [/轉接真人客服/] }]);
  });

  it('a failed submission keeps the data and lets the user retry', async () => {
    const apps = new RecordingApplications();
    apps.fail = true;
    const turns: Turn[] = [
      { user: '12/24去東京5天 我40歲 保300萬', bot: [/總保費/] },
      { user: '我要投保', bot: [/姓名/] },
      { user: '王美玲', bot: [/證號/] },
      { user: 'B223456782', bot: [/出生日期/] },
      { user: '1986-02-14', bot: [/Email/] },
      { user: 'meiling.wang@example.com.tw', bot: [/法定繼承人/] },
      { user: 'keep', bot: [/我同意/] },
      { user: '我同意', bot: [/暫時無法送出/] },
    ];
    const outs = await run('zh-TW', turns, { applications: apps });
    apps.fail = false;
    const retry = await continueTravelFlow(
      outs.at(-1)!.state,
      { text: '我同意' },
      { lang: 'zh-TW', today: TODAY, rates: RATES, applications: apps },
    );
    expect(retry.replies[0]!.text).to.match(/申請編號 TA-2026-000001/);
  });
});
