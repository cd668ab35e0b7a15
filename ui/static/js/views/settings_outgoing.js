// Settings: outgoing webhooks — create, edit, pause, rotate the signing
// secret, delete, and each one's delivery log with redelivery.

import { el } from './el.js';
import { EVENT_TYPES, add, button, channelName, checkGroup, checkbox, checkedValues, confirmed, emptyRow, field,
  fmtTime, formError, input, loadChannels, secretBox, section, select, listRefresher } from './settings_ui.js';
import { afterSave, editable } from './settings_edit.js';
import { safeURL } from '../render/util.js';

const FORMATS = [['event', 'Events API (JSON envelope, url_verification first)'], ['slack', 'Slack legacy outgoing webhook']];
const CONTENT_TYPES = [['application/x-www-form-urlencoded', 'Form (default)'], ['application/json', 'JSON']];
const TRIGGER_WHEN = [['first_word', 'The first word is one'], ['starts_with', 'The text starts with one']];

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

export async function renderOutgoing(panel, ctx, alive) {
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
  // chanOptions lists the readable channels and any others a hook already
  // filters on, so editing keeps them.
  const chanOptions = (ids = []) => [
    ...readable.map((c) => [String(c.id), channelName(c)]),
    ...ids.filter((id) => !readable.some((c) => c.id === id))
      .map((id) => [String(id), byId.get(id) ? channelName(byId.get(id)) : `channel ${id}`]),
  ];

  const form = el('form', { className: 'settings-form', 'aria-label': 'New outgoing webhook' });
  const name = input('name', { required: true, maxlength: '80', placeholder: 'deploy bot' });
  const url = input('url', { type: 'url', required: true, placeholder: 'https://ci.example.com/parley' });
  const format = select('format', FORMATS, 'event');
  const ctype = select('content_type', CONTENT_TYPES, 'application/x-www-form-urlencoded');
  const ctypeField = field('Content type (Slack format)', ctype);
  const triggers = input('trigger_words', { placeholder: 'deploy, rollback' });
  const when = select('trigger_when', TRIGGER_WHEN, 'first_word');
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
    body.name = name.value.trim();
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
    const edit = button('Edit', null, { 'data-edit': '', 'aria-label': `Edit ${label}` });
    const view = el('div', { className: 'item-view' });
    add(view,
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
      el('div', { className: 'actions' }, edit, toggle, rotate, logToggle, del));
    add(li, view, itemErr.el, itemReveal, log.el);
    editable(view, edit, () => ({
      label: `Edit ${label}`,
      item: h,
      fields: [
        { name: 'name', label: 'Name', attrs: { required: true, maxlength: '80' } },
        { name: 'url', label: 'URL', kind: 'url', attrs: { required: true },
          hint: 'A new URL in the Events API format must answer the url_verification challenge.' },
        { name: 'active', label: 'Active (deliveries are sent)', kind: 'checkbox' },
        { name: 'format', label: 'Format', kind: 'select', options: FORMATS },
        { name: 'content_type', label: 'Content type (Slack format)', kind: 'select', options: CONTENT_TYPES,
          shown: (f) => f.elements.format.value === 'slack' },
        { name: 'trigger_words', label: 'Trigger words', kind: 'words', hint: 'Comma-separated; empty sends every message.' },
        { name: 'trigger_when', label: 'Trigger when', kind: 'select', options: TRIGGER_WHEN },
        { name: 'bot_id', label: 'Bot', kind: 'select', number: true, value: (x) => x.bot_id || 0,
          options: [['0', 'None (replies post as you)'], ...bots.filter((b) => !b.deactivated).map((b) => [b.id, `@${b.username}`])],
          missing: (id) => `bot ${id}` },
        { name: 'channel_ids', label: 'Channels (none checked: every public channel)', kind: 'checks', number: true,
          options: chanOptions(h.channel_ids) },
        { name: 'event_types', label: 'Events (Events API format)', kind: 'checks', options: EVENT_TYPES,
          shown: (f) => f.elements.format.value !== 'slack' },
        { name: 'include_bot_messages', label: 'Include messages from bots and integrations', kind: 'checkbox' },
      ],
      save: (body) => app.api('PATCH', `/api/v1/outgoing-webhooks/${h.id}`, body),
    }), (updated) => {
      const next = hookItem(updated);
      li.replaceWith(next);
      afterSave(next);
    });
    return li;
  }

  const refresh = listRefresher({ list, listErr, alive, item: hookItem, empty: 'No outgoing webhooks yet.',
    load: async () => (await app.api('GET', '/api/v1/outgoing-webhooks')).items || [] });

  panel.append(
    section('New outgoing webhook',
      el('p', { className: 'muted', text: 'Events are POSTed to your URL, signed, retried for 24 hours and logged.' }),
      form, reveal),
    section('Outgoing webhooks', listErr.el, list),
  );
  await refresh();
}
