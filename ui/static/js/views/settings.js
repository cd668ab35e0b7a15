// Settings screen: profile, personal access tokens and, for admins and bot
// owners, bots, incoming and outgoing webhooks and slash commands.
// Everything from the server is put into the page with textContent only.

import { el } from './el.js';
import { fmtFull } from '../dom.js';
import { listAll, friendlyMessage } from '../api.js';
import { safeURL } from '../render/util.js';
const BOT_SCOPES = [
  'chat:write', 'chat:write.public', 'chat:write.customize',
  'channels:read', 'groups:read',
  'channels:history', 'groups:history', 'im:history',
  'channels:join', 'channels:manage', 'im:write',
  'reactions:read', 'reactions:write',
  'users:read', 'users:read.email',
  'files:write', 'files:read',
  'commands', 'search:read',
];

const EVENT_TYPES = [
  'message.created', 'message.updated', 'message.deleted',
  'reaction.added', 'reaction.removed',
  'member.joined', 'member.left',
  'channel.created', 'channel.updated', 'channel.archived', 'channel.unarchived',
];

const TABS = [
  { id: 'profile', label: 'Profile', render: renderProfile },
  { id: 'tokens', label: 'Tokens', render: renderTokens },
  { id: 'bots', label: 'Bots', render: renderBots, integration: true },
  { id: 'incoming', label: 'Incoming webhooks', render: renderIncoming, integration: true },
  { id: 'outgoing', label: 'Outgoing webhooks', render: renderOutgoing, integration: true },
  { id: 'commands', label: 'Slash commands', render: renderCommands, integration: true },
];

let uid = 0;
function nextId(prefix) { uid += 1; return `${prefix}-${uid}`; }


// add appends children, skipping null/undefined/false (native append would
// turn them into text).
function add(parent, ...kids) {
  parent.append(...kids.filter((k) => k !== null && k !== undefined && k !== false));
}

// fmtTime is fmtFull with a dash for a missing time.
function fmtTime(ms) {
  if (!ms || Number.isNaN(new Date(ms).getTime())) return '—';
  return fmtFull(ms);
}

