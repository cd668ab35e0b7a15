// Search screen: reads the query from location.hash (#/search?q=...), calls
// GET /api/v1/search and lists the results. Everything the server or other
// users wrote is put into the page with textContent only.

import { el } from './el.js';
import { fmtTime, fmtDay, fmtFull } from '../dom.js';
import { friendlyMessage } from '../api.js';
const PAGE_SIZE = 20;

const OPERATORS = [
  ['deploy failed', 'messages with both words'],
  ['"exact phrase"', 'the exact phrase'],
  ['-word', 'without that word (also -"phrase")'],
  ['deplo*', 'words starting with deplo'],
  ['from:@ana', 'sent by ana (from:me for you)'],
  ['in:#channel', 'in that channel'],
  ['in:@ana', 'in your direct messages with ana'],
  ['before:2026-11-01', 'before that day (UTC)'],
  ['after:2026-10-01', 'after that day'],
  ['on:2026-11-03', 'on that day'],
  ['during:2026-11', 'in that month (or during:2026 for a year)'],
  ['has:link', 'with a link (also has:file, has:reaction)'],
  ['is:thread', 'in a thread (a reply or a message with replies)'],
  ['is:bot', 'posted by a bot'],
];


// parseHash returns the search parameters of a #/search?q=...&sort=... hash.
export function parseSearchHash(hash) {
  const h = hash || '';
  const i = h.indexOf('?');
  const params = new URLSearchParams(i >= 0 ? h.slice(i + 1) : '');
  const sort = params.get('sort') === 'newest' ? 'newest' : 'relevance';
  return { q: params.get('q') || '', sort };
}

// formatTime shows the time for today's results and the day and time for
// older ones.
function formatTime(ms) {
  if (!Number.isFinite(new Date(ms).getTime())) return '';
  const day = fmtDay(ms);
  return day === 'Today' ? fmtTime(ms) : `${day} ${fmtTime(ms)}`;
}

const isDM = (ch) => ch.kind === 'dm' || ch.kind === 'group_dm';

// otherMembers lists a DM's members other than the signed-in user.
function otherMembers(ch, store) {
  const me = store.me;
  return (ch.user_ids || []).filter((id) => !me || id !== me.id);
}

function channelLabel(ch, store) {
  if (!ch) return '';
  if (isDM(ch)) return otherMembers(ch, store).length ? 'Direct message' : 'Direct message (you)';
  return (ch.private ? '🔒 ' : '#') + store.channelTitle(ch);
}

function renderHighlights(highlights, fallbackText) {
  const p = el('span', { className: 'search-snippet' });
  const runs = Array.isArray(highlights) && highlights.length ? highlights : [{ text: fallbackText || '' }];
  for (const run of runs) {
    if (run.match) p.append(el('mark', { text: run.text }));
    else p.append(document.createTextNode(run.text));
  }
  return p;
}

function errorText(err) {
  if (err && err.code === 'invalid_query') return `Invalid query: ${err.message}`;
  return friendlyMessage(err);
}

