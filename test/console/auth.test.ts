/**
 * Console sign-in and request authentication against a real Kefu: sessions, roles, CSRF,
 * the login rate limit and integration tokens.
 */
import { expect } from 'chai';
import { ADMIN_PASSWORD, AGENT_PASSWORD, addAgent, ConsoleClient, startTestKefu, type TestKefu } from './support';

describe('console auth', () => {
  let t: TestKefu;
  let base: string;

  before(async () => {
    t = await startTestKefu({ CONSOLE_LOGIN_MAX_FAILURES: '3', CONSOLE_LOGIN_WINDOW_S: '600' });
    base = t.kefu.url;
    await addAgent(t.kefu, 'mei', { name: '陳美玲' });
    await addAgent(t.kefu, 'lin', { role: 'lead', name: '林組長' });
  });
  after(async () => {
    await t.close();
  });

  it('signs the admin in with an HttpOnly, SameSite=Strict session cookie and answers /auth/me', async () => {
    const c = new ConsoleClient(base);
    const r = await c.login('admin', ADMIN_PASSWORD);
    expect(r.status).to.equal(200);
    expect(r.body.user).to.include({ id: 'admin', role: 'admin' });
    expect(r.body.csrf).to.be.a('string').with.length.above(20);
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).to.match(/^kefu_console=/);
    expect(cookie).to.include('HttpOnly');
    expect(cookie).to.include('SameSite=Strict');
    const me = await c.get('/api/v1/auth/me');
    expect(me.status).to.equal(200);
    expect(me.body.user.id).to.equal('admin');
    expect(me.body.csrf).to.equal(r.body.csrf);
  });

  it('signs an agent in by agent id or by email, with the role of the agent record', async () => {
    const byId = new ConsoleClient(base);
    expect((await byId.login('mei', AGENT_PASSWORD)).body.user).to.include({
      id: 'mei',
      role: 'agent',
      agentId: 'mei',
    });
    const byEmail = new ConsoleClient(base);
    expect((await byEmail.login('LIN@kangfu-life.example', AGENT_PASSWORD)).body.user).to.include({
      id: 'lin',
      role: 'lead',
    });
  });

  it('refuses a wrong password and an unknown user alike with 401 {code,message}', async () => {
    const c = new ConsoleClient(base);
    const wrong = await c.login('lin', 'not-the-password');
    const unknown = await c.login('nobody', 'not-the-password');
    for (const r of [wrong, unknown]) {
      expect(r.status).to.equal(401);
      expect(r.body.code).to.equal('ERR_UNAUTHORIZED');
      expect(r.body.message).to.be.a('string');
      expect(r.headers.get('set-cookie')).to.equal(null);
    }
  });

  it('answers 401 without a session, and with a tampered or forged cookie', async () => {
    const c = new ConsoleClient(base);
    expect((await c.get('/api/v1/tickets')).status).to.equal(401);
    await c.login('mei', AGENT_PASSWORD);
    const [name, value] = c.cookie.split('=') as [string, string];
    const [id, sig] = decodeURIComponent(value).split('.') as [string, string];
    c.cookie = `${name}=${encodeURIComponent(`${id}.${sig.slice(0, -2)}xx`)}`;
    const tampered = await c.get('/api/v1/auth/me');
    expect(tampered.status).to.equal(401);
    expect(tampered.body.code).to.equal('ERR_UNAUTHORIZED');
    c.cookie = `${name}=${encodeURIComponent(`forged-session-id.${sig}`)}`;
    expect((await c.get('/api/v1/auth/me')).status).to.equal(401);
  });

  it('ends the session on logout: the old cookie no longer works', async () => {
    const c = new ConsoleClient(base);
    await c.login('mei', AGENT_PASSWORD);
    const out = await c.post('/api/v1/auth/logout');
    expect(out.status).to.equal(204);
    expect(out.headers.get('set-cookie')).to.include('Max-Age=0');
    expect((await c.get('/api/v1/auth/me')).status).to.equal(401);
  });

  it('refuses a cookie-authenticated mutation without the CSRF header, with a wrong one, or from another origin', async () => {
    const c = new ConsoleClient(base);
    await c.login('mei', AGENT_PASSWORD);
    const csrf = c.csrf;
    c.csrf = '';
    const missing = await c.put('/api/v1/presence', { presence: 'online' });
    expect(missing.status).to.equal(403);
    expect(missing.body.code).to.equal('ERR_FORBIDDEN');
    c.csrf = 'x'.repeat(csrf.length);
    expect((await c.put('/api/v1/presence', { presence: 'online' })).status).to.equal(403);
    c.csrf = csrf;
    const foreign = await c.call('PUT', '/api/v1/presence', { presence: 'online' }, { origin: 'https://evil.example' });
    expect(foreign.status).to.equal(403);
    expect((await t.kefu.handoff.agents.getAgent('mei')).presence).to.equal('offline');
    const ok = await c.put('/api/v1/presence', { presence: 'online' });
    expect(ok.status).to.equal(200);
    expect(ok.body.presence).to.equal('online');
  });

  it('limits failed sign-ins per user name with 429, even for the right password afterwards', async () => {
    await addAgent(t.kefu, 'wu');
    const c = new ConsoleClient(base);
    for (let i = 0; i < 3; i++) expect((await c.login('wu', `wrong-${i}`)).status).to.equal(401);
    const limited = await c.login('wu', AGENT_PASSWORD);
    expect(limited.status).to.equal(429);
    expect(limited.body.code).to.equal('ERR_RATE_LIMITED');
    // Another account from the same address is not locked by that.
    expect((await new ConsoleClient(base).login('mei', AGENT_PASSWORD)).status).to.equal(200);
  });

  it('gives 403 to roles below the route: agents cannot create agents, tokens or read the audit log', async () => {
    const agent = new ConsoleClient(base);
    await agent.login('mei', AGENT_PASSWORD);
    const create = await agent.post('/api/v1/agents', {
      id: 'x1',
      name: 'X',
      email: 'x1@kangfu-life.example',
      skills: ['lang:zh-TW'],
    });
    expect(create.status).to.equal(403);
    expect(create.body.code).to.equal('ERR_FORBIDDEN');
    expect((await agent.post('/api/v1/auth/tokens', { name: 'n', role: 'agent' })).status).to.equal(403);
    expect((await agent.get('/api/v1/audit')).status).to.equal(403);
    expect((await agent.get('/api/v1/metrics')).status).to.equal(403);
    const lead = new ConsoleClient(base);
    await lead.login('lin', AGENT_PASSWORD);
    const asAdmin = await lead.post('/api/v1/agents', {
      id: 'x2',
      name: 'X',
      email: 'x2@kangfu-life.example',
      role: 'admin',
      skills: ['lang:zh-TW'],
    });
    expect(asAdmin.status).to.equal(403);
    const asAgent = await lead.post('/api/v1/agents', {
      id: 'x3',
      name: '新進 X',
      email: 'x3@kangfu-life.example',
      skills: ['lang:zh-TW', 'queue:general'],
      password: 'a-new-password-1',
    });
    expect(asAgent.status).to.equal(201);
    expect(asAgent.body.agent).to.include({ id: 'x3', role: 'agent', hasPassword: true });
    expect(asAgent.body.agent).to.not.have.property('passwordHash');
  });

  it('refuses a sign-in posted as a form or from another site (login CSRF)', async () => {
    const form = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=mei&password=${encodeURIComponent(AGENT_PASSWORD)}`,
    });
    expect(form.status).to.equal(400);
    expect(form.headers.get('set-cookie')).to.equal(null);
    const c = new ConsoleClient(base);
    const foreign = await c.call(
      'POST',
      '/api/v1/auth/login',
      { username: 'mei', password: AGENT_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).to.equal(403);
    expect(foreign.headers.get('set-cookie')).to.equal(null);
  });

  it('applies a role change to open sessions at once, and ends the session of a removed agent', async () => {
    await addAgent(t.kefu, 'chang', { role: 'lead' });
    const c = new ConsoleClient(base);
    await c.login('chang', AGENT_PASSWORD);
    expect((await c.get('/api/v1/metrics')).status).to.equal(200);
    await t.kefu.handoff.agents.updateAgent('chang', { role: 'agent' });
    const demoted = await c.get('/api/v1/metrics');
    expect(demoted.status).to.equal(403);
    expect((await c.get('/api/v1/auth/me')).body.user.role).to.equal('agent');
    await t.kefu.store.records.remove('agents', 'chang');
    expect((await c.get('/api/v1/auth/me')).status).to.equal(401);
  });

  it('lets an admin create a bearer token that works without CSRF, is stored hashed, and stops working when revoked', async () => {
    const admin = new ConsoleClient(base);
    await admin.login('admin', ADMIN_PASSWORD);
    const made = await admin.post('/api/v1/auth/tokens', { name: 'wallboard', role: 'lead' });
    expect(made.status).to.equal(201);
    const token: string = made.body.token;
    expect(token).to.match(/^kefu_/);
    const rows = await t.kefu.store.records.list('console-tokens');
    expect(JSON.stringify(rows)).to.not.include(token.slice(5));

    const integration = new ConsoleClient(base);
    integration.bearer = token;
    expect((await integration.get('/api/v1/metrics')).status).to.equal(200);
    const open = await integration.post('/api/v1/tickets', {
      type: 'inquiry',
      subject: '牆面看板測試',
      customer: { name: '測試' },
      enqueue: false,
    });
    expect(open.status).to.equal(201);
    expect((await integration.post('/api/v1/auth/tokens', { name: 'n', role: 'admin' })).status).to.equal(403);

    const list = await admin.get('/api/v1/auth/tokens');
    expect(list.body.tokens.map((x: { name: string }) => x.name)).to.include('wallboard');
    expect((await admin.del(`/api/v1/auth/tokens/${made.body.id}`)).status).to.equal(204);
    const after = await integration.get('/api/v1/metrics');
    expect(after.status).to.equal(401);
    const audit = await admin.get('/api/v1/audit');
    expect(audit.body.entries.map((e: { action: string }) => e.action)).to.include.members([
      'token-create',
      'token-revoke',
    ]);
  });
});