function button(text, onClick, attrs = {}) {
  const b = el('button', { type: 'button', ...attrs, text });
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

// field builds a labelled control: <div class="field"><label>…</label><input>…</div>.
function field(labelText, control, hint) {
  const id = control.id || nextId('f');
  control.id = id;
  const wrap = el('div', { className: 'field' });
  wrap.append(el('label', { for: id, text: labelText }), control);
  if (hint) {
    const hid = `${id}-hint`;
    control.setAttribute('aria-describedby', hid);
    wrap.append(el('small', { id: hid, className: 'field-hint', text: hint }));
  }
  return wrap;
}

function input(name, attrs = {}) {
  return el('input', { type: 'text', name, autocomplete: 'off', ...attrs });
}

function select(name, options, value) {
  const s = el('select', { name });
  for (const [v, text] of options) {
    const o = el('option', { value: v, text });
    if (String(v) === String(value)) o.selected = true;
    s.append(o);
  }
  return s;
}

function checkbox(name, labelText, checked, value) {
  const id = nextId('cb');
  const cb = el('input', { type: 'checkbox', id, name, value: value ?? 'on' });
  cb.checked = !!checked;
  return el('div', { className: 'check' }, cb, el('label', { for: id, text: labelText }));
}

function checkGroup(legend, name, values, checked = []) {
  const fs = el('fieldset', { className: 'check-group' }, el('legend', { text: legend }));
  for (const v of values) {
    const [value, text] = Array.isArray(v) ? v : [v, v];
    fs.append(checkbox(name, text, checked.includes(value), value));
  }
  return fs;
}

function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[type=checkbox][name="${name}"]`)]
    .filter((c) => c.checked).map((c) => c.value);
}

// formError returns an alert element placed next to a form and helpers to set it.
function formError() {
  const box = el('p', { className: 'form-error', role: 'alert', hidden: true });
  return {
    el: box,
    show(err) { box.textContent = typeof err === 'string' ? err : friendlyMessage(err); box.hidden = false; },
    clear() { box.textContent = ''; box.hidden = true; },
  };
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = el('textarea', { className: 'visually-hidden', 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

function copyButton(getText, label = 'Copy') {
  const b = button(label, async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? 'Copied' : 'Copy failed — select and copy by hand';
    setTimeout(() => { b.textContent = label; }, 2000);
  }, { className: 'copy-button' });
  return b;
}

// secretBox shows a secret once, with a copy button and a warning.
function secretBox(title, secret, note) {
  const box = el('div', { className: 'secret-box', role: 'status' });
  const code = el('code', { className: 'secret', text: secret });
  box.append(
    el('p', { className: 'secret-title', text: title }),
    el('div', { className: 'secret-row' }, code, copyButton(() => secret)),
    el('p', { className: 'muted', text: note || 'Copy it now: it is not shown again.' }),
    button('Done', () => box.remove()),
  );
  return box;
}

function confirmed(question) {
  return window.confirm(question);
}

function section(title, ...children) {
  const id = nextId('h');
  return el('section', { className: 'settings-section', 'aria-labelledby': id },
    el('h3', { id, text: title }), ...children);
}

function emptyRow(list, text) {
  list.append(el('li', { className: 'muted empty', text }));
}

async function loadChannels(app) {
  const all = await listAll('/api/v1/channels?limit=200', 20, (p) => app.api('GET', p));
  return all.filter((c) => !c.archived);
}

function channelName(ch) {
  if (!ch) return '';
  if (ch.kind === 'dm' || ch.kind === 'group_dm') return `DM ${ch.id}`;
  return (ch.private ? '🔒 ' : '#') + ch.name;
}

// ---------------------------------------------------------------- mount

export function mountSettings(container, app) {
  container.replaceChildren();
  const root = el('div', { className: 'settings-view' });
  container.append(root);

  const heading = el('h2', { id: 'settings-heading', text: 'Settings' });
  const tablist = el('div', { className: 'settings-tabs', role: 'tablist', 'aria-labelledby': 'settings-heading' });
  const panel = el('div', { className: 'settings-panel', role: 'tabpanel', id: 'settings-panel', tabindex: '0' });
  root.append(heading, tablist, panel);

  const me = app.store.me || {};
  let showIntegrations = !!me.is_admin;
  let bots = null; // cached list of managed bots
  let current = null;
  let renderGen = 0;

  const ctx = {
    app,
    async bots(refresh) {
      if (!bots || refresh) {
        const res = await app.api('GET', '/api/v1/bots');
        bots = res.items || [];
      }
      return bots;
    },
    invalidateBots() { bots = null; },
  };

  const buttons = new Map();

  function visibleTabs() {
    return TABS.filter((t) => !t.integration || showIntegrations);
  }

  function drawTabs() {
    tablist.replaceChildren();
    buttons.clear();
    for (const t of visibleTabs()) {
      const b = el('button', {
        type: 'button', role: 'tab', id: `settings-tab-${t.id}`, 'data-tab': t.id,
        'aria-controls': 'settings-panel', text: t.label,
      });
      b.addEventListener('click', () => selectTab(t.id, true));
      buttons.set(t.id, b);
      tablist.append(b);
    }
    markSelected();
  }

  function markSelected() {
    for (const [id, b] of buttons) {
      const on = id === current;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
    }
    if (current) panel.setAttribute('aria-labelledby', `settings-tab-${current}`);
  }

  tablist.addEventListener('keydown', (e) => {
    const ids = [...buttons.keys()];
    let i = ids.indexOf(current);
    if (e.key === 'ArrowRight') i = (i + 1) % ids.length;
    else if (e.key === 'ArrowLeft') i = (i - 1 + ids.length) % ids.length;
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = ids.length - 1;
    else return;
    e.preventDefault();
    selectTab(ids[i], true);
    buttons.get(ids[i]).focus();
  });

  function selectTab(id, updateHash) {
    const tab = visibleTabs().find((t) => t.id === id) || TABS[0];
    current = tab.id;
    markSelected();
    if (updateHash) {
      const next = `#/settings/${tab.id}`;
      if (location.hash !== next) history.replaceState(history.state, '', next);
    }
    renderGen += 1;
    const gen = renderGen;
    panel.replaceChildren();
    const alive = () => gen === renderGen;
    Promise.resolve(tab.render(panel, ctx, alive)).catch((err) => {
      if (!alive()) return;
      panel.append(el('p', { className: 'form-error', role: 'alert', text: friendlyMessage(err) }));
    });
  }

  function tabFromHash() {
    const m = /^#\/settings\/([a-z]+)/.exec(location.hash || '');
    return m ? m[1] : 'profile';
  }

  drawTabs();
  selectTab(tabFromHash(), false);

  // Bot owners see the integration tabs too.
  if (!showIntegrations) {
    ctx.bots().then((list) => {
      if (list.length && !showIntegrations) {
        showIntegrations = true;
        drawTabs();
        const wanted = tabFromHash();
        if (wanted !== current && TABS.some((t) => t.id === wanted)) selectTab(wanted, false);
      }
    }).catch(() => {});
  }

  function onHashChange() {
    const id = tabFromHash();
    if (location.hash.startsWith('#/settings') && id !== current) selectTab(id, false);
  }
  window.addEventListener('hashchange', onHashChange);

  return {
    destroy() {
      renderGen += 1;
      window.removeEventListener('hashchange', onHashChange);
      container.replaceChildren();
    },
  };
}

// ---------------------------------------------------------------- profile

