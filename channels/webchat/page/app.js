/*
 * Kefu web chat page: gets a short-lived Direct Line token from the server (never a secret),
 * renders the official Web Chat bundle against the self-hosted Direct Line endpoint with a
 * WebSocket stream, and switches between 中文 and English. The conversation survives a page
 * reload while its token is valid (kept in sessionStorage, this tab only).
 */
(() => {
  const FONT_ZH = "'Noto Sans TC', 'Noto Sans CJK TC', 'PingFang TC', 'Microsoft JhengHei', system-ui, sans-serif";
  const FONT_EN = "'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, 'Noto Sans CJK TC', sans-serif";
  const SESSION_KEY = 'kefu.webchat.session';
  const LANG_KEY = 'kefu.webchat.lang';
  const TEXT = {
    'zh-TW': {
      subtitle: '線上客服',
      title: (brand) => brand + ' 線上客服',
      connecting: '連線中…',
      failed: '目前無法連線到線上客服，請稍後重新整理頁面再試。',
    },
    en: {
      subtitle: 'Online service',
      title: (brand) => brand + ' online service',
      connecting: 'Connecting…',
      failed: 'We cannot reach the online service right now. Please reload the page in a moment.',
    },
  };

  const body = document.body;
  const script = document.currentScript;
  const nonce = script?.nonce || undefined;
  const brand = { 'zh-TW': body.dataset.brandZh, en: body.dataset.brandEn };
  const color = body.dataset.brandColor || '#0b6e4f';
  document.documentElement.style.setProperty('--brand', color);

  const el = {
    chat: document.getElementById('webchat'),
    brand: document.getElementById('kefu-brand'),
    subtitle: document.getElementById('kefu-subtitle'),
    status: document.getElementById('kefu-status'),
    buttons: Array.from(document.querySelectorAll('.kefu-lang button')),
  };

  let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-TW';
  let directLine;
  let session;
  const store = window.WebChat.createStore();

  function webChatLocale() {
    return lang === 'en' ? 'en-US' : 'zh-TW';
  }

  function styleOptions() {
    return {
      accent: color,
      // Latin text in a CJK font gets full-width punctuation (I’ m), so English puts a Latin font first.
      primaryFont: lang === 'en' ? FONT_EN : FONT_ZH,
      backgroundColor: '#f7f9f8',
      bubbleBackground: '#ffffff',
      bubbleBorderColor: '#dfe5e2',
      bubbleBorderRadius: 12,
      bubbleFromUserBackground: color,
      bubbleFromUserTextColor: '#ffffff',
      bubbleFromUserBorderColor: color,
      bubbleFromUserBorderRadius: 12,
      bubbleMaxWidth: 560,
      botAvatarInitials: lang === 'en' ? 'KF' : '客服',
      botAvatarBackgroundColor: color,
      hideUploadButton: true,
      sendBoxButtonColor: color,
      sendBoxButtonColorOnHover: color,
      suggestedActionLayout: 'flow',
      suggestedActionBorderColor: color,
      suggestedActionTextColor: color,
      suggestedActionBorderRadius: 16,
      rootHeight: '100%',
    };
  }

  function showStatus(text) {
    el.status.textContent = text || '';
    el.status.hidden = !text;
  }

  function paintChrome() {
    const t = TEXT[lang];
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-Hant-TW';
    document.body.classList.toggle('kefu-en', lang === 'en');
    document.title = t.title(brand[lang]);
    el.brand.textContent = brand[lang];
    el.subtitle.textContent = t.subtitle;
    for (const b of el.buttons) b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
  }

  function render() {
    if (!directLine) return;
    window.WebChat.renderWebChat(
      {
        directLine,
        store,
        // No userID: the server binds the user id to the token ("dl_…") and overwrites from.id,
        // and Web Chat refuses to take a "dl_" id from the page anyway.
        locale: webChatLocale(),
        styleOptions: styleOptions(),
        nonce,
        sendTypingIndicator: false,
      },
      el.chat,
    );
  }

  function loadSession() {
    try {
      const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      // Keep a minute of margin so a resumed token does not expire while connecting.
      if (s?.token && s.conversationId && s.expiresAt - Date.now() > 60000) return s;
    } catch (_) {
      /* a corrupt entry means a new conversation */
    }
    return undefined;
  }

  async function newSession() {
    const res = await fetch('/api/v1/webchat/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locale: webChatLocale() }),
    });
    if (!res.ok) throw new Error('token request failed: ' + res.status);
    const data = await res.json();
    const s = {
      token: data.token,
      conversationId: data.conversationId,
      userId: data.userId,
      expiresAt: Date.now() + data.expires_in * 1000,
    };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    return s;
  }

  async function connect() {
    showStatus(TEXT[lang].connecting);
    const resumed = loadSession();
    session = resumed || (await newSession());
    directLine = window.WebChat.createDirectLine({
      domain: window.location.origin + '/v3/directline',
      token: session.token,
      conversationId: resumed ? session.conversationId : undefined,
      webSocket: true,
    });
    directLine.connectionStatus$.subscribe((status) => {
      // 2 = online, 4 = failed to connect, 5 = ended
      if (status === 2) showStatus('');
      if (status === 4 || status === 5) {
        sessionStorage.removeItem(SESSION_KEY);
        showStatus(TEXT[lang].failed);
      }
    });
    render();
  }

  function setLang(next) {
    if (next === lang) return;
    lang = next;
    localStorage.setItem(LANG_KEY, lang);
    paintChrome();
    render();
    // Tell the bot, which answers with the welcome in the new language.
    store.dispatch({ type: 'WEB_CHAT/SEND_EVENT', payload: { name: 'kefu/locale', value: lang } });
  }

  for (const b of el.buttons) b.addEventListener('click', () => setLang(b.dataset.lang));
  paintChrome();
  connect().catch(() => showStatus(TEXT[lang].failed));
})();
