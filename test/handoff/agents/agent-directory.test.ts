import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ManualClock } from '../../../app/clock';
import { isKefuError } from '../../../app/errors';
import type { Store } from '../../../storage/port';
import { openSqliteStore } from '../../../storage/sqlite/sqlite-store';
import { createDesk, type Desk, FRIDAY_10AM, silent } from '../assignment/desk-harness';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(isKefuError(err), String(err)).to.equal(true);
    expect((err as { code: string }).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

const SEED = path.resolve(__dirname, '../../../handoff/agents/seed.sample.yaml');

describe('agents and teams', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let desk: Desk;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-agents-'));
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silent });
    clock = new ManualClock(FRIDAY_10AM);
    desk = createDesk(store, clock, { awayAfterS: 300 });
  });

  afterEach(async () => {
    await desk.runner.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const agent = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: `陳專員 ${id}`,
    email: `${id}@kangfu-life.example`,
    skills: ['lang:zh-TW', 'queue:general'],
    ...extra,
  });

  it('creates an agent with its skills and two capacity pools, offline, without exposing a password hash', async () => {
    const { agent: a } = await desk.handoff.agents.createAgent({
      ...agent('chen'),
      skills: ['queue:travel', 'lang:en', 'lang:zh-TW'],
      capacity: { live: 4 },
      password: 'a-long-secret',
    });
    expect(a).to.include({ id: 'chen', role: 'agent', presence: 'offline', hasPassword: true });
    expect(a.skills).to.deep.equal(['lang:zh-TW', 'lang:en', 'queue:travel']);
    expect(a.capacity).to.deep.equal({ live: 4, callback: 10 });
    expect(a).to.not.have.property('passwordHash');
    expect(await desk.handoff.agents.getAgent('chen')).to.not.have.property('passwordHash');
  });

  it('refuses unknown skills, bad capacity, a taken id and a taken email', async () => {
    await expectCode(desk.handoff.agents.createAgent({ ...agent('x'), skills: ['lang:ja'] }), 'ERR_AGENT_INVALID');
    await expectCode(desk.handoff.agents.createAgent({ ...agent('y'), capacity: { live: -1 } }), 'ERR_AGENT_INVALID');
    await desk.handoff.agents.createAgent(agent('chen'));
    await expectCode(desk.handoff.agents.createAgent(agent('chen')), 'ERR_AGENT_EXISTS');
    await expectCode(
      desk.handoff.agents.createAgent({ ...agent('lin'), email: 'CHEN@kangfu-life.example' }),
      'ERR_AGENT_EXISTS',
    );
    await expectCode(desk.handoff.agents.getAgent('nobody'), 'ERR_AGENT_NOT_FOUND');
  });

  it('a team takes at most 11 agents; fewer than 8 is allowed with a warning', async () => {
    await desk.handoff.agents.createAgent({ ...agent('lead'), role: 'lead' });
    await desk.handoff.teams.create({ id: 'team-1', name: '台北一組', leadId: 'lead' });
    const first = await desk.handoff.agents.createAgent({ ...agent('m01'), teamId: 'team-1' });
    expect(first.warnings.join(' ')).to.match(/1 agents; a team should have 8–11/);
    for (let i = 2; i <= 11; i++)
      await desk.handoff.agents.createAgent({ ...agent(`m${String(i).padStart(2, '0')}`), teamId: 'team-1' });
    const team = await desk.handoff.teams.get('team-1');
    expect(team.size).to.equal(11);
    expect(team.warnings).to.deep.equal([]);
    await expectCode(desk.handoff.agents.createAgent({ ...agent('m12'), teamId: 'team-1' }), 'ERR_TEAM_FULL');
    expect(await desk.handoff.agents.findAgent('m12')).to.equal(undefined);
    // A lead joins without counting.
    await desk.handoff.agents.createAgent({ ...agent('lead2'), role: 'lead', teamId: 'team-1' });
    expect((await desk.handoff.teams.get('team-1')).size).to.equal(11);
  });

  it('two agents moving into a team of 10 at once: one gets in, the other gets ERR_TEAM_FULL', async () => {
    await desk.handoff.teams.create({ id: 'team-1', name: '台北一組' });
    for (let i = 1; i <= 10; i++)
      await desk.handoff.agents.createAgent({ ...agent(`m${String(i).padStart(2, '0')}`), teamId: 'team-1' });
    await desk.handoff.agents.createAgent(agent('x1'));
    await desk.handoff.agents.createAgent(agent('x2'));
    const results = await Promise.allSettled([
      desk.handoff.agents.updateAgent('x1', { teamId: 'team-1' }),
      desk.handoff.agents.updateAgent('x2', { teamId: 'team-1' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.code).to.equal('ERR_TEAM_FULL');
    expect((await desk.handoff.teams.get('team-1')).size).to.equal(11);
    const inTeam = await desk.handoff.agents.listAgents({ teamId: 'team-1' });
    expect(inTeam).to.have.length(11);
  });

  it('moving an agent between teams updates both memberships', async () => {
    await desk.handoff.teams.create({ id: 't1', name: '一組' });
    await desk.handoff.teams.create({ id: 't2', name: '二組' });
    await desk.handoff.agents.createAgent({ ...agent('m1'), teamId: 't1' });
    await desk.handoff.agents.updateAgent('m1', { teamId: 't2' });
    expect((await desk.handoff.teams.get('t1')).memberIds).to.deep.equal([]);
    expect((await desk.handoff.teams.get('t2')).memberIds).to.deep.equal(['m1']);
    await desk.handoff.agents.updateAgent('m1', { teamId: null });
    expect((await desk.handoff.teams.get('t2')).memberIds).to.deep.equal([]);
  });

  it('presence is mirrored in both assignment slots, with skills and capacity', async () => {
    await desk.handoff.agents.createAgent({ ...agent('chen'), capacity: { live: 3, callback: 7 } });
    await desk.handoff.presence.set('chen', 'online');
    expect(await store.assignment.getAgent('chen#live')).to.include({ status: 'online', capacity: 3 });
    expect((await store.assignment.getAgent('chen#live'))!.skills).to.include.members(['pool:live', 'lang:zh-TW']);
    expect(await store.assignment.getAgent('chen#callback')).to.include({ status: 'online', capacity: 7 });
    await desk.handoff.agents.updateAgent('chen', { capacity: { live: 1 } });
    expect(await store.assignment.getAgent('chen#live')).to.include({ capacity: 1 });
    await desk.handoff.presence.set('chen', 'offline');
    expect(await store.assignment.getAgent('chen#callback')).to.include({ status: 'offline' });
  });

  it('an online agent without activity becomes away through a durable timer, and activity brings them back', async () => {
    await desk.handoff.agents.createAgent(agent('chen'));
    await desk.handoff.presence.set('chen', 'online');
    clock.advance(200_000);
    await desk.handoff.presence.heartbeat('chen');
    clock.advance(150_000); // 350 s after coming online, 150 s after the heartbeat
    await desk.runner.tick();
    expect((await desk.handoff.agents.getAgent('chen')).presence).to.equal('online');
    clock.advance(151_000); // 301 s after the heartbeat
    await desk.runner.tick();
    const away = await desk.handoff.agents.getAgent('chen');
    expect(away).to.include({ presence: 'away', awayReason: 'idle' });
    expect(await store.assignment.getAgent('chen#live')).to.include({ status: 'away' });
    const back = await desk.handoff.presence.heartbeat('chen');
    expect(back.presence).to.equal('online');
  });

  it('an agent who chose away stays away on activity', async () => {
    await desk.handoff.agents.createAgent(agent('chen'));
    await desk.handoff.presence.set('chen', 'away');
    expect((await desk.handoff.presence.heartbeat('chen')).presence).to.equal('away');
  });

  it('the away timer fires after a restart, once', async () => {
    await desk.handoff.agents.createAgent(agent('chen'));
    await desk.handoff.presence.set('chen', 'online');
    await store.close();
    clock.advance(3_600_000);
    store = await openSqliteStore({ file: path.join(dir, 'kefu.sqlite'), log: silent });
    desk = createDesk(store, clock, { awayAfterS: 300 });
    expect(await desk.runner.tick()).to.equal(1);
    expect(await desk.runner.tick()).to.equal(0);
    expect((await desk.handoff.agents.getAgent('chen')).presence).to.equal('away');
  });

  it('verifies console logins with scrypt hashes and says nothing about which part was wrong', async () => {
    await desk.handoff.agents.createAgent({ ...agent('chen'), password: '正確的密碼-2026' });
    expect((await desk.handoff.agents.verifyLogin('Chen@kangfu-life.example', '正確的密碼-2026'))?.id).to.equal('chen');
    expect(await desk.handoff.agents.verifyLogin('chen@kangfu-life.example', 'wrong')).to.equal(undefined);
    expect(await desk.handoff.agents.verifyLogin('nobody@kangfu-life.example', '正確的密碼-2026')).to.equal(undefined);
  });

  it('the sample seed gives two teams of 8–11 agents with leads; the documented sample password logs in; a second run creates nothing', async () => {
    const text = fs.readFileSync(SEED, 'utf8');
    const first = await desk.handoff.seed(text);
    expect(first.createdTeams).to.have.length(2);
    expect(first.warnings).to.deep.equal([]);
    for (const team of await desk.handoff.teams.list()) {
      expect(team.size).to.be.within(8, 11);
      expect(team.leadId).to.be.a('string');
      expect((await desk.handoff.agents.getAgent(team.leadId!)).role).to.equal('lead');
    }
    const password = /SAMPLE console password:\s+(\S+)/.exec(text)![1]!;
    expect((await desk.handoff.agents.verifyLogin('yating.lin@kangfu-life.example', password))?.id).to.equal(
      'lead-lin',
    );
    const second = await desk.handoff.seed(text);
    expect(second.createdAgents).to.deep.equal([]);
    expect(second.skipped).to.include('agent:lead-lin');
  });

  it('refuses a seed that names an unknown team', async () => {
    await expectCode(
      desk.handoff.seed('agents:\n  - { id: x, name: X, email: x@k.example, team: nowhere }\n'),
      'ERR_AGENT_SEED_INVALID',
    );
  });
});
