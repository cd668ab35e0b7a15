// Settings: bots — create, edit (display name and icon), delete, and
// manage each bot's tokens.

import { el } from './el.js';
import { BOT_SCOPES, add, button, checkGroup, checkedValues, confirmed, field, fmtTime, formError,
  input, secretBox, section, tokenTable, listRefresher } from './settings_ui.js';
import { afterSave, editable } from './settings_edit.js';

export async function renderBots(panel, ctx, alive) {
  const { app } = ctx;
  const err = formError();
  const listErr = formError();
  const reveal = el('div');
  const list = el('ul', { className: 'settings-list', id: 'bot-list' });

  const form = el('form', { className: 'settings-form', 'aria-label': 'New bot' });
  const username = input('username', { required: true, pattern: '[a-z0-9][a-z0-9._\\-]{0,31}', placeholder: 'ci' });
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
    const edit = button('Edit', null, { 'data-edit': '', 'aria-label': `Edit bot @${bot.username}` });
    const actions = el('div', { className: 'actions' }, bot.deactivated ? null : edit, tokToggle, bot.deactivated ? null : del);
    const icon = bot.icon_emoji ? `icon :${bot.icon_emoji}:` : bot.icon_url ? `icon ${bot.icon_url}` : null;
    const view = el('div', { className: 'item-view' }, title,
      el('p', { className: 'muted', text: [icon, `created ${fmtTime(bot.created_at)}`].filter(Boolean).join(' · ') }), actions);
    add(li, view, itemErr.el, tokensWrap);
    editable(view, edit, () => ({
      label: `Edit bot @${bot.username}`,
      item: bot,
      fields: [
        { name: 'display_name', label: 'Display name', attrs: { maxlength: '80' } },
        { name: 'icon_emoji', label: 'Icon emoji', kind: 'emoji' },
        { name: 'icon_url', label: 'Icon URL', kind: 'url', hint: 'An http(s) image; the emoji is shown when both are set.' },
      ],
      save: (body) => app.api('PATCH', `/api/v1/bots/${bot.id}`, body),
    }), (updated) => {
      ctx.invalidateBots();
      const next = botItem(updated);
      li.replaceWith(next);
      afterSave(next);
    });

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

  const refresh = listRefresher({ list, listErr, alive, item: botItem, empty: 'No bots yet.',
    load: () => ctx.bots(true) });

  panel.append(
    section('New bot', form, reveal),
    section('Bots', listErr.el, list),
  );
  await refresh();
}
