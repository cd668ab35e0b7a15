// Table-driven tests for the message renderers. Opened in a browser (or
// headless Chromium), it sets document.body.dataset.result to "pass" or
// "fail: <details>" and lists every case.

import { renderMarkdown } from './markdown.js';
import { renderMrkdwn } from './mrkdwn.js';
import { renderAttachments } from './attachments.js';
import { renderBlocks } from './blocks.js';
import { renderMessageBody } from './message.js';
import { safeHref } from './util.js';

const users = { 7: 'ana', 8: 'bob' };
const channels = { 3: 'general' };
const ctx = {
  userName: (id) => users[id],
  channelName: (id) => channels[id],
  userIdByName: (n) => ({ ana: 7, bob: 8 })[n],
  channelIdByName: (n) => ({ general: 3 })[n],
};

// shape serialises a node as tags and text; links show their href.
function shape(node) {
  if (node.nodeType === Node.TEXT_NODE) return node.data;
  if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return '';
  const inner = Array.from(node.childNodes, shape).join('');
  if (node.nodeType === Node.DOCUMENT_FRAGMENT_NODE) return inner;
  const tag = node.localName;
  if (tag === 'br' || tag === 'hr' || tag === 'img') return `<${tag}>`;
  const href = tag === 'a' ? ` ${node.getAttribute('href')}` : '';
  return `<${tag}${href}>${inner}</${tag}>`;
}

function holder(node) { const d = document.createElement('div'); d.append(node); return d; }

