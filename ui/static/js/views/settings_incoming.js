// Settings: incoming webhooks — create (the URL shown once), edit, delete.

import { el } from './el.js';
import { add, button, channelName, checkbox, confirmed, copyButton, field, fmtTime, formError, input,
  loadChannels, secretBox, section, select, listRefresher } from './settings_ui.js';
import { afterSave, editable } from './settings_edit.js';

export async function renderIncoming(panel, ctx, alive) {
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
    const edit = button('Edit', null, { 'data-edit': '', 'aria-label': `Edit webhook ${h.name}` });
    const icon = h.icon_emoji ? ` · icon :${h.icon_emoji}:` : h.icon_url ? ` · icon ${h.icon_url}` : '';
    const view = el('div', { className: 'item-view' });
    add(view,
      el('div', { className: 'item-title' }, el('strong', { text: h.name }), ' ',
        el('span', { className: 'muted', text: `→ ${ch ? channelName(ch) : `channel ${h.channel_id}`}` })),
      h.description ? el('p', { text: h.description }) : null,
      el('p', { className: 'muted', text: `Posts as ${h.username || h.name}${icon}${h.allow_channel_override ? ' · payloads may choose the channel' : ''} · created ${fmtTime(h.created_at)} · last used ${h.last_used_at ? fmtTime(h.last_used_at) : 'never'}` }),
      el('div', { className: 'actions' }, edit, del));
    add(li, view, itemErr.el);
    editable(view, edit, () => ({
      label: `Edit webhook ${h.name}`,
      item: h,
      fields: [
        { name: 'name', label: 'Name', attrs: { required: true, maxlength: '80' } },
        { name: 'channel_id', label: 'Channel', kind: 'select', number: true,
          options: postable.map((c) => [c.id, channelName(c)]), missing: (id) => `channel ${id}` },
        { name: 'description', label: 'Description', attrs: { maxlength: '500' } },
        { name: 'username', label: 'Post as', attrs: { maxlength: '80' }, hint: 'Empty: the name.' },
        { name: 'icon_emoji', label: 'Icon emoji', kind: 'emoji', hint: 'Or an icon URL, not both.' },
        { name: 'icon_url', label: 'Icon URL', kind: 'url' },
        { name: 'allow_channel_override', label: 'Let a payload choose another channel (its channel field)', kind: 'checkbox' },
      ],
      save: (body) => app.api('PATCH', `/api/v1/incoming-webhooks/${h.id}`, body),
    }), (updated) => {
      const next = hookItem(updated);
      li.replaceWith(next);
      afterSave(next);
    });
    return li;
  }

  const refresh = listRefresher({ list, listErr, alive, item: hookItem, empty: 'No incoming webhooks yet.',
    load: async () => (await app.api('GET', '/api/v1/incoming-webhooks')).items || [] });

  panel.append(
    section('New incoming webhook',
      el('p', { className: 'muted', text: 'Anything that posts to a Slack incoming webhook can post to its URL.' }),
      form, reveal),
    section('Incoming webhooks', listErr.el, list),
  );
  await refresh();
}
