// Slack's mrkdwn: *bold*, _italic_, ~strike~, `code`, ```code blocks```,
// > quotes, bullet lines, <url|label> links, <@U1> / <#C1> / <!here>, and
// the entities Slack escapes (&lt; &gt; &amp;), decoded as text.
// Formatting never crosses a line, as in Slack.

import { el, safely, decodeEntities } from './util.js';
import { renderInline } from './inline.js';

const QUOTE = /^(?:>|&gt;) ?/;
const BULLET = /^\s*[•◦▪\-*] +/;

/** renderMrkdwn renders Slack mrkdwn as a DocumentFragment. */
export function renderMrkdwn(text, ctx) {
  return safely(() => render(String(text ?? '').replace(/\r\n?/g, '\n'), ctx, 'mrkdwn'), text);
}

/** renderSlackText renders Slack text that is not mrkdwn: only <links>,
 *  mentions and entities are interpreted (attachment fields left out of
 *  mrkdwn_in, plain_text objects with links). */
export function renderSlackText(text, ctx) {
  return safely(() => lines(String(text ?? '').replace(/\r\n?/g, '\n'), ctx, 'links', document.createDocumentFragment()), text);
}

function render(src, ctx, mode) {
  const out = document.createDocumentFragment();
  // ```code``` first: its content is verbatim and may span lines.
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('```', i);
    const close = open === -1 ? -1 : src.indexOf('```', open + 3);
    if (close === -1) { lines(src.slice(i), ctx, mode, out); break; }
    if (open > i) lines(src.slice(i, open).replace(/\n$/, ''), ctx, mode, out);
    let body = src.slice(open + 3, close);
    body = body.replace(/^\n/, '').replace(/\n$/, '');
    out.append(el('pre', 'msg-pre', el('code', null, decodeEntities(body))));
    i = close + 3;
    if (src[i] === '\n') i++;
  }
  return out;
}

// lines groups lines into quotes, bullet lists and paragraphs.
function lines(text, ctx, mode, out) {
  if (!text) return out;
  const ls = text.split('\n');
  let i = 0;
  while (i < ls.length) {
    if (mode === 'mrkdwn' && QUOTE.test(ls[i])) {
      const q = el('blockquote', 'msg-quote');
      const inner = [];
      while (i < ls.length && QUOTE.test(ls[i])) inner.push(ls[i++].replace(QUOTE, ''));
      q.append(paragraph(inner, ctx, mode));
      out.append(q);
      continue;
    }
    if (mode === 'mrkdwn' && BULLET.test(ls[i])) {
      const ul = el('ul', 'msg-list');
      while (i < ls.length && BULLET.test(ls[i])) {
        const li = el('li');
        // Leading spaces nest the bullet visually.
        const indent = /^\s*/.exec(ls[i])[0].length;
        if (indent >= 2) li.className = 'msg-li-nested';
        li.append(renderInline(ls[i++].replace(BULLET, ''), ctx, mode));
        ul.append(li);
      }
      out.append(ul);
      continue;
    }
    const para = [];
    while (i < ls.length && !(mode === 'mrkdwn' && (QUOTE.test(ls[i]) || BULLET.test(ls[i])))) para.push(ls[i++]);
    out.append(paragraph(para, ctx, mode));
  }
  return out;
}

function paragraph(ls, ctx, mode) {
  const p = el('p', 'msg-p');
  ls.forEach((l, k) => {
    if (k) p.append(el('br'));
    p.append(renderInline(l, ctx, mode));
  });
  return p;
}