async function renderProfile(panel, ctx, alive) {
  const { app } = ctx;
  let user = app.store.me;
  try {
    user = await app.api('GET', '/api/v1/users/me');
  } catch (err) {
    if (!user || !user.id) throw err;
  }
  if (!alive()) return;
  const err = formError();
  const ok = el('p', { className: 'form-ok', role: 'status' });
  const form = el('form', { className: 'settings-form', 'aria-label': 'Profile' });
  const username = input('username', { readonly: true, value: user.username || '' });
  const display = input('display_name', { maxlength: '80', value: user.display_name || '' });
  const emoji = input('status_emoji', { value: user.status_emoji ? `:${user.status_emoji}:` : '', placeholder: ':palm_tree:' });
  const text = input('status_text', { maxlength: '100', value: user.status_text || '' , placeholder: 'On holiday' });
  const save = el('button', { type: 'submit', text: 'Save profile' });
  const clear = button('Clear status', null);
  form.append(
    field('Username', username),
    field('Display name', display),
    field('Status emoji', emoji, 'A shortcode such as :palm_tree:, or empty.'),
    field('Status text', text),
    el('div', { className: 'actions' }, save, clear),
    err.el, ok,
  );

  async function patch(body) {
    err.clear();
    ok.textContent = '';
    save.disabled = true;
    try {
      const u = await app.api('PATCH', '/api/v1/users/me', body);
      display.value = u.display_name || '';
      emoji.value = u.status_emoji ? `:${u.status_emoji}:` : '';
      text.value = u.status_text || '';
      app.store.putUser(u);
      ok.textContent = 'Saved.';
    } catch (e) {
      err.show(e);
    } finally {
      save.disabled = false;
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    patch({ display_name: display.value.trim(), status_emoji: emoji.value.trim(), status_text: text.value.trim() });
  });
  clear.addEventListener('click', () => patch({ status_emoji: '', status_text: '' }));
  panel.append(section('Profile', form));
}

// ---------------------------------------------------------------- tokens

function tokenTable(tokens, onRevoke, caption) {
  const table = el('table', { className: 'settings-table' });
  table.append(el('caption', { className: 'visually-hidden', text: caption }));
  const head = el('tr');
  for (const h of ['Name', 'Token', 'Scopes', 'Created', 'Last used', 'Expires', '']) head.append(el('th', { scope: 'col', text: h }));
  table.append(el('thead', null, head));
  const body = el('tbody');
  for (const t of tokens) {
    const tr = el('tr', { 'data-token-id': t.id });
    tr.append(
      el('td', { text: t.name }),
      el('td', null, el('code', { text: t.hint })),
      el('td', { text: t.scopes ? (t.scopes.join(', ') || 'none') : '—' }),
      el('td', { text: fmtTime(t.created_at) }),
      el('td', { text: t.last_used_at ? fmtTime(t.last_used_at) : 'never' }),
      el('td', { text: t.expires_at ? fmtTime(t.expires_at) : 'never' }),
      el('td', null, button('Revoke', () => onRevoke(t), { className: 'danger', 'aria-label': `Revoke token ${t.name}` })),
    );
    body.append(tr);
  }
  if (!tokens.length) body.append(el('tr', null, el('td', { colspan: '7', className: 'muted', text: 'No tokens.' })));
  table.append(body);
  return table;
}

