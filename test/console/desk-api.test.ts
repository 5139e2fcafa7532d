/**
 * The desk around the tickets through the console API: teams and agents managed by leads,
 * presence and heartbeat, and the quarantined email list.
 */
import { expect } from 'chai';
import { AGENT_PASSWORD, addAgent, ConsoleClient, startTestKefu, type TestKefu } from './support';

describe('console desk API', () => {
  let t: TestKefu;
  let lead: ConsoleClient;
  let mei: ConsoleClient;

  before(async () => {
    t = await startTestKefu({ AGENT_AWAY_AFTER_S: '300' });
    await addAgent(t.kefu, 'lin', { role: 'lead', name: '林組長', live: 0, callback: 0 });
    await addAgent(t.kefu, 'mei', { name: '陳美玲' });
    lead = new ConsoleClient(t.kefu.url);
    mei = new ConsoleClient(t.kefu.url);
    await lead.login('lin', AGENT_PASSWORD);
    await mei.login('mei', AGENT_PASSWORD);
  });
  after(async () => {
    await t.close();
  });

  it('lets a lead create a team, put an agent in it and change the agent’s skills', async () => {
    const team = await lead.post('/api/v1/teams', { id: 'team-taipei-1', name: '台北一組 Taipei 1', leadId: 'lin' });
    expect(team.status).to.equal(201);
    expect(team.body).to.include({ id: 'team-taipei-1', leadId: 'lin' });
    const moved = await lead.patch('/api/v1/agents/mei', {
      teamId: 'team-taipei-1',
      skills: ['lang:zh-TW', 'queue:travel'],
    });
    expect(moved.status).to.equal(200);
    expect(moved.body.agent).to.include({ teamId: 'team-taipei-1' });
    expect(moved.body.agent.skills).to.deep.equal(['lang:zh-TW', 'queue:travel']);
    const teams = await mei.get('/api/v1/teams');
    expect(teams.body.teams[0].memberIds).to.deep.equal(['mei']);
    const badSkill = await lead.patch('/api/v1/agents/mei', { skills: ['queue:nonsense'] });
    expect(badSkill.status).to.equal(400);
    expect(badSkill.body.code).to.equal('ERR_BAD_REQUEST');
    expect((await mei.patch('/api/v1/agents/mei', { name: '改名' })).status).to.equal(403);
    expect((await lead.patch('/api/v1/agents/nobody', { name: 'X' })).body.code).to.equal('ERR_AGENT_NOT_FOUND');
  });

  it('sets presence (self, or another agent by a lead) and brings an idle agent back with a heartbeat', async () => {
    expect((await mei.put('/api/v1/presence', { presence: 'online' })).body.presence).to.equal('online');
    expect((await mei.put('/api/v1/agents/lin/presence', { presence: 'online' })).status).to.equal(403);
    const set = await lead.put('/api/v1/agents/mei/presence', { presence: 'away' });
    expect(set.body.presence).to.equal('away');
    await mei.put('/api/v1/presence', { presence: 'online' });
    t.clock.advance(301_000);
    await t.kefu.handoff.agents.onAwayTimer({
      id: 'test',
      kind: 'agent-away',
      dueAt: t.clock.now(),
      payload: { agentId: 'mei' },
      attempts: 0,
    });
    expect((await mei.get('/api/v1/agents/mei')).body.presence).to.equal('away');
    const beat = await mei.post('/api/v1/presence/heartbeat');
    expect(beat.status).to.equal(200);
    expect(beat.body.presence).to.equal('online');
    expect(beat.body.lastActivityAt).to.equal(t.clock.now());
    const list = await mei.get('/api/v1/agents');
    const row = list.body.agents.find((a: { id: string }) => a.id === 'mei');
    expect(row.load).to.deep.equal({ live: 0, callback: 0 });
    expect(row).to.not.have.property('passwordHash');
  });

  it('lists quarantined email for leads only', async () => {
    await t.kefu.store.records.create(
      'email-ledger',
      'ledger-1',
      {
        account: 'service@kangfu-life.example',
        mailbox: 'INBOX',
        uidValidity: '1',
        uid: 42,
        state: 'quarantined',
        size: 20480,
        receivedAt: t.clock.now(),
        parseFailures: 3,
        lastError: 'too many MIME parts',
      },
      { state: 'quarantined', mailbox: 'service@kangfu-life.example/INBOX' },
    );
    expect((await mei.get('/api/v1/email/quarantine')).status).to.equal(403);
    const q = await lead.get('/api/v1/email/quarantine');
    expect(q.status).to.equal(200);
    expect(q.body.messages).to.have.length(1);
    expect(q.body.messages[0]).to.include({ uid: 42, parseFailures: 3, lastError: 'too many MIME parts' });
  });
});
