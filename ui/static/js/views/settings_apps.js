// Settings: apps — create one with its bot, see and rotate its signing
// secret, set where its events go, and manage its app-level tokens.

import { el } from './el.js';
import { BOT_SCOPES, APP_BOT_EVENTS, add, button, checkGroup, checkedValues, confirmed, copyButton, field, fmtTime,
  formError, input, secretBox, section, tokenTable, listRefresher } from './settings_ui.js';

export async function renderApps(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'app-list' });

  const form = el('form', { className: 'settings-form', 'aria-label': 'New app' });
  const name = input('name', { required: true, maxlength: '80', placeholder: 'Deployer' });
  const username = input('username', { required: true, pattern: '[a-z0-9][a-z0-9._\\-]{0,31}', placeholder: 'deployer' });
  form.append(
    field('Name', name),
    field('Bot username', username, 'The app\u2019s bot: lower-case letters, digits, . _ and -.'),
    checkGroup('Scopes of its bot token', 'scopes', BOT_SCOPES, ['chat:write']),
    el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create app' })),
    err.el,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.clear();
    try {
      const res = await app.api('POST', '/api/v1/apps',
        { name: name.value.trim(), username: username.value.trim(), scopes: checkedValues(form, 'scopes') });
      reveal.replaceChildren(secretBox(`Bot token of ${res.app.name}`, res.bot_token));
      form.reset();
      for (const c of form.querySelectorAll('input[name=scopes]')) c.checked = c.value === 'chat:write';
      ctx.invalidateBots();
      refresh();
    } catch (e2) { err.show(e2); }
  });

  function appItem(a) {
    const li = el('li', { className: 'settings-item', 'data-app-id': a.id });
    const itemErr = formError();
    const secret = el('code', { className: 'secret', text: a.signing_secret });
    const rotate = button('Rotate secret', null, { 'aria-label': `Rotate the signing secret of ${a.name}` });
    const view = el('div', { className: 'item-view' },
      el('div', { className: 'item-title' }, el('strong', { text: a.name }), ' ',
        el('span', { className: 'muted', text: `${a.app_id} · @${a.bot.username}` }),
        a.socket_mode ? el('span', { className: 'badge', text: 'socket mode' }) : null),
      el('p', { className: 'muted', text: `created ${fmtTime(a.created_at)}` }),
      el('div', { className: 'secret-row' }, el('span', { text: 'Signing secret ' }), secret, copyButton(() => a.signing_secret), rotate));
    rotate.addEventListener('click', async () => {
      if (!confirmed(`Rotate the signing secret of ${a.name}? The old one keeps working for an hour.`)) return;
      itemErr.clear();
      try { li.replaceWith(appItem(await app.api('POST', `/api/v1/apps/${a.id}/rotate-secret`))); } catch (e) { itemErr.show(e); }
    });

    // Where its events and interactions go.
    const setForm = el('form', { className: 'settings-form', 'aria-label': `Settings of ${a.name}` });
    const eventsURL = input('events_url', { type: 'url', value: a.events_url, placeholder: 'https://bolt.example.com/slack/events' });
    const actionsURL = input('interactivity_url', { type: 'url', value: a.interactivity_url });
    const socket = el('input', { type: 'checkbox', name: 'socket_mode', checked: a.socket_mode });
    const setErr = formError();
    setForm.append(
      field('Events URL', eventsURL, 'Verified with a url_verification request signed with the signing secret.'),
      checkGroup('Bot events', 'bot_events', APP_BOT_EVENTS, a.bot_events),
      field('Interactivity URL', actionsURL),
      el('label', null, socket, ' Socket Mode'),
      el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Save' })), setErr.el);
    setForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      setErr.clear();
      try {
        const updated = await app.api('PATCH', `/api/v1/apps/${a.id}`, { events_url: eventsURL.value.trim(),
          interactivity_url: actionsURL.value.trim(), socket_mode: socket.checked, bot_events: checkedValues(setForm, 'bot_events') });
        li.replaceWith(appItem(updated));
      } catch (e2) { setErr.show(e2); }
    });

    // App-level tokens, for Socket Mode.
    const tokReveal = el('div');
    const tokList = el('div');
    const tokErr = formError();
    const tokForm = el('form', { className: 'settings-form', 'aria-label': `New app token for ${a.name}` });
    const tokName = input('name', { maxlength: '80', placeholder: 'socket' });
    tokForm.append(field('App token name', tokName),
      el('div', { className: 'actions' }, el('button', { type: 'submit', text: 'Create app token' })), tokErr.el);
    async function loadTokens() {
      try {
        const res = await app.api('GET', `/api/v1/apps/${a.id}/tokens`);
        const rows = (res.items || []).map((t) => ({ ...t, scopes: [t.scopes] }));
        tokList.replaceChildren(tokenTable(rows, revokeToken, `App tokens of ${a.name}`));
      } catch (e) { tokErr.show(e); }
    }
    async function revokeToken(t) {
      if (!confirmed(`Revoke the app token “${t.name}” of ${a.name}?`)) return;
      try {
        await app.api('DELETE', `/api/v1/apps/${a.id}/tokens/${t.id}`);
        loadTokens();
      } catch (e) { tokErr.show(e); }
    }
    tokForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      tokErr.clear();
      try {
        const t = await app.api('POST', `/api/v1/apps/${a.id}/tokens`, { name: tokName.value.trim() });
        tokReveal.replaceChildren(secretBox(`App token “${t.token_info.name}” of ${a.name}`, t.token));
        tokForm.reset();
        loadTokens();
      } catch (e2) { tokErr.show(e2); }
    });
    add(li, view, itemErr.el, setForm, tokReveal, tokList, tokForm);
    loadTokens();
    return li;
  }

  const refresh = listRefresher({ list, listErr, alive, item: appItem, empty: 'No apps yet.',
    load: async () => (await app.api('GET', '/api/v1/apps')).items || [] });

  panel.append(
    section('New app', form, reveal),
    section('Apps', listErr.el, list),
  );
  await refresh();
}