// inert checks a rendered tree for anything active.
function inert(root) {
  const problems = [];
  for (const e of root.querySelectorAll('*')) {
    if (['script', 'iframe', 'object', 'embed', 'style', 'form', 'input', 'svg', 'math'].includes(e.localName)) problems.push('element ' + e.localName);
    for (const a of e.attributes) {
      if (a.name.startsWith('on')) problems.push(`attribute ${a.name} on ${e.localName}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) && !/^(https?:|mailto:)/i.test(a.value)) problems.push(`${a.name}=${a.value}`);
    }
    if (e.localName === 'a' && (e.target !== '_blank' || e.rel !== 'noopener noreferrer')) problems.push('link without target/rel');
    if (e.localName === 'img' && !/^https?:/.test(e.getAttribute('src') || '')) problems.push('img src ' + e.getAttribute('src'));
  }
  return problems;
}

const md = (t) => holder(renderMarkdown(t, ctx));
const mk = (t) => holder(renderMrkdwn(t, ctx));

// [name, render thunk, expected shape]
const shapes = [
  ['md paragraph', () => md('hello'), '<p>hello</p>'],
  ['md paragraphs and line breaks', () => md('a\nb\n\nc'), '<p>a<br>b</p><p>c</p>'],
  ['md bold italic strike', () => md('**b** *i* _u_ ~~s~~'), '<p><strong>b</strong> <em>i</em> <em>u</em> <del>s</del></p>'],
  ['md bold italic nested', () => md('***x***'), '<p><strong><em>x</em></strong></p>'],
  ['md em inside strong', () => md('**a *b* c**'), '<p><strong>a <em>b</em> c</strong></p>'],
  ['md snake_case stays', () => md('snake_case_name and 2*3*4'), '<p>snake_case_name and 2*3*4</p>'],
  ['md unbalanced markers', () => md('**a *b ~~c _d `e'), '<p>**a *b ~~c _d `e</p>'],
  ['md inline code keeps markers', () => md('`*x* <b>`'), '<p><code>*x* <b></code></p>'],
  ['md escapes', () => md('\\*not em\\*'), '<p>*not em*</p>'],
  ['md fenced code', () => md('```js\nlet a = 1;\n**no**\n```\nafter'), '<pre><code>let a = 1;\n**no**</code></pre><p>after</p>'],
  ['md unclosed fence', () => md('```\ncode'), '<pre><code>code</code></pre>'],
  ['md block quote', () => md('> quoted **b**\n> more\n\nout'), '<blockquote><p>quoted <strong>b</strong><br>more</p></blockquote><p>out</p>'],
  ['md bullet list', () => md('- one\n- two\n  - nested'), '<ul><li>one</li><li>two<ul><li>nested</li></ul></li></ul>'],
  ['md numbered list', () => md('1. a\n2. b'), '<ol><li>a</li><li>b</li></ol>'],
  ['md heading', () => md('# Title #'), '<h3>Title</h3>'],
  ['md link', () => md('[Parley](https://example.com/a_(b))'), '<p><a https://example.com/a_(b)>Parley</a></p>'],
  ['md link label formatted', () => md('[**x**](https://e.com)'), '<p><a https://e.com/><strong>x</strong></a></p>'],
  ['md autolink', () => md('see https://example.com/x?y=1. ok'), '<p>see <a https://example.com/x?y=1>https://example.com/x?y=1</a>. ok</p>'],
  ['md autolink in parens', () => md('(https://e.com/p)'), '<p>(<a https://e.com/p>https://e.com/p</a>)</p>'],
  ['md mailto', () => md('[mail](mailto:a@b.c)'), '<p><a mailto:a@b.c>mail</a></p>'],
  ['md mentions', () => md('hi @ana, @here and @channel; a@b.c'), '<p>hi <span>@ana</span>, <span>@here</span> and <span>@channel</span>; a@b.c</p>'],
  ['md channel ref', () => md('see #general but not #12'), '<p>see <span>#general</span> but not #12</p>'],
  ['mrkdwn bold italic strike code', () => mk('*b* _i_ ~s~ `c`'), '<p><strong>b</strong> <em>i</em> <del>s</del> <code>c</code></p>'],
  ['mrkdwn no cross-line bold', () => mk('*a\nb*'), '<p>*a<br>b*</p>'],
  ['mrkdwn code block', () => mk('before\n```x = *1*\n&lt;y&gt;```\nafter'), '<p>before</p><pre><code>x = *1*\n<y></code></pre><p>after</p>'],
  ['mrkdwn quote', () => mk('&gt; quoted\n> also\nnot'), '<blockquote><p>quoted<br>also</p></blockquote><p>not</p>'],
  ['mrkdwn bullets', () => mk('• one\n- two'), '<ul><li>one</li><li>two</li></ul>'],
  ['mrkdwn links', () => mk('<https://e.com|Example> <https://e.com/x?a=1&amp;b=2>'), '<p><a https://e.com/>Example</a> <a https://e.com/x?a=1&b=2>https://e.com/x?a=1&b=2</a></p>'],
  ['mrkdwn mentions', () => mk('<@U7> <@8|robert> <@U99|zed> <@U98> <#C3|gen> <#C4|random>'), '<p><span>@ana</span> <span>@bob</span> <span>@zed</span> <span>@U98</span> <span>#general</span> <span>#random</span></p>'],
  ['mrkdwn specials', () => mk('<!here> <!channel> <!everyone>'), '<p><span>@here</span> <span>@channel</span> <span>@everyone</span></p>'],
  ['mrkdwn entities', () => mk('a &lt;b&gt; &amp;lt; &amp;'), '<p>a <b> &lt; &</p>'],
  ['mrkdwn unsafe link is text', () => mk('<javascript:alert(1)|click>'), '<p><javascript:alert(1)|click></p>'],
  ['md unsafe link is text', () => md('[x](javascript:alert(1))'), '<p>[x](javascript:alert(1))</p>'],
  ['md html is text', () => md('<img src=x onerror=alert(1)><script>alert(1)</script>'), '<p><img src=x onerror=alert(1)><script>alert(1)</script></p>'],
  ['me_message', () => renderMessageBody({ text: 'waves', markup: 'markdown', props: { subtype: 'me_message' } }, ctx).querySelector('.msg-me') ? holder(document.createTextNode('me')) : holder(document.createTextNode('no')), 'me'],
  ['message dispatch mrkdwn', () => renderMessageBody({ text: '*b*', markup: 'mrkdwn' }, ctx).querySelector('.msg-text'), '<p><strong>b</strong></p>'],
  ['message dispatch markdown', () => renderMessageBody({ text: '*i*', markup: 'markdown' }, ctx).querySelector('.msg-text'), '<p><em>i</em></p>'],
  ['blocks', () => holder(renderBlocks([
    { type: 'header', text: { type: 'plain_text', text: 'Deploy *done*' } },
    { type: 'section', text: { type: 'mrkdwn', text: '*ok*' }, fields: [{ type: 'mrkdwn', text: '*Env*\nprod' }, { type: 'plain_text', text: 'v1' }],
      accessory: { type: 'image', image_url: 'https://e.com/i.png', alt_text: 'i' } },
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'image', image_url: 'javascript:alert(1)', alt_text: 'x' }, { type: 'mrkdwn', text: 'by <@U7>' }] },
    { type: 'image', image_url: 'https://e.com/big.png', alt_text: 'big', title: { type: 'plain_text', text: 'Graph' } },
    { type: 'actions', elements: [] },
  ], ctx)), '<div><div>Deploy *done*</div><div><div><div><p><strong>ok</strong></p></div><div><div><p><strong>Env</strong><br>prod</p></div><div>v1</div></div></div><img></div><hr><div><span><p>by <span>@ana</span></p></span></div><figure><figcaption>Graph</figcaption><img></figure></div>'],
];