async function renderTokens(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const listWrap = el('div');

  const form = el('form', { className: 'settings-form inline', 'aria-label': 'New personal access token' });
  const name = input('name', { required: true, maxlength: '100', placeholder: 'laptop scripts' });
  const expires = select('expires_in', [
    ['0', 'Never'], [String(7 * 86400), '7 days'], [String(30 * 86400), '30 days'],
    [String(90 * 86400), '90 days'], [String(365 * 86400), '1 year'],
  ], '0');
  form.append(field('Name', name), field('Expires', expires),
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create token' })), err.el);

  async function refresh() {
    listErr.clear();
    try {
      const res = await app.api('GET', '/api/v1/tokens');
      if (!alive()) return;
      const items = (res.items || []).filter((t) => t.kind !== 'session');
      listWrap.replaceChildren(tokenTable(items, revoke, 'Personal access tokens'));
    } catch (e) {
      listErr.show(e);
    }
  }

  async function revoke(t) {
    if (!confirmed(`Revoke the token “${t.name}”? Anything using it stops working at once.`)) return;
    listErr.clear();
    try {
      await app.api('DELETE', `/api/v1/tokens/${t.id}`);
      refresh();
    } catch (e) {
      listErr.show(e);
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    try {
      const t = await app.api('POST', '/api/v1/tokens', { name: name.value.trim(), expires_in: Number(expires.value) });
      reveal.replaceChildren(secretBox(`Token “${t.name}”`, t.token));
      form.reset();
      refresh();
    } catch (e2) {
      err.show(e2);
    }
  });

  panel.append(
    section('Personal access tokens',
      el('p', { className: 'muted', text: 'Tokens act as you through the API (Authorization: Bearer plp_…).' }),
      form, reveal, listErr.el, listWrap),
  );
  await refresh();
}

// ---------------------------------------------------------------- bots

async function renderBots(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'bot-list' });

  const form = el('form', { className: 'settings-form', 'aria-label': 'New bot' });
  const username = input('username', { required: true, pattern: '[a-z0-9][a-z0-9._-]{0,31}', placeholder: 'ci' });
  const display = input('display_name', { maxlength: '80', placeholder: 'CI' });
  const icon = input('icon_emoji', { placeholder: ':robot_face:' });
  const scopes = checkGroup('Scopes of the first token', 'scopes', BOT_SCOPES, ['chat:write']);
  form.append(
    field('Username', username, 'Lower-case letters, digits, . _ and -.'),
    field('Display name', display),
    field('Icon emoji', icon),
    scopes,
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create bot' })),
    err.el,
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    const body = { username: username.value.trim(), scopes: checkedValues(form, 'scopes') };
    if (display.value.trim()) body.display_name = display.value.trim();
    if (icon.value.trim()) body.icon_emoji = icon.value.trim().replace(/^:|:$/g, '');
    try {
      const res = await app.api('POST', '/api/v1/bots', body);
      reveal.replaceChildren(secretBox(`Token of @${res.bot.username}`, res.token));
      form.reset();
      for (const c of form.querySelectorAll('input[name=scopes]')) c.checked = c.value === 'chat:write';
      ctx.invalidateBots();
      refresh();
    } catch (e2) {
      err.show(e2);
    }
  });

  function botItem(bot) {
    const li = el('li', { className: 'settings-item', 'data-bot-id': bot.id });
    const title = el('div', { className: 'item-title' },
      el('strong', { text: bot.display_name || bot.username }), ' ',
      el('span', { className: 'muted', text: `@${bot.username}` }), ' ',
      el('span', { className: 'badge', text: 'bot' }),
      bot.deactivated ? el('span', { className: 'badge warn', text: 'deleted' }) : null);
    const itemErr = formError();
    const tokensWrap = el('div', { className: 'item-detail', hidden: true });
    const tokReveal = el('div');
    const tokToggle = button('Tokens', null, { 'aria-expanded': 'false', 'aria-label': `Tokens of @${bot.username}` });
    const del = button('Delete bot', null, { className: 'danger', 'aria-label': `Delete bot @${bot.username}` });
    const actions = el('div', { className: 'actions' }, tokToggle, bot.deactivated ? null : del);
    add(li, title, el('p', { className: 'muted', text: `Created ${fmtTime(bot.created_at)}` }), actions, itemErr.el, tokensWrap);

    del.addEventListener('click', async () => {
      if (!confirmed(`Delete @${bot.username}? It is deactivated and all its tokens are revoked.`)) return;
      itemErr.clear();
      try {
        await app.api('DELETE', `/api/v1/bots/${bot.id}`);
        ctx.invalidateBots();
        refresh();
      } catch (e) { itemErr.show(e); }
    });

    const tokList = el('div');
    const tokErr = formError();
    const tokForm = el('form', { className: 'settings-form', 'aria-label': `New token for @${bot.username}` });
    const tokName = input('name', { required: true, maxlength: '100', placeholder: 'deploy job' });
    tokForm.append(field('Token name', tokName), checkGroup('Scopes', 'scopes', BOT_SCOPES, ['chat:write']),
      el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create token' })), tokErr.el);

    async function loadTokens() {
      tokErr.clear();
      try {
        const res = await app.api('GET', `/api/v1/bots/${bot.id}/tokens`);
        tokList.replaceChildren(tokenTable(res.items || [], revokeToken, `Tokens of @${bot.username}`));
      } catch (e) { tokErr.show(e); }
    }
    async function revokeToken(t) {
      if (!confirmed(`Revoke the token “${t.name}” of @${bot.username}?`)) return;
      try {
        await app.api('DELETE', `/api/v1/bots/${bot.id}/tokens/${t.id}`);
        loadTokens();
      } catch (e) { tokErr.show(e); }
    }
    tokForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      tokErr.clear();
      try {
        const t = await app.api('POST', `/api/v1/bots/${bot.id}/tokens`, { name: tokName.value.trim(), scopes: checkedValues(tokForm, 'scopes') });
        tokReveal.replaceChildren(secretBox(`Token “${t.name}” of @${bot.username}`, t.token));
        tokForm.reset();
        for (const c of tokForm.querySelectorAll('input[name=scopes]')) c.checked = c.value === 'chat:write';
        loadTokens();
      } catch (e2) { tokErr.show(e2); }
    });
    if (bot.deactivated) tokForm.hidden = true;
    tokensWrap.append(tokReveal, tokList, tokForm);

    tokToggle.addEventListener('click', () => {
      const open = tokensWrap.hidden;
      tokensWrap.hidden = !open;
      tokToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) loadTokens();
    });
    return li;
  }

  async function refresh() {
    listErr.clear();
    try {
      const items = await ctx.bots(true);
      if (!alive()) return;
      list.replaceChildren();
      for (const b of items) list.append(botItem(b));
      if (!items.length) emptyRow(list, 'No bots yet.');
    } catch (e) { listErr.show(e); }
  }

  panel.append(
    section('New bot', form, reveal),
    section('Bots', listErr.el, list),
  );
  await refresh();
}