export function mountSearch(container, app) {
  const store = app.store;
  let { q, sort } = parseSearchHash(location.hash);
  let cursor = '';
  let generation = 0; // results of an older search are dropped when they arrive late
  let loading = false;

  container.replaceChildren();
  const root = el('section', { className: 'search-view', 'aria-labelledby': 'search-heading' });
  container.append(root);

  const heading = el('h2', { id: 'search-heading', text: 'Search' });

  const form = el('form', { className: 'search-form', role: 'search' });
  const input = el('input', {
    type: 'search', id: 'search-q', name: 'q', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Search messages', 'aria-describedby': 'search-help-popover',
  });
  input.value = q;
  const label = el('label', { for: 'search-q', className: 'visually-hidden', text: 'Search messages' });
  const submit = el('button', { type: 'submit', text: 'Search' });

  const helpBtn = el('button', {
    type: 'button', className: 'search-help-toggle', 'aria-expanded': 'false',
    'aria-controls': 'search-help-popover', text: 'Search help',
  });
  const help = el('div', { id: 'search-help-popover', className: 'search-help', role: 'dialog', 'aria-label': 'Search operators', hidden: true });
  help.append(el('h3', { text: 'Search operators' }));
  const dl = el('dl');
  for (const [op, meaning] of OPERATORS) {
    const insert = el('button', { type: 'button', className: 'search-op', 'aria-label': `Add ${op} to the query` }, el('code', { text: op }));
    dl.append(el('dt', null, insert), el('dd', { text: meaning }));
  }
  help.append(dl, el('p', { className: 'muted', text: 'Dates are YYYY-MM-DD in UTC. Combine any of these with words.' }));
  const closeHelp = el('button', { type: 'button', text: 'Close' });
  help.append(closeHelp);

  form.append(label, input, submit, helpBtn);

  const sortGroup = el('div', { className: 'search-sort', role: 'group', 'aria-label': 'Sort results' });
  const sortButtons = {};
  for (const [value, text] of [['relevance', 'Most relevant'], ['newest', 'Newest']]) {
    const b = el('button', { type: 'button', 'data-sort': value, text });
    sortButtons[value] = b;
    sortGroup.append(b);
    b.addEventListener('click', () => {
      if (sort === value) return;
      sort = value;
      updateHash();
      run();
    });
  }

  const status = el('p', { className: 'search-status', role: 'status', 'aria-live': 'polite' });
  const errorBox = el('p', { className: 'form-error search-error', role: 'alert', hidden: true });
  const list = el('ol', { id: 'search-results', className: 'search-results', 'aria-label': 'Search results' });
  const more = el('button', { type: 'button', className: 'search-more', text: 'Load more', hidden: true });

  root.append(heading, form, help, sortGroup, errorBox, status, list, more);

  function showSort() {
    for (const [value, b] of Object.entries(sortButtons)) {
      b.setAttribute('aria-pressed', value === sort ? 'true' : 'false');
    }
  }

  function setHelp(open) {
    help.hidden = !open;
    helpBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) closeHelp.focus();
  }
  helpBtn.addEventListener('click', () => setHelp(help.hidden));
  closeHelp.addEventListener('click', () => { setHelp(false); helpBtn.focus(); });
  help.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { setHelp(false); helpBtn.focus(); }
  });
  // Clicking an operator puts it into the query.
  dl.addEventListener('click', (e) => {
    const btn = e.target.closest('button.search-op');
    if (!btn) return;
    const code = btn.querySelector('code');
    input.value = (input.value.trim() + ' ' + code.textContent).trim() + ' ';
    input.focus();
  });

  function updateHash() {
    const params = new URLSearchParams();
    params.set('q', q);
    if (sort !== 'relevance') params.set('sort', sort);
    const next = `#/search?${params.toString()}`;
    if (location.hash !== next) {
      // replaceState changes the hash without a hashchange event, so the
      // app's router does not remount this view for our own edits.
      history.replaceState(history.state, '', next);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    q = input.value.trim();
    updateHash();
    run();
  });

  function renderResult(item) {
    const m = item.message || {};
    const li = el('li', { className: 'search-result', 'data-message-id': m.id, 'data-channel-id': m.channel_id });
    const btn = el('button', { type: 'button', className: 'search-result-open' });
    const meta = el('span', { className: 'search-result-meta' });
    const chan = el('span', { className: 'search-result-channel', text: channelLabel(item.channel, store) });
    const author = el('span', { className: 'search-result-author', text: m.username || '…' });
    const when = new Date(m.created_at);
    const valid = !Number.isNaN(when.getTime());
    const time = el('time', {
      className: 'search-result-time',
      datetime: valid ? when.toISOString() : null,
      title: valid ? fmtFull(m.created_at) : null,
      text: formatTime(m.created_at),
    });
    meta.append(chan, author, time);
    if (m.thread_id) meta.append(el('span', { className: 'search-result-badge', text: 'in thread' }));
    btn.append(meta, renderHighlights(item.highlights, m.text));
    btn.addEventListener('click', () => app.navigate(m.channel_id, m.id));
    li.append(btn);

    if (!m.username) {
      store.ensureUser(m.user_id).then(() => {
        author.textContent = store.userName(m.user_id);
        if (store.users.get(m.user_id)?.kind === 'bot') author.append(' ', el('span', { className: 'badge', text: 'bot' }));
      });
    }
    // DM labels: name the other people once they are known.
    const ch = item.channel;
    if (ch && isDM(ch)) {
      const others = otherMembers(ch, store);
      if (others.length) {
        Promise.all(others.map((id) => store.ensureUser(id))).then(() => {
          chan.textContent = 'DM with ' + others.map((id) => {
            const u = store.users.get(id);
            return u ? '@' + u.username : store.userName(id);
          }).join(', ');
        });
      }
    }
    return li;
  }

  async function load(append) {
    const gen = append ? generation : ++generation;
    if (!append) {
      list.replaceChildren();
      cursor = '';
    }
    errorBox.hidden = true;
    errorBox.textContent = '';
    more.hidden = true;
    showSort();
    if (!q) {
      status.textContent = 'Type a query to search messages.';
      return;
    }
    loading = true;
    status.textContent = 'Searching…';
    list.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams({ q, sort, limit: String(PAGE_SIZE) });
    if (append && cursor) params.set('cursor', cursor);
    try {
      const res = await app.api('GET', `/api/v1/search?${params.toString()}`);
      if (gen !== generation) return;
      const items = (res && res.items) || [];
      for (const item of items) list.append(renderResult(item));
      cursor = (res && res.next_cursor) || '';
      more.hidden = !cursor;
      const n = list.children.length;
      status.textContent = n === 0 ? `No messages match “${q}”.` : `${n}${cursor ? '+' : ''} result${n === 1 ? '' : 's'}`;
    } catch (err) {
      if (gen !== generation) return;
      status.textContent = '';
      errorBox.textContent = errorText(err);
      errorBox.hidden = false;
      if (append && cursor) more.hidden = false;
    } finally {
      if (gen === generation) {
        loading = false;
        list.removeAttribute('aria-busy');
      }
    }
  }

  function run() { return load(false); }

  more.addEventListener('click', () => {
    if (!loading && cursor) load(true);
  });

  function onHashChange() {
    if (!location.hash.startsWith('#/search')) return;
    const next = parseSearchHash(location.hash);
    if (next.q === q && next.sort === sort) return;
    q = next.q;
    sort = next.sort;
    input.value = q;
    run();
  }
  window.addEventListener('hashchange', onHashChange);

  run();
  if (!q) input.focus();

  return {
    destroy() {
      generation++;
      window.removeEventListener('hashchange', onHashChange);
      container.replaceChildren();
    },
  };
}