// [name, predicate on the rendered tree]
const checks = [
  ['attachment: alertmanager', () => {
    const r = holder(renderAttachments([{
      color: 'danger', fallback: '[FIRING:1] HighLatency',
      title: '[FIRING:1] HighLatency api (critical)', title_link: 'https://alertmanager.example.com/#/alerts?receiver=slack',
      text: '*Alert:* High latency - `critical`\n*Description:* p99 above 2s\n*Details:*\n  • *alertname:* `HighLatency`\n  • *instance:* `api-1:9090`',
      mrkdwn_in: ['fallback', 'pretext', 'text'], footer: 'Prometheus', ts: 1700000000,
    }], ctx));
    const box = r.querySelector('.att-box');
    return box.style.getPropertyValue('--att-color') === '#e01e5a' &&
      r.querySelector('.att-title a').href.startsWith('https://alertmanager.example.com/') &&
      r.querySelectorAll('.att-text li').length === 2 && r.querySelector('.att-text strong').textContent === 'Alert:' &&
      r.querySelector('.att-text code').textContent === 'critical' &&
      r.querySelector('.att-footer time') && !r.querySelector('.att-fallback');
  }],
  ['attachment: CI report', () => {
    const r = holder(renderAttachments([{
      color: '#36a64f', pretext: 'Build finished', author_name: 'ci-bot', author_link: 'https://ci.example.com', author_icon: 'https://ci.example.com/i.png',
      title: 'Build #42 passed', title_link: 'https://ci.example.com/42', text: 'All tests passed on <https://git.example.com/c/abc|abc123>',
      fields: [{ title: 'Branch', value: 'main', short: true }, { title: 'Duration', value: '3m 2s', short: true }, { title: 'Notes', value: 'long _one_' }],
      thumb_url: 'https://ci.example.com/t.png', footer: 'CI', footer_icon: 'https://ci.example.com/f.png', ts: '1700000000',
    }], ctx));
    return r.querySelector('.att-pretext').textContent === 'Build finished' &&
      r.querySelector('.att-box').style.getPropertyValue('--att-color') === '#36a64f' &&
      r.querySelector('.att-author a').href === 'https://ci.example.com/' && r.querySelector('.att-author img') &&
      r.querySelectorAll('.att-field-short').length === 2 && r.querySelectorAll('.att-field').length === 3 &&
      r.querySelector('.att-field:not(.att-field-short) em') &&
      r.querySelector('.att-text a').textContent === 'abc123' && r.querySelector('img.att-thumb') &&
      r.querySelector('.att-footer img') && r.querySelector('.att-footer time');
  }],
  ['attachment: fallback only when nothing else', () => {
    const only = holder(renderAttachments([{ fallback: 'plain *fallback*' }], ctx));
    const with_ = holder(renderAttachments([{ fallback: 'fb', text: 'real' }], ctx));
    return only.textContent === 'plain *fallback*' && !with_.textContent.includes('fb');
  }],
  ['attachment: mrkdwn_in without text is literal', () => {
    const r = holder(renderAttachments([{ text: '*not bold* <https://e.com|link>', mrkdwn_in: ['pretext'] }], ctx));
    return !r.querySelector('strong') && r.querySelector('a').textContent === 'link';
  }],
  ['attachment: bad colour and urls ignored', () => {
    const r = holder(renderAttachments([{ color: 'red;background:url(x)', title: 't', title_link: 'javascript:alert(1)', image_url: 'data:image/png;base64,AAAA', author_name: 'a', author_icon: '//evil.com/x' }], ctx));
    return !r.querySelector('.att-box').style.getPropertyValue('--att-color') && !r.querySelector('a') && !r.querySelector('img');
  }],
  ['safeHref', () => [
    ['https://e.com', true], ['http://e.com/x', true], ['mailto:a@b.c', true], ['HTTPS://E.COM', true],
    ['javascript:alert(1)', false], ['JaVaScRiPt:alert(1)', false], ['java\tscript:alert(1)', false], ['java\nscript:alert(1)', false],
    ['\u0001javascript:alert(1)', false], [' javascript:alert(1)', false], ['data:text/html,<script>', false], ['vbscript:x', false],
    ['//evil.com', false], ['/relative', false], ['https:evil', true], ['https://', false], ['file:///etc/passwd', false],
    ['https://e.com/\u200bx', false],
  ].every(([u, ok]) => (safeHref(u) !== null) === ok)],
  ['links open safely', () => {
    const r = md('[a](https://e.com) https://f.com');
    return [...r.querySelectorAll('a')].every((a) => a.target === '_blank' && a.rel === 'noopener noreferrer') && r.querySelectorAll('a').length === 2;
  }],
  ['mention click', () => {
    let got = null;
    const r = holder(renderMrkdwn('<@U7>', { ...ctx, onMentionClick: (id) => { got = id; } }));
    r.querySelector('.mention').click();
    return got === 7;
  }],
  ['markdown mention id from message mentions', () => {
    let got = null;
    const r = renderMessageBody({ text: 'hi @Bob', markup: 'markdown', mentions: { user_ids: [8], channel: false, here: false } },
      { userName: (id) => users[id], onMentionClick: (id) => { got = id; } });
    r.querySelector('.mention').click();
    return got === 8;
  }],
  ['Map-backed ctx with numeric ids (like the app store)', () => {
    // The app keeps users and channels in Maps keyed by number; the parser
    // hands over ids as strings, and unknown ids must give undefined.
    const userMap = new Map([[123, { username: 'ana' }]]);
    const chanMap = new Map([[5, { name: 'general' }]]);
    let clicked = null;
    const mapCtx = {
      userName: (id) => { const u = userMap.get(Number(id)); return u ? u.username : undefined; },
      channelName: (id) => { const c = chanMap.get(Number(id)); return c ? c.name : undefined; },
      channelIdByName: (n) => { for (const [id, c] of chanMap) if (c.name === n) return id; return undefined; },
      onChannelClick: (id) => { clicked = id; },
    };
    const r = holder(renderMrkdwn('<@123> <#5> <@999>', mapCtx));
    const link = holder(renderMarkdown('see #general', mapCtx)).querySelector('.channel-ref');
    link.click();
    return r.textContent === '@ana #general @999' && r.querySelector('.mention').dataset.userId === '123' &&
      r.querySelector('.channel-ref').dataset.channelId === '5' && link.getAttribute('role') === 'button' && clicked === 5;
  }],
  ['throwing ctx does not break', () => {
    const bad = { userName() { throw new Error('x'); }, channelName() { throw new Error('y'); } };
    return holder(renderMrkdwn('<@U1> <#C1|c>', bad)).textContent === '@U1 #c';
  }],
  ['non-string input', () => md(null).textContent === '' && mk(undefined).textContent === '' && holder(renderMessageBody(null, ctx)).textContent === '' &&
    holder(renderAttachments('x', ctx)).textContent === '' && holder(renderBlocks([null, 1, { type: 'section', text: 5 }], ctx)).textContent === ''],
];