// ---------------------------------------------------------------- incoming webhooks

async function renderIncoming(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'incoming-list' });

  let channels = [];
  try { channels = await loadChannels(app); } catch (e) { listErr.show(e); }
  if (!alive()) return;
  const byId = new Map(channels.map((c) => [c.id, c]));
  const postable = channels.filter((c) => c.kind === 'public' || c.kind === 'private');

  const form = el('form', { className: 'settings-form', 'aria-label': 'New incoming webhook' });
  const channel = select('channel_id', postable.map((c) => [c.id, channelName(c)]));
  channel.required = true;
  const name = input('name', { required: true, maxlength: '80', placeholder: 'CI' });
  const desc = input('description', { maxlength: '500' });
  const uname = input('username', { maxlength: '80', placeholder: 'Shown as (default: the name)' });
  const icon = input('icon_emoji', { placeholder: ':robot_face:' });
  const override = checkbox('allow_channel_override', 'Let a payload choose another channel (its channel field)', false);
  form.append(field('Channel', channel), field('Name', name), field('Description', desc),
    field('Post as', uname), field('Icon emoji', icon), override,
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create webhook' })), err.el);
  if (!postable.length) {
    err.show('Join a channel first: a webhook posts into a channel you are a member of.');
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    const body = {
      channel_id: Number(channel.value),
      name: name.value.trim(),
      allow_channel_override: form.querySelector('input[name=allow_channel_override]').checked,
    };
    if (desc.value.trim()) body.description = desc.value.trim();
    if (uname.value.trim()) body.username = uname.value.trim();
    if (icon.value.trim()) body.icon_emoji = icon.value.trim().replace(/^:|:$/g, '');
    try {
      const hook = await app.api('POST', '/api/v1/incoming-webhooks', body);
      const curl = `curl -X POST -H 'Content-type: application/json' --data '{"text":"Hello"}' ${hook.url}`;
      const box = secretBox(`Webhook URL for “${hook.name}”`, hook.url, 'The URL is the credential: copy it now, it is not shown again.');
      box.insertBefore(el('div', { className: 'secret-row' },
        el('pre', { className: 'sample' }, el('code', { text: curl })),
        copyButton(() => curl, 'Copy curl')), box.lastChild);
      reveal.replaceChildren(box);
      form.reset();
      refresh();
    } catch (e2) { err.show(e2); }
  });

  function hookItem(h) {
    const li = el('li', { className: 'settings-item', 'data-hook-id': h.id });
    const itemErr = formError();
    const del = button('Delete', async () => {
      if (!confirmed(`Delete the webhook “${h.name}”? Its URL stops working.`)) return;
      itemErr.clear();
      try {
        await app.api('DELETE', `/api/v1/incoming-webhooks/${h.id}`);
        refresh();
      } catch (e) { itemErr.show(e); }
    }, { className: 'danger', 'aria-label': `Delete webhook ${h.name}` });
    const ch = byId.get(h.channel_id);
    add(li, 
      el('div', { className: 'item-title' }, el('strong', { text: h.name }), ' ',
        el('span', { className: 'muted', text: `→ ${ch ? channelName(ch) : `channel ${h.channel_id}`}` })),
      h.description ? el('p', { text: h.description }) : null,
      el('p', { className: 'muted', text: `Posts as ${h.username || h.name}${h.allow_channel_override ? ' · payloads may choose the channel' : ''} · created ${fmtTime(h.created_at)} · last used ${h.last_used_at ? fmtTime(h.last_used_at) : 'never'}` }),
      el('div', { className: 'actions' }, del), itemErr.el,
    );
    return li;
  }

  async function refresh() {
    listErr.clear();
    try {
      const res = await app.api('GET', '/api/v1/incoming-webhooks');
      if (!alive()) return;
      list.replaceChildren();
      for (const h of res.items || []) list.append(hookItem(h));
      if (!(res.items || []).length) emptyRow(list, 'No incoming webhooks yet.');
    } catch (e) { listErr.show(e); }
  }

  panel.append(
    section('New incoming webhook',
      el('p', { className: 'muted', text: 'Anything that posts to a Slack incoming webhook can post to its URL.' }),
      form, reveal),
    section('Incoming webhooks', listErr.el, list),
  );
  await refresh();
}

// ---------------------------------------------------------------- outgoing webhooks

