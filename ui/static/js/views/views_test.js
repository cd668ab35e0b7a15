// Harness for views_test.html: mounts one view against the running server.
import { mountSearch } from './search.js';
import { mountSettings } from './settings.js';
import { store } from '../store.js';

const params = new URLSearchParams(location.search);
const token = params.get('token') || '';
const log = document.getElementById('log');

function csrf() {
  const m = /(?:^|;\s*)parley_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : '';
}

async function api(method, path, body) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new Error(e.message || res.statusText);
    err.status = res.status;
    err.code = e.code || '';
    throw err;
  }
  return data;
}

// The views read users and the signed-in user from the app's store.
const me = await api('GET', '/api/v1/users/me');
store.me = me;
try {
  const users = await api('GET', '/api/v1/users?limit=200');
  for (const u of (users && users.items) || []) store.putUser(u, true);
} catch { /* names are fetched one by one instead */ }
store.putUser(me, true);
const app = {
  api,
  store,
  navigate(channelId, messageId) {
    log.textContent = `navigate ${channelId} ${messageId}`;
  },
};
const container = document.getElementById('view');
if (params.get('view') === 'settings') mountSettings(container, app);
else mountSearch(container, app);

// ?selftest=1 drives the mounted view a little and writes PASS/FAIL lines
// into #log (read them with chromium --headless --dump-dom).
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, ms = 3000) {
  for (let t = 0; t < ms; t += 50) {
    const v = fn();
    if (v) return v;
    await wait(50);
  }
  return null;
}
const results = [];
const check = (name, ok) => results.push(`${ok ? 'PASS' : 'FAIL'} ${name}`);

if (params.get('selftest')) {
  if (params.get('view') === 'settings') {
    await until(() => container.querySelector('[role=tab]'));
    check('tabs', container.querySelectorAll('[role=tab]').length >= 2);
    check('no inline handlers', !container.querySelector('[onclick],[onsubmit]'));
    const tab = params.get('tab');
    if (tab === 'tokens' || location.hash === '#/settings/tokens') {
      const form = await until(() => container.querySelector('form[aria-label="New personal access token"]'));
      form.querySelector('input[name=name]').value = 'selftest';
      form.requestSubmit();
      const secret = await until(() => container.querySelector('.secret-box code.secret'));
      check('token secret shown', secret && secret.textContent.startsWith('plp_'));
      check('token listed', !!(await until(() => [...container.querySelectorAll('td')].some((td) => td.textContent === 'selftest'))));
      form.querySelector('input[name=name]').value = '';
      form.querySelector('input[name=name]').removeAttribute('required');
      form.requestSubmit();
      check('token error shown', !!(await until(() => { const e = form.querySelector('.form-error'); return e && !e.hidden && e.textContent; })));
    }
    if (location.hash === '#/settings/incoming') {
      const form = await until(() => container.querySelector('form[aria-label="New incoming webhook"]'));
      form.querySelector('input[name=name]').value = 'selftest hook';
      form.requestSubmit();
      const box = await until(() => container.querySelector('.secret-box'));
      check('hook URL shown', !!box && box.querySelector('code.secret').textContent.includes('/hooks/plh_'));
      check('curl sample shown', !!box && box.textContent.includes(`curl -X POST -H 'Content-type: application/json' --data '{"text":"Hello"}' http`));
    }
    if (location.hash === '#/settings/commands') {
      const form = await until(() => container.querySelector('form[aria-label="New slash command"]'));
      form.querySelector('input[name=trigger]').value = `st${Date.now() % 100000}`;
      form.querySelector('input[name=url]').value = 'https://example.com/cmd';
      form.requestSubmit();
      const secret = await until(() => container.querySelector('.secret-box code.secret'));
      check('command secret shown', !!secret && secret.textContent.startsWith('plc_'));
      form.querySelector('input[name=trigger]').value = 'help';
      form.querySelector('input[name=url]').value = 'https://example.com/cmd';
      form.requestSubmit();
      check('reserved trigger error shown', !!(await until(() => { const e = form.querySelector('.form-error'); return e && !e.hidden && e.textContent; })));
    }
    if (location.hash === '#/settings/bots') {
      const btn = await until(() => container.querySelector('#bot-list button[aria-expanded]'));
      btn.click();
      check('bot tokens listed', !!(await until(() => container.querySelector('#bot-list table tbody tr[data-token-id]'))));
    }
    if (location.hash === '#/settings/outgoing') {
      const btn = await until(() => container.querySelector('button[aria-label^="Delivery log"]'));
      btn.click();
      const att = await until(() => container.querySelector('.delivery table.attempts tbody tr'));
      check('delivery attempts listed', !!att);
    }
  } else {
    const first = await until(() => container.querySelector('#search-results .search-result[data-message-id]'));
    check('results', !!first);
    const n = container.querySelectorAll('.search-result').length;
    const more = container.querySelector('.search-more');
    if (!more.hidden) {
      more.click();
      check('load more', !!(await until(() => container.querySelectorAll('.search-result').length > n)));
    }
    check('mark in snippet', !!container.querySelector('.search-snippet mark'));
    first.querySelector('button').click();
    check('navigate', log.textContent === `navigate ${first.dataset.channelId} ${first.dataset.messageId}`);
    const toggle = container.querySelector('[data-sort=newest]');
    toggle.click();
    check('sort toggle', toggle.getAttribute('aria-pressed') === 'true' && location.hash.includes('sort=newest'));
  }
  const out = document.createElement('pre');
  out.id = 'selftest';
  out.textContent = results.join('\n');
  document.body.append(out);
}