// Hostile inputs: each must render without throwing and stay inert.
const hostile = [
  '<img src=x onerror=alert(1)>', '<script>alert(1)</script>', '[x](javascript:alert(1))', '[x]( javascript:alert(1))',
  '[x](java\tscript:alert(1))', '[x](JAVASCRIPT:alert(1))', '[x](data:text/html;base64,PHNjcmlwdD4=)', '[x](vbscript:msgbox)',
  '<javascript:alert(1)|click>', '<javascript:alert(1)>', '<data:text/html,x|y>', '<https://e.com" onmouseover="alert(1)|x>',
  '[x](https://e.com" onclick="alert(1))', 'https://e.com/"><script>alert(1)</script>', '<a href="javascript:alert(1)">x</a>',
  '&lt;script&gt;alert(1)&lt;/script&gt;', '<@U1|<img src=x onerror=alert(1)>>', '<#C1|<script>>', '```<script>alert(1)</script>```',
  '*'.repeat(5000), '_'.repeat(5000), '`'.repeat(5000), '['.repeat(5000) + ']', '[a]('.repeat(3000), '<'.repeat(5000) + '>',
  '> '.repeat(3000), '- '.repeat(3000) + 'x', ('*a _b ~c `d [e](f <g|h> ').repeat(2000), '**'.repeat(3000) + 'x',
  'a'.repeat(100000), ('>'.repeat(50) + ' x\n').repeat(50), ' '.repeat(2000) + '- x', '1. '.repeat(2000),
  'http://' + '('.repeat(3000), '\u0000\u202e\ufeff text', '@'.repeat(5000), '#'.repeat(5000) + ' x',
];