function deliveryLog(app, hook) {
  const wrap = el('div', { className: 'delivery-log' });
  const logErr = formError();
  const list = el('ol', { className: 'deliveries' });
  const more = button('Load more', null, { hidden: true });
  const reload = button('Refresh', null);
  let cursor = '';

  function deliveryItem(d) {
    const li = el('li', { className: `delivery state-${d.state}`, 'data-delivery-id': d.id });
    const itemErr = formError();
    const redeliver = button('Redeliver', async () => {
      itemErr.clear();
      redeliver.disabled = true;
      try {
        const nd = await app.api('POST', `/api/v1/outgoing-webhooks/${hook.id}/deliveries/${d.id}/redeliver`);
        li.replaceWith(deliveryItem(nd));
      } catch (e) {
        itemErr.show(e);
        redeliver.disabled = false;
      }
    }, { 'aria-label': `Redeliver ${d.event_type} ${d.event_id}` });
    if (d.state === 'pending') redeliver.disabled = true;
    add(li, el('div', { className: 'item-title' },
      el('span', { className: `badge state ${d.state}`, text: d.state }), ' ',
      el('strong', { text: d.event_type }), ' ',
      el('code', { className: 'muted', text: d.event_id }), ' ',
      el('span', { className: 'muted', text: `${fmtTime(d.created_at)} · ${d.attempt_count} attempt${d.attempt_count === 1 ? '' : 's'}${d.state === 'pending' && d.next_attempt_at ? ` · next ${fmtTime(d.next_attempt_at)}` : ''}` })),
      el('div', { className: 'actions' }, redeliver), itemErr.el);
    const attempts = d.attempts || [];
    if (attempts.length) {
      const table = el('table', { className: 'settings-table attempts' });
      table.append(el('caption', { className: 'visually-hidden', text: `Attempts of delivery ${d.id}` }));
      const head = el('tr');
      for (const h of ['#', 'Time', 'Status', 'Latency', 'Error', 'Response']) head.append(el('th', { scope: 'col', text: h }));
      table.append(el('thead', null, head));
      const body = el('tbody');
      for (const a of attempts) {
        const resp = a.response || '';
        const respCell = el('td');
        if (resp) {
          const det = el('details', null, el('summary', { text: resp.length > 60 ? `${resp.slice(0, 60)}…` : resp }), el('pre', { text: resp }));
          respCell.append(det);
        } else respCell.textContent = '—';
        body.append(el('tr', null,
          el('td', { text: String(a.num) }),
          el('td', { text: fmtTime(a.at) }),
          el('td', { className: a.status >= 200 && a.status < 300 ? 'ok' : 'bad', text: a.status ? String(a.status) : 'no answer' }),
          el('td', { text: `${a.latency_ms} ms` }),
          el('td', { text: a.error || '—' }),
          respCell));
      }
      table.append(body);
      add(li, table);
    }
    return li;
  }

  async function load(append) {
    logErr.clear();
    if (!append) { cursor = ''; list.replaceChildren(); }
    const q = new URLSearchParams({ limit: '20' });
    if (append && cursor) q.set('cursor', cursor);
    try {
      const res = await app.api('GET', `/api/v1/outgoing-webhooks/${hook.id}/deliveries?${q}`);
      for (const d of res.items || []) list.append(deliveryItem(d));
      if (!list.children.length) emptyRow(list, 'No deliveries yet.');
      cursor = res.next_cursor || '';
      more.hidden = !cursor;
    } catch (e) { logErr.show(e); }
  }
  more.addEventListener('click', () => load(true));
  reload.addEventListener('click', () => load(false));
  wrap.append(el('div', { className: 'actions' }, el('h4', { text: 'Delivery log' }), reload), logErr.el, list, more);
  return { el: wrap, load };
}

