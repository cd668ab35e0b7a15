// Settings: slash commands — register, edit, rotate the signing secret,
// delete.

import { el } from './el.js';
import { add, button, confirmed, field, fmtTime, formError, input, secretBox, section, select, listRefresher } from './settings_ui.js';
import { afterSave, editable } from './settings_edit.js';

export async function renderCommands(panel, ctx, alive) {
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
  const trigger = input('trigger', { required: true, pattern: '[a-z0-9_\\-]{1,32}', placeholder: 'deploy' });
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
    const edit = button('Edit', null, { 'data-edit': '', 'aria-label': `Edit /${c.trigger}` });
    const view = el('div', { className: 'item-view' });
    add(view,
      el('div', { className: 'item-title' }, el('strong', null, el('code', { text: `/${c.trigger}` })), ' ',
        c.usage_hint ? el('span', { className: 'muted', text: c.usage_hint }) : null),
      c.description ? el('p', { text: c.description }) : null,
      el('p', { className: 'muted', text: `${c.method} ${c.url} · bot ${b ? `@${b.username}` : c.bot_id} · created ${fmtTime(c.created_at)}` }),
      el('div', { className: 'actions' }, edit, rotate, del));
    add(li, view, itemErr.el, itemReveal);
    editable(view, edit, () => ({
      label: `Edit /${c.trigger}`,
      item: c,
      fields: [
        { name: 'trigger', label: 'Trigger', attrs: { required: true, pattern: '/?[a-z0-9_\\-]{1,32}' },
          hint: 'Typed as /trigger: a-z, 0-9, _ and -, up to 32.' },
        { name: 'url', label: 'Request URL', kind: 'url', attrs: { required: true } },
        { name: 'method', label: 'Method', kind: 'select', options: [['POST', 'POST'], ['GET', 'GET']] },
        { name: 'description', label: 'Description', attrs: { maxlength: '128' } },
        { name: 'usage_hint', label: 'Usage hint', attrs: { maxlength: '128' } },
        { name: 'bot_id', label: 'Bot', kind: 'select', number: true, hint: 'Replies post as this bot.',
          options: active.map((x) => [x.id, `@${x.username}`]), missing: (id) => `bot ${id}` },
      ],
      save: (body) => app.api('PATCH', `/api/v1/commands/${c.id}`, body),
    }), (updated) => {
      const next = cmdItem(updated);
      li.replaceWith(next);
      afterSave(next);
    });
    return li;
  }

  const refresh = listRefresher({ list, listErr, alive, item: cmdItem, empty: 'No slash commands yet.',
    load: async () => (await app.api('GET', '/api/v1/commands/registered')).items || [] });

  panel.append(
    section('New slash command', form, reveal),
    section('Slash commands', listErr.el, list),
  );
  await refresh();
}