function run() {
  const results = [];
  const record = (name, ok, detail) => results.push({ name, ok, detail });
  for (const [name, f, want] of shapes) {
    try {
      const got = shape(f()).replace(/^<div>([^]*)<\/div>$/, '$1'); // the holder
      const w = want;
      record(name, got === w, got === w ? '' : `got ${JSON.stringify(got)}, want ${JSON.stringify(w)}`);
    } catch (e) { record(name, false, 'threw ' + e); }
  }
  for (const [name, f] of checks) {
    try { record(name, !!f(), ''); } catch (e) { record(name, false, 'threw ' + e); }
  }
  hostile.forEach((input, k) => {
    for (const [kind, render] of [['markdown', 'markdown'], ['mrkdwn', 'mrkdwn']]) {
      const name = `hostile ${k} (${kind}): ${JSON.stringify(input.slice(0, 40))}`;
      try {
        const t0 = performance.now();
        const r = renderMessageBody({
          text: input, markup: render,
          attachments: [{ text: input, pretext: input, title: input, title_link: input, image_url: input, fields: [{ title: input, value: input }], footer: input }],
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: input } }, { type: 'image', image_url: input, alt_text: input }],
        }, ctx);
        const ms = performance.now() - t0;
        const problems = inert(r);
        if (ms > 1500) problems.push(`slow: ${ms.toFixed(0)} ms`);
        record(name, problems.length === 0, problems.join('; '));
      } catch (e) { record(name, false, 'threw ' + e); }
    }
  });
  return results;
}

const results = run();
const list = document.getElementById('results');
for (const r of results) {
  const li = document.createElement('li');
  li.textContent = `${r.ok ? 'ok' : 'FAIL'} ${r.name}${r.detail ? ' — ' + r.detail : ''}`;
  li.className = r.ok ? 'ok' : 'fail';
  list.append(li);
}
const failed = results.filter((r) => !r.ok);
document.getElementById('summary').textContent = `${results.length - failed.length}/${results.length} passed`;
document.body.dataset.result = failed.length ? 'fail: ' + failed.map((r) => `${r.name}: ${r.detail}`).join(' | ').slice(0, 4000) : 'pass';

// A visual sample for people checking the styles by eye.
document.getElementById('samples').append(renderMessageBody({
  text: 'Deploy of **api** to `prod` by @ana — see https://ci.example.com/42\n> all green\n```\nmake deploy\n```', markup: 'markdown',
  attachments: [{ color: 'good', title: 'Build #42 passed', title_link: 'https://ci.example.com/42', text: '*3 jobs* in 3m',
    fields: [{ title: 'Branch', value: 'main', short: true }, { title: 'Commit', value: 'abc123', short: true }], footer: 'CI', ts: 1700000000 }],
}, ctx));
