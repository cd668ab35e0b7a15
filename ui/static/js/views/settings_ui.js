// Building blocks of the settings screen: labelled form controls, error
// boxes, one-time secret boxes and small lookups shared by its sections.
// Everything from the server is put into the page with textContent only.

import { el } from './el.js';
import { fmtFull } from '../dom.js';
import { listAll, friendlyMessage } from '../api.js';

export const BOT_SCOPES = [
  'chat:write', 'chat:write.public', 'chat:write.customize',
  'channels:read', 'groups:read',
  'channels:history', 'groups:history', 'im:history',
  'channels:join', 'channels:manage', 'im:write',
  'reactions:read', 'reactions:write',
  'users:read', 'users:read.email',
  'files:write', 'files:read',
  'commands', 'search:read', 'team:read',
];

// The bot events an app may subscribe to (Slack's names).
export const APP_BOT_EVENTS = [
  'app_mention', 'message.channels', 'message.groups', 'message.im', 'message.mpim',
  'reaction_added', 'reaction_removed', 'member_joined_channel', 'member_left_channel',
  'channel_created', 'channel_rename', 'channel_archive', 'channel_unarchive', 'user_change', 'team_join',
];

export const EVENT_TYPES = [
  'message.created', 'message.updated', 'message.deleted',
  'reaction.added', 'reaction.removed',
  'member.joined', 'member.left',
  'channel.created', 'channel.updated', 'channel.archived', 'channel.unarchived',
];

let uid = 0;
export function nextId(prefix) { uid += 1; return `${prefix}-${uid}`; }


// add appends children, skipping null/undefined/false (native append would
// turn them into text).
export function add(parent, ...kids) {
  parent.append(...kids.filter((k) => k !== null && k !== undefined && k !== false));
}

// fmtTime is fmtFull with a dash for a missing time.
export function fmtTime(ms) {
  if (!ms || Number.isNaN(new Date(ms).getTime())) return '—';
  return fmtFull(ms);
}

export function button(text, onClick, attrs = {}) {
  const b = el('button', { type: 'button', ...attrs, text });
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

// field builds a labelled control: <div class="field"><label>…</label><input>…</div>.
export function field(labelText, control, hint) {
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

export function input(name, attrs = {}) {
  return el('input', { type: 'text', name, autocomplete: 'off', ...attrs });
}

export function select(name, options, value) {
  const s = el('select', { name });
  for (const [v, text] of options) {
    const o = el('option', { value: v, text });
    if (String(v) === String(value)) o.selected = true;
    s.append(o);
  }
  return s;
}

export function checkbox(name, labelText, checked, value) {
  const id = nextId('cb');
  const cb = el('input', { type: 'checkbox', id, name, value: value ?? 'on' });
  cb.checked = !!checked;
  return el('div', { className: 'check' }, cb, el('label', { for: id, text: labelText }));
}

export function checkGroup(legend, name, values, checked = []) {
  const fs = el('fieldset', { className: 'check-group' }, el('legend', { text: legend }));
  for (const v of values) {
    const [value, text] = Array.isArray(v) ? v : [v, v];
    fs.append(checkbox(name, text, checked.includes(value), value));
  }
  return fs;
}

export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[type=checkbox][name="${name}"]`)]
    .filter((c) => c.checked).map((c) => c.value);
}

// formError returns an alert element placed next to a form and helpers to set it.
export function formError() {
  const box = el('p', { className: 'form-error', role: 'alert', hidden: true });
  return {
    el: box,
    show(err) { box.textContent = typeof err === 'string' ? err : friendlyMessage(err); box.hidden = false; },
    clear() { box.textContent = ''; box.hidden = true; },
  };
}

export async function copyText(text) {
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

export function copyButton(getText, label = 'Copy') {
  const b = button(label, async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? 'Copied' : 'Copy failed — select and copy by hand';
    setTimeout(() => { b.textContent = label; }, 2000);
  }, { className: 'copy-button' });
  return b;
}

// secretBox shows a secret once, with a copy button and a warning.
export function secretBox(title, secret, note) {
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

export function confirmed(question) {
  return window.confirm(question);
}

export function section(title, ...children) {
  const id = nextId('h');
  return el('section', { className: 'settings-section', 'aria-labelledby': id },
    el('h3', { id, text: title }), ...children);
}

export function emptyRow(list, text) {
  list.append(el('li', { className: 'muted empty', text }));
}

// listRefresher returns a function that reloads a settings list: load()
// gives the items, item(x) builds one row; a failure shows in listErr.
export function listRefresher({ list, listErr, alive, load, item, empty }) {
  return async function refresh() {
    listErr.clear();
    try {
      const items = await load();
      if (!alive()) return;
      list.replaceChildren();
      for (const x of items) list.append(item(x));
      if (!items.length) emptyRow(list, empty);
    } catch (e) { listErr.show(e); }
  };
}

export async function loadChannels(app) {
  const all = await listAll('/api/v1/channels?limit=200', 20, (p) => app.api('GET', p));
  return all.filter((c) => !c.archived);
}

export function channelName(ch) {
  if (!ch) return '';
  if (ch.kind === 'dm' || ch.kind === 'group_dm') return `DM ${ch.id}`;
  return (ch.private ? '🔒 ' : '#') + ch.name;
}

// ---------------------------------------------------------------- tokens

export function tokenTable(tokens, onRevoke, caption) {
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
