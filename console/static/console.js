/*
 * Kefu console — the browser side. Vanilla JavaScript, no build step.
 *
 * Safety rules kept throughout: every string from the server is put on the page with
 * textContent (never innerHTML); email HTML, already sanitised by the server, is shown only in
 * <iframe sandbox="" srcdoc>, which cannot run script and inherits the page's CSP. Mutations
 * send the session's CSRF token in X-Kefu-CSRF.
 */

(() => {
  const API = '/api/v1';
  const POLL_MS = 10000;
  /** An open live chat is re-read this often, so the customer's new lines show up quickly. */
  const CHAT_POLL_MS = 3000;
  const HEARTBEAT_MS = 60000;
  const PAGE = 50;

  const STATUS = {
    new: '新建 New',
    queued: '排隊中 Queued',
    assigned: '已指派 Assigned',
    'in-progress': '處理中 In progress',
    'waiting-customer': '等候客戶 Waiting',
    resolved: '已解決 Resolved',
    closed: '已結案 Closed',
  };
  const TYPE = {
    'chat-handoff': '真人對話 Live chat',
    callback: '回電 Callback',
    email: '電子郵件 Email',
    complaint: '申訴 Complaint',
    'address-change': '地址變更 Address change',
    'travel-application': '旅平險投保 Travel application',
    inquiry: '詢問 Inquiry',
  };
  const CHANNEL = {
    webchat: '網頁對話 Web chat',
    email: 'Email',
    phone: '電話 Phone',
    api: 'API',
    'bot-framework': 'Bot Framework',
  };
  const PRIORITY = { low: '低 Low', normal: '一般 Normal', high: '高 High', urgent: '緊急 Urgent' };
  const PRESENCE = { online: '上線 Online', away: '離開 Away', offline: '離線 Offline' };
  const ROLE = { agent: '客服 Agent', lead: '組長 Lead', admin: '管理員 Admin' };
  const ACTOR = { customer: '客戶 Customer', agent: '客服 Agent', bot: '機器人 Bot', system: '系統 System' };
  const EVENT = {
    created: '建立工單 Ticket opened',
    status: '狀態變更 Status',
    assigned: '指派 Assigned',
    unassigned: '取消指派 Unassigned',
    priority: '優先順序 Priority',
    link: '關聯 Linked',
    'sla-breached': '逾期 SLA breached',
    abandoned: '客戶離開 Abandoned',
    data: '資料更新 Data updated',
  };

  const state = {
    me: null,
    csrf: '',
    agent: null,
    isLead: false,
    tab: 'mine',
    selected: null,
    detail: null,
    historySig: '',
    revealed: false,
    offset: 0,
    loading: false,
    refreshTimer: null,
    lastActivity: 0,
    lastHeartbeat: 0,
  };
  const $ = (id) => document.getElementById(id);

  /** Builds an element; text only through textContent. */
  function el(tag, opts, children) {
    const node = document.createElement(tag);
    if (opts) {
      if (opts.className) node.className = opts.className;
      if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
      if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
    }
    for (const c of children || []) if (c) node.appendChild(c);
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.message || 'HTTP ' + status);
      this.status = status;
      this.code = body?.code;
    }
  }

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && state.csrf) headers['x-kefu-csrf'] = state.csrf;
    const res = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (res.status === 401 && path !== '/auth/login') {
      showLogin();
      throw new ApiError(401, data);
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  function banner(message, bad) {
    const b = $('banner');
    if (!message) {
      b.hidden = true;
      return;
    }
    b.textContent = message;
    b.className = bad ? 'banner bad' : 'banner';
    b.hidden = false;
    clearTimeout(banner.timer);
    banner.timer = setTimeout(() => {
      b.hidden = true;
    }, 8000);
  }

  const fmtTime = (ms) =>
    new Date(ms).toLocaleString('zh-TW', {
      timeZone: 'Asia/Taipei',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
  function fmtDur(s) {
    if (s === undefined || s === null) return '–';
    s = Math.round(s);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
    return Math.floor(s / 3600) + 'h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
  }
  const pct = (x) => (x === undefined || x === null ? '–' : (x * 100).toFixed(1) + '%');

  // ── Sign-in ───────────────────────────────────────────────────────────────────────────────
  function showLogin() {
    state.me = null;
    $('app-view').hidden = true;
    $('login-view').hidden = false;
    $('login-username').focus();
  }

  async function onLogin(ev) {
    ev.preventDefault();
    $('login-error').hidden = true;
    $('login-submit').disabled = true;
    try {
      const r = await api('POST', '/auth/login', {
        username: $('login-username').value,
        password: $('login-password').value,
      });
      $('login-password').value = '';
      state.csrf = r.csrf;
      await enter(r.user);
    } catch (err) {
      $('login-error').textContent =
        err.status === 429
          ? '嘗試次數過多，請稍後再試。Too many attempts; try again later.'
          : '帳號或密碼錯誤。Wrong user name or password.';
      $('login-error').hidden = false;
    } finally {
      $('login-submit').disabled = false;
    }
  }

  async function enter(user) {
    state.me = user;
    $('login-view').hidden = true;
    $('app-view').hidden = false;
    $('me-name').textContent = user.name;
    $('me-role').textContent = ROLE[user.role] || user.role;
    const mine = await api('GET', '/me/agent');
    state.agent = mine.agent;
    state.isLead = mine.lead;
    $('tab-dashboard').hidden = !state.isLead;
    $('presence').hidden = !state.agent;
    renderPresence();
    startLive();
    selectTab(state.isLead && !state.agent ? 'dashboard' : 'mine');
  }

  async function logout() {
    try {
      await api('POST', '/auth/logout');
    } catch (_) {
      /* signed out anyway */
    }
    if (state.live) state.live.close();
    state.csrf = '';
    state.selected = null;
    state.historySig = '';
    banner('');
    $('ticket-view').hidden = true;
    $('ticket-placeholder').hidden = false;
    clear($('ticket-list'));
    showLogin();
  }

  // ── Presence ──────────────────────────────────────────────────────────────────────────────
  function renderPresence() {
    const p = state.agent?.presence;
    for (const b of document.querySelectorAll('#presence button')) b.classList.toggle('on', b.dataset.presence === p);
  }
  async function setPresence(p) {
    try {
      state.agent = Object.assign({}, state.agent, await api('PUT', '/presence', { presence: p }));
      renderPresence();
      banner('狀態已更新：' + PRESENCE[p] + ' Presence updated');
    } catch (err) {
      banner(err.message, true);
    }
  }
  async function heartbeat() {
    if (
      !state.agent ||
      Date.now() - state.lastHeartbeat < HEARTBEAT_MS ||
      Date.now() - state.lastActivity > HEARTBEAT_MS
    )
      return;
    state.lastHeartbeat = Date.now();
    try {
      const r = await api('POST', '/presence/heartbeat');
      if (r.presence !== state.agent.presence) {
        state.agent.presence = r.presence;
        renderPresence();
      }
    } catch (_) {
      /* next time */
    }
  }

  // ── Tabs and lists ────────────────────────────────────────────────────────────────────────
  function selectTab(tab) {
    state.tab = tab;
    state.offset = 0;
    for (const b of document.querySelectorAll('#tabs .tab')) b.classList.toggle('active', b.dataset.tab === tab);
    $('work-view').hidden = tab === 'dashboard';
    $('dashboard-view').hidden = tab !== 'dashboard';
    $('status-filter').disabled = tab === 'queue';
    refresh();
  }

  function scheduleRefresh() {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(refresh, 300);
  }

  async function refresh() {
    if (!state.me) return;
    // One refresh at a time; a request that arrives meanwhile runs once the current one ends.
    if (state.loading) {
      state.pending = true;
      return;
    }
    state.loading = true;
    state.pending = false;
    try {
      if (state.tab === 'dashboard') await loadDashboard();
      else {
        await loadList();
        if (state.selected && !state.revealed) await openTicket(state.selected, true);
      }
      await loadCounts();
    } catch (err) {
      if (err.status !== 401) banner(err.message, true);
    } finally {
      state.loading = false;
      if (state.pending) scheduleRefresh();
    }
  }

  async function loadCounts() {
    const q = await api('GET', '/queue');
    const n = q.pools.reduce((s, p) => s + p.length, 0);
    $('count-queue').textContent = n ? String(n) : '';
    if (state.agent) {
      const mine = await api('GET', '/tickets?mine=1&status=open&limit=1');
      $('count-mine').textContent = mine.total ? String(mine.total) : '';
    }
  }

  function listQuery() {
    const p = new URLSearchParams();
    const status = $('status-filter').value;
    if (status) p.set('status', status);
    const q = $('search').value.trim();
    if (q) p.set('q', q);
    if (state.tab === 'mine') p.set('mine', '1');
    p.set('limit', String(PAGE + state.offset));
    return p.toString();
  }

  async function loadList() {
    const list = $('ticket-list');
    let rows;
    let more = false;
    if (state.tab === 'queue') {
      const q = await api('GET', '/queue');
      rows = [];
      for (const pool of q.pools) {
        for (const item of pool.items)
          if (item.ticket) rows.push(Object.assign({}, item.ticket, { waitingS: item.waitingS, pool: pool.pool }));
      }
    } else {
      const r = await api('GET', '/tickets?' + listQuery());
      rows = r.tickets;
      more = r.nextOffset !== undefined;
    }
    clear(list);
    for (const t of rows) list.appendChild(ticketRow(t));
    $('list-empty').hidden = rows.length > 0;
    $('more').hidden = !more;
  }

  function ticketRow(t) {
    const li = el('li', { attrs: { 'data-number': t.number } }, [
      el('div', { className: 'row1' }, [
        el('span', { className: 'subject', text: t.subject }),
        el('span', { className: 'chip status-' + t.status, text: STATUS[t.status] || t.status }),
      ]),
      el('div', { className: 'meta' }, [
        el('span', { className: 'mono', text: t.number }),
        el('span', { text: TYPE[t.type] || t.type }),
        el('span', { text: t.customer.name || t.customer.email || t.customer.phone || '' }),
        t.waitingS !== undefined
          ? el('span', { text: '等候 Waiting ' + fmtDur(t.waitingS) })
          : el('span', { text: fmtTime(t.updatedAt) }),
        t.slaBreached ? el('span', { className: 'chip late', text: '逾期 Overdue' }) : null,
      ]),
    ]);
    if (t.number === state.selected) li.classList.add('selected');
    li.addEventListener('click', () => {
      state.revealed = false;
      openTicket(t.number);
    });
    return li;
  }

  // ── Ticket view ───────────────────────────────────────────────────────────────────────────
  async function openTicket(number, quiet) {
    try {
      const d = await api('GET', '/tickets/' + encodeURIComponent(number));
      state.selected = number;
      renderTicket(d, quiet);
    } catch (err) {
      if (!quiet) banner(err.message, true);
    }
  }

  function renderTicket(d, keepScroll) {
    state.detail = d;
    const t = d.ticket;
    for (const li of document.querySelectorAll('#ticket-list li'))
      li.classList.toggle('selected', li.dataset.number === t.number);
    $('ticket-placeholder').hidden = true;
    $('ticket-view').hidden = false;
    $('t-number').textContent = t.number;
    $('t-subject').textContent = t.subject;
    $('t-status').textContent = STATUS[t.status] || t.status;
    $('t-status').className = 'chip status-' + t.status;
    $('t-type').textContent = TYPE[t.type] || t.type;
    $('t-channel').textContent = CHANNEL[t.channel] || t.channel;
    $('t-priority').textContent = PRIORITY[t.priority] || t.priority;
    $('t-sla').textContent = (t.slaBreached ? '逾期 Overdue ' : 'SLA ') + fmtTime(t.slaDueAt);
    $('t-sla').className = t.slaBreached ? 'chip late' : 'chip muted';
    $('t-assignee').textContent = '負責 Assignee: ' + (t.assigneeId || '—');
    $('t-cust-name').textContent = t.customer.name || '—';
    $('t-cust-email').textContent = t.customer.email || '—';
    $('t-cust-phone').textContent = t.customer.phone || '—';

    const me = state.agent?.id;
    const open = t.status !== 'resolved' && t.status !== 'closed';
    const mineOrLead = (me && t.assigneeId === me) || state.isLead;
    const work = d.work;
    const show = (name, on) => {
      document.querySelector('[data-action="' + name + '"]').hidden = !on;
    };
    show('accept', !!(work && work.state === 'offered' && work.agentId === me));
    show('decline', !!(work && work.state === 'offered' && work.agentId === me));
    show('claim', !!(me && work && work.state === 'queued'));
    show('handback', open && mineOrLead && t.customer.chat && !!work && work.state === 'accepted');
    show('resolve', open && mineOrLead);
    show('unmask', state.isLead && !state.revealed);

    const canReply = open && mineOrLead && (t.channel === 'email' || t.type === 'email' || t.customer.chat);
    $('reply-button').disabled = !canReply;
    $('note-button').disabled = !(open || state.isLead);
    $('reply-via').textContent =
      t.channel === 'email' || t.type === 'email'
        ? '以電子郵件回覆 Reply by email'
        : t.customer.chat
          ? '回覆到網頁對話 Reply in the web chat'
          : '此工單無法線上回覆 No online reply for this ticket';

    const list = $('history');
    // Rebuild only when the history changed: a rebuilt email frame would flicker and lose its scroll.
    const last = d.history[d.history.length - 1];
    const sig = [t.number, d.history.length, last ? last.at : 0, state.revealed].join('|');
    if (sig === state.historySig) return;
    state.historySig = sig;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    clear(list);
    for (const e of d.history) list.appendChild(historyItem(e));
    if (!keepScroll || atBottom) list.scrollTop = list.scrollHeight;
  }

  function historyItem(e) {
    const actor = [e.actor.name || e.actor.id, ACTOR[e.actor.kind] || e.actor.kind].filter(Boolean).join(' · ');
    if (e.type === 'message' || e.type === 'note') {
      const li = el('li', { className: e.type === 'note' ? 'note agent' : e.actor.kind });
      li.appendChild(
        el('div', {
          className: 'who',
          text: (e.type === 'note' ? '備註 Note · ' : '') + actor + ' · ' + fmtTime(e.at),
        }),
      );
      if (e.html) {
        const frame = document.createElement('iframe');
        frame.setAttribute('sandbox', '');
        frame.setAttribute('referrerpolicy', 'no-referrer');
        frame.setAttribute('title', '郵件內容 Email body');
        frame.srcdoc =
          '<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/console/assets/email-frame.css"><body>' +
          e.html +
          '</body>';
        li.appendChild(frame);
      } else {
        li.appendChild(el('div', { className: 'bubble', text: e.text || '' }));
      }
      return li;
    }
    const data = e.data || {};
    const parts = [EVENT[e.type] || e.type];
    if (e.type === 'status')
      parts.push((STATUS[data.from] || data.from || '') + ' → ' + (STATUS[data.to] || data.to || ''));
    if (e.type === 'assigned' || e.type === 'unassigned') parts.push(String(data.agentId || data.assigneeId || ''));
    if (typeof data.reason === 'string') parts.push('(' + data.reason + ')');
    return el('li', { className: 'event', text: [parts.filter(Boolean).join(' '), actor, fmtTime(e.at)].join(' · ') });
  }

  async function act(action) {
    const number = state.selected;
    if (!number) return;
    try {
      if (action === 'unmask') {
        const reason = window.prompt(
          '請輸入查看個資的原因（將記錄於稽核紀錄）\nReason for unmasking (written to the audit log):',
        );
        if (!reason || reason.trim().length < 3) return;
        const d = await api('POST', '/tickets/' + encodeURIComponent(number) + '/unmask', { reason: reason.trim() });
        state.revealed = true;
        renderTicket(d);
        banner('已顯示完整個資，並記錄於稽核紀錄。Personal data shown; this was audited.');
        return;
      }
      state.revealed = false;
      const d = await api('POST', '/tickets/' + encodeURIComponent(number) + '/' + action);
      renderTicket(d);
      scheduleRefresh();
    } catch (err) {
      banner(err.message, true);
    }
  }

  async function send(kind) {
    const number = state.selected;
    const text = $('reply-text').value.trim();
    if (!number || !text) return;
    const path = '/tickets/' + encodeURIComponent(number) + (kind === 'note' ? '/notes' : '/reply');
    $('reply-button').disabled = true;
    try {
      const d = await api('POST', path, { text });
      $('reply-text').value = '';
      state.revealed = false;
      renderTicket(d);
      banner(
        kind === 'note'
          ? '已新增備註 Note added'
          : d.via === 'email'
            ? '已送出電子郵件回覆 Email reply queued'
            : '已送出回覆 Reply sent',
      );
    } catch (err) {
      banner(err.message, true);
      $('reply-button').disabled = false;
    }
  }

  // ── Dashboard ─────────────────────────────────────────────────────────────────────────────
  async function loadDashboard() {
    const [m, a, q] = await Promise.all([
      api('GET', '/metrics'),
      api('GET', '/agents'),
      api('GET', '/email/quarantine'),
    ]);
    const desk = m.desk;
    $('m-queue').textContent = String(m.queue.live + m.queue.callback);
    $('m-longest').textContent =
      '對話 Live ' +
      m.queue.live +
      ' · 回電 Callback ' +
      m.queue.callback +
      ' · 最久 Longest ' +
      fmtDur(m.queue.longestWaitS);
    $('m-waiting').textContent = pct(desk.waitingRatio);
    $('m-threshold').textContent = '等候超過 Waited over ' + m.waitThresholdS + 's · ' + desk.waited + ' 則 chats';
    $('m-abandon').textContent = pct(desk.abandonmentRate);
    $('m-abandon-n').textContent = '放棄 Abandoned ' + desk.abandoned + ' / ' + desk.waited;
    $('m-sla').textContent = pct(desk.callbacks.ratio);
    $('m-sla-n').textContent = desk.callbacks.withinSla + ' / ' + desk.callbacks.resolved;
    $('m-first').textContent = desk.firstResponse ? fmtDur(desk.firstResponse.p50S) : '–';
    $('m-handle').textContent = '處理時間 Handle p50 ' + (desk.handleTime ? fmtDur(desk.handleTime.p50S) : '–');
    $('m-presence').textContent =
      m.presence.online + ' / ' + (m.presence.online + m.presence.away + m.presence.offline);
    $('m-desk').textContent =
      '上線 Online ' +
      m.presence.online +
      ' · 離開 Away ' +
      m.presence.away +
      ' · 離線 Offline ' +
      m.presence.offline +
      ' · ' +
      (m.deskOpen ? '營業中 Desk open' : '非營業時間 Desk closed');
    $('m-period').textContent = fmtTime(m.from) + ' – ' + fmtTime(m.to);

    const rows = $('agent-rows');
    clear(rows);
    for (const ag of a.agents) {
      const s = m.byAgent[ag.id] || {};
      const dot = el('span', { className: 'dot ' + ag.presence });
      rows.appendChild(
        el('tr', null, [
          el('td', { text: ag.name }),
          el('td', { text: ag.teamId || '—' }),
          el('td', null, [dot, document.createTextNode(PRESENCE[ag.presence] || ag.presence)]),
          el('td', {
            text:
              '對話 ' +
              ag.load.live +
              '/' +
              ag.capacity.live +
              ' · 回電 ' +
              ag.load.callback +
              '/' +
              ag.capacity.callback,
          }),
          el('td', { text: String(s.tickets || 0) }),
          el('td', { text: pct(s.waitingRatio) }),
          el('td', { text: pct(s.abandonmentRate) }),
          el('td', { text: s.firstResponse ? fmtDur(s.firstResponse.p50S) : '–' }),
          el('td', { text: s.handleTime ? fmtDur(s.handleTime.p50S) : '–' }),
        ]),
      );
    }
    const teams = $('team-rows');
    clear(teams);
    if (Object.keys(m.byTeam).length === 0) {
      teams.appendChild(
        el('tr', null, [el('td', { text: '此期間尚無資料 No data for this period', attrs: { colspan: '5' } })]),
      );
    }
    for (const [id, s] of Object.entries(m.byTeam)) {
      teams.appendChild(
        el('tr', null, [
          el('td', { text: id }),
          el('td', { text: String(s.tickets) }),
          el('td', { text: pct(s.waitingRatio) }),
          el('td', { text: pct(s.abandonmentRate) }),
          el('td', { text: pct(s.callbacks?.ratio) }),
        ]),
      );
    }
    const qrows = $('quarantine-rows');
    clear(qrows);
    $('q-count').textContent = '(' + q.messages.length + ')';
    if (q.messages.length === 0) {
      qrows.appendChild(el('tr', null, [el('td', { text: '沒有隔離郵件 None', attrs: { colspan: '6' } })]));
    }
    for (const msg of q.messages) {
      qrows.appendChild(
        el('tr', null, [
          el('td', { text: (msg.account || '') + '/' + (msg.mailbox || '') }),
          el('td', { text: String(msg.uid ?? '') }),
          el('td', { text: msg.size === null ? '–' : Math.round(msg.size / 1024) + ' KB' }),
          el('td', { text: msg.receivedAt ? fmtTime(msg.receivedAt) : '–' }),
          el('td', { text: String(msg.parseFailures ?? '') }),
          el('td', { text: msg.lastError || '' }),
        ]),
      );
    }
  }

  // ── Live updates ──────────────────────────────────────────────────────────────────────────
  function startLive() {
    if (state.live) state.live.close();
    if (typeof EventSource === 'function') {
      const es = new EventSource(API + '/live');
      es.addEventListener('handoff', onNotice);
      es.addEventListener('console', onNotice);
      state.live = es;
    }
  }
  function onNotice(ev) {
    let n = {};
    try {
      n = JSON.parse(ev.data);
    } catch (_) {
      /* ignore */
    }
    const me = state.agent?.id;
    if (n.type === 'assigned' && n.agentId === me)
      banner('新的工單指派給您：' + n.ticket + ' New ticket offered to you');
    if (n.type === 'presence' && n.agentId === me && state.agent) {
      state.agent.presence = n.presence;
      renderPresence();
    }
    scheduleRefresh();
  }

  // ── Wiring ────────────────────────────────────────────────────────────────────────────────
  document.addEventListener('DOMContentLoaded', async () => {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', logout);
    for (const b of document.querySelectorAll('#tabs .tab'))
      b.addEventListener('click', () => selectTab(b.dataset.tab));
    for (const b of document.querySelectorAll('#presence button'))
      b.addEventListener('click', () => setPresence(b.dataset.presence));
    for (const b of document.querySelectorAll('#actions button'))
      b.addEventListener('click', () => act(b.dataset.action));
    $('reply-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      send('reply');
    });
    $('note-button').addEventListener('click', () => send('note'));
    $('status-filter').addEventListener('change', () => {
      state.offset = 0;
      refresh();
    });
    $('search').addEventListener('input', () => {
      state.offset = 0;
      scheduleRefresh();
    });
    $('more').addEventListener('click', () => {
      state.offset += PAGE;
      refresh();
    });
    for (const type of ['keydown', 'mousedown', 'mousemove']) {
      document.addEventListener(
        type,
        () => {
          state.lastActivity = Date.now();
        },
        { passive: true },
      );
    }
    setInterval(refresh, POLL_MS);
    setInterval(() => {
      const d = state.detail;
      const open = d && d.ticket.status !== 'resolved' && d.ticket.status !== 'closed';
      if (
        state.me &&
        state.tab !== 'dashboard' &&
        open &&
        d.ticket.customer.chat &&
        !state.revealed &&
        !state.loading
      ) {
        openTicket(d.ticket.number, true);
      }
    }, CHAT_POLL_MS);
    setInterval(heartbeat, 15000);
    try {
      const r = await api('GET', '/auth/me');
      state.csrf = r.csrf || '';
      await enter(r.user);
    } catch (_) {
      showLogin();
    }
  });
})();