async function renderOutgoing(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'outgoing-list' });

  let channels = [];
  let bots = [];
  try {
    [channels, bots] = await Promise.all([loadChannels(app), ctx.bots().catch(() => [])]);
  } catch (e) { listErr.show(e); }
  if (!alive()) return;
  const byId = new Map(channels.map((c) => [c.id, c]));
  const readable = channels.filter((c) => c.kind === 'public' || c.kind === 'private');

  const form = el('form', { className: 'settings-form', 'aria-label': 'New outgoing webhook' });
  const name = input('name', { maxlength: '80', placeholder: 'deploy bot' });
  const url = input('url', { type: 'url', required: true, placeholder: 'https://ci.example.com/parley' });
  const format = select('format', [['event', 'Events API (JSON envelope, url_verification first)'], ['slack', 'Slack legacy outgoing webhook']], 'event');
  const ctype = select('content_type', [['application/x-www-form-urlencoded', 'Form (default)'], ['application/json', 'JSON']], 'application/x-www-form-urlencoded');
  const ctypeField = field('Content type (Slack format)', ctype);
  const triggers = input('trigger_words', { placeholder: 'deploy, rollback' });
  const when = select('trigger_when', [['first_word', 'The first word is one'], ['starts_with', 'The text starts with one']], 'first_word');
  const bot = select('bot_id', [['0', 'None (replies post as you)'], ...bots.filter((b) => !b.deactivated).map((b) => [b.id, `@${b.username}`])], '0');
  const chans = checkGroup('Channels (none checked: every public channel)', 'channel_ids', readable.map((c) => [String(c.id), channelName(c)]));
  const events = checkGroup('Events (Events API format)', 'event_types', EVENT_TYPES, ['message.created']);
  const includeBots = checkbox('include_bot_messages', 'Include messages from bots and integrations', false);
  form.append(field('Name', name), field('URL', url), field('Format', format), ctypeField,
    field('Trigger words', triggers, 'Comma-separated; empty sends every message.'), field('Trigger when', when),
    field('Bot', bot, 'Replies post as this bot, and its messages never trigger the webhook.'),
    chans, events, includeBots,
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create webhook' })), err.el);
  function syncFormat() {
    ctypeField.hidden = format.value !== 'slack';
    events.hidden = format.value === 'slack';
  }
  format.addEventListener('change', syncFormat);
  syncFormat();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    const body = {
      url: url.value.trim(),
      format: format.value,
      trigger_when: when.value,
      include_bot_messages: form.querySelector('input[name=include_bot_messages]').checked,
      channel_ids: checkedValues(form, 'channel_ids').map(Number),
      trigger_words: triggers.value.split(',').map((s) => s.trim()).filter(Boolean),
    };
    if (name.value.trim()) body.name = name.value.trim();
    if (Number(bot.value)) body.bot_id = Number(bot.value);
    if (format.value === 'slack') body.content_type = ctype.value;
    else body.event_types = checkedValues(form, 'event_types');
    try {
      const hook = await app.api('POST', '/api/v1/outgoing-webhooks', body);
      reveal.replaceChildren(secretBox(`Signing secret of “${hook.name || hook.url}”`, hook.secret,
        'Verify X-Parley-Signature (or X-Slack-Signature) with it. Copy it now: it is not shown again.'));
      form.reset();
      syncFormat();
      refresh();
    } catch (e2) { err.show(e2); }
  });

  function hookItem(h) {
    const li = el('li', { className: 'settings-item', 'data-hook-id': h.id });
    const itemErr = formError();
    const itemReveal = el('div');
    const label = h.name || h.url;
    const toggle = button(h.active ? 'Pause' : 'Resume', async () => {
      itemErr.clear();
      try {
        await app.api('PATCH', `/api/v1/outgoing-webhooks/${h.id}`, { active: !h.active });
        refresh();
      } catch (e) { itemErr.show(e); }
    }, { 'aria-label': `${h.active ? 'Pause' : 'Resume'} ${label}` });
    const rotate = button('Rotate secret', async () => {
      if (!confirmed(`Rotate the signing secret of “${label}”? Requests are signed with the new one at once.`)) return;
      itemErr.clear();
      try {
        const res = await app.api('POST', `/api/v1/outgoing-webhooks/${h.id}/rotate-secret`);
        itemReveal.replaceChildren(secretBox(`New signing secret of “${label}”`, res.secret));
      } catch (e) { itemErr.show(e); }
    }, { 'aria-label': `Rotate secret of ${label}` });
    const del = button('Delete', async () => {
      if (!confirmed(`Delete “${label}”? Its queued deliveries are dropped.`)) return;
      itemErr.clear();
      try {
        await app.api('DELETE', `/api/v1/outgoing-webhooks/${h.id}`);
        refresh();
      } catch (e) { itemErr.show(e); }
    }, { className: 'danger', 'aria-label': `Delete ${label}` });
    const log = deliveryLog(app, h);
    log.el.hidden = true;
    const logToggle = button('Delivery log', () => {
      const open = log.el.hidden;
      log.el.hidden = !open;
      logToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) log.load(false);
    }, { 'aria-expanded': 'false', 'aria-label': `Delivery log of ${label}` });

    const chNames = (h.channel_ids || []).map((id) => (byId.get(id) ? channelName(byId.get(id)) : `channel ${id}`));
    const href = safeURL(h.url, ['http:', 'https:']);
    const link = el('a', { href: href || undefined, rel: 'noopener noreferrer', target: '_blank', text: h.url });
    add(li, 
      el('div', { className: 'item-title' }, el('strong', { text: h.name || '(unnamed)' }), ' ',
        el('span', { className: h.active ? 'badge ok' : 'badge warn', text: h.active ? 'active' : 'paused' })),
      el('p', null, link),
      el('p', { className: 'muted', text: [
        `format ${h.format}${h.format === 'slack' ? ` (${h.content_type})` : ''}`,
        `events ${(h.event_types || []).join(', ') || 'message.created'}`,
        `channels ${chNames.join(', ') || 'every public channel'}`,
        h.trigger_words && h.trigger_words.length ? `triggers ${h.trigger_words.join(', ')} (${h.trigger_when})` : null,
        h.include_bot_messages ? 'includes bot messages' : null,
        `created ${fmtTime(h.created_at)}`,
      ].filter(Boolean).join(' · ') }),
      el('div', { className: 'actions' }, toggle, rotate, logToggle, del),
      itemErr.el, itemReveal, log.el,
    );
    return li;
  }

  async function refresh() {
    listErr.clear();
    try {
      const res = await app.api('GET', '/api/v1/outgoing-webhooks');
      if (!alive()) return;
      list.replaceChildren();
      for (const h of res.items || []) list.append(hookItem(h));
      if (!(res.items || []).length) emptyRow(list, 'No outgoing webhooks yet.');
    } catch (e) { listErr.show(e); }
  }

  panel.append(
    section('New outgoing webhook',
      el('p', { className: 'muted', text: 'Events are POSTed to your URL, signed, retried for 24 hours and logged.' }),
      form, reveal),
    section('Outgoing webhooks', listErr.el, list),
  );
  await refresh();
}

