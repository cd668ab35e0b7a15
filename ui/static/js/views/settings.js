// Settings screen: profile, personal access tokens and, for admins and bot
// owners, bots, apps, incoming and outgoing webhooks and slash commands.
// Everything from the server is put into the page with textContent only.

import { el } from './el.js';
import { friendlyMessage } from '../api.js';
import { button, confirmed, field, formError, input, secretBox, section, select, tokenTable } from './settings_ui.js';
import { renderBots } from './settings_bots.js';
import { renderApps } from './settings_apps.js';
import { renderIncoming } from './settings_incoming.js';
import { renderOutgoing } from './settings_outgoing.js';
import { renderCommands } from './settings_commands.js';

const TABS = [
  { id: 'profile', label: 'Profile', render: renderProfile },
  { id: 'tokens', label: 'Tokens', render: renderTokens },
  { id: 'bots', label: 'Bots', render: renderBots, integration: true },
  { id: 'apps', label: 'Apps', render: renderApps, integration: true },
  { id: 'incoming', label: 'Incoming webhooks', render: renderIncoming, integration: true },
  { id: 'outgoing', label: 'Outgoing webhooks', render: renderOutgoing, integration: true },
  { id: 'commands', label: 'Slash commands', render: renderCommands, integration: true },
];

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