// ---------------------------------------------------------------- slash commands

async function renderCommands(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'command-list' });

  let bots = [];
  try { bots = await ctx.bots(); } catch (e) { listErr.show(e); }
  if (!alive()) return;
  const botsById = new Map(bots.map((b) => [b.id, b]));
  const active = bots.filter((b) => !b.deactivated);

  const form = el('form', { className: 'settings-form', 'aria-label': 'New slash command' });
  const trigger = input('trigger', { required: true, pattern: '[a-z0-9_-]{1,32}', placeholder: 'deploy' });
  const url = input('url', { type: 'url', required: true, placeholder: 'https://ci.example.com/slack/deploy' });
  const method = select('method', [['POST', 'POST'], ['GET', 'GET']], 'POST');
  const desc = input('description', { placeholder: 'Deploy a service' });
  const hint = input('usage_hint', { placeholder: '<service> <env>' });
  const bot = select('bot_id', active.map((b) => [b.id, `@${b.username}`]));
  bot.required = true;
  form.append(field('Trigger', trigger, 'Typed as /trigger: a-z, 0-9, _ and -, up to 32.'),
    field('Request URL', url), field('Method', method), field('Description', desc),
    field('Usage hint', hint), field('Bot', bot, 'Replies post as this bot.'),
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create command' })), err.el);
  if (!active.length) err.show('Create a bot first: a slash command belongs to a bot.');

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    const body = {
      trigger: trigger.value.trim().replace(/^\//, ''),
      url: url.value.trim(),
      method: method.value,
      description: desc.value.trim(),
      usage_hint: hint.value.trim(),
      bot_id: Number(bot.value),
    };
    try {
      const cmd = await app.api('POST', '/api/v1/commands', body);
      reveal.replaceChildren(secretBox(`Signing secret of /${cmd.trigger}`, cmd.secret,
        'Verify X-Slack-Signature (or X-Parley-Signature) with it. Copy it now: it is not shown again.'));
      form.reset();
      refresh();
    } catch (e2) { err.show(e2); }
  });

  function cmdItem(c) {
    const li = el('li', { className: 'settings-item', 'data-command-id': c.id });
    const itemErr = formError();
    const itemReveal = el('div');
    const b = botsById.get(c.bot_id);
    const rotate = button('Rotate secret', async () => {
      if (!confirmed(`Rotate the signing secret of /${c.trigger}?`)) return;
      itemErr.clear();
      try {
        const res = await app.api('POST', `/api/v1/commands/${c.id}/rotate-secret`);
        itemReveal.replaceChildren(secretBox(`New signing secret of /${c.trigger}`, res.secret));
      } catch (e) { itemErr.show(e); }
    }, { 'aria-label': `Rotate secret of /${c.trigger}` });
    const del = button('Delete', async () => {
      if (!confirmed(`Delete /${c.trigger}?`)) return;
      itemErr.clear();
      try {
        await app.api('DELETE', `/api/v1/commands/${c.id}`);
        refresh();
      } catch (e) { itemErr.show(e); }
    }, { className: 'danger', 'aria-label': `Delete /${c.trigger}` });
    add(li, 
      el('div', { className: 'item-title' }, el('strong', null, el('code', { text: `/${c.trigger}` })), ' ',
        c.usage_hint ? el('span', { className: 'muted', text: c.usage_hint }) : null),
      c.description ? el('p', { text: c.description }) : null,
      el('p', { className: 'muted', text: `${c.method} ${c.url} · bot ${b ? `@${b.username}` : c.bot_id} · created ${fmtTime(c.created_at)}` }),
      el('div', { className: 'actions' }, rotate, del), itemErr.el, itemReveal,
    );
    return li;
  }

  async function refresh() {
    listErr.clear();
    try {
      const res = await app.api('GET', '/api/v1/commands/registered');
      if (!alive()) return;
      list.replaceChildren();
      for (const c of res.items || []) list.append(cmdItem(c));
      if (!(res.items || []).length) emptyRow(list, 'No slash commands yet.');
    } catch (e) { listErr.show(e); }
  }

  panel.append(
    section('New slash command', form, reveal),
    section('Slash commands', listErr.el, list),
  );
  await refresh();
}
