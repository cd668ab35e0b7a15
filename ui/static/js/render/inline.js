// The inline parser shared by markdown and mrkdwn: one left-to-right scan
// that builds DOM nodes. Closing markers are found with indexOf, and every
// failed search is remembered (a closer that is not after position p is not
// after any later position either), so hostile input such as thousands of
// unmatched "*" stays linear instead of quadratic.

import {
  el, link, safeHref, decodeEntities, userMention, userNameMention,
  specialMention, channelRef, channelNameRef,
} from './util.js';

const MAX_DEPTH = 8;
const ESCAPABLE = '\\`*_~[]()#@<>!-+.|{}';
const isSpace = (c) => c === undefined || /\s/.test(c);
const isWord = (c) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
const isAlnum = (c) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

// Emphasis markers per mode, longest first.
const MARKERS = {
  markdown: [['**', 'strong'], ['__', 'strong'], ['~~', 'del'], ['*', 'em'], ['_', 'em']],
  mrkdwn: [['*', 'strong'], ['_', 'em'], ['~', 'del']],
  links: [],
};

/**
 * renderInline parses one run of inline text.
 * mode: "markdown", "mrkdwn", or "links" (mrkdwn links, mentions and
 * entities only, for attachment fields that are not mrkdwn).
 * opts.noLinks: inside a link label, no nested links.
 */
export function renderInline(src, ctx, mode, depth = 0, opts = {}) {
  const out = document.createDocumentFragment();
  if (!src) return out;
  if (depth > MAX_DEPTH) { appendText(out, src, mode); return out; }

  const n = src.length;
  const failed = new Map();    // search key -> position from which it found nothing
  const nextCache = new Map(); // char -> [from, found] for nextIndex
  const parenCache = new Map();
  let buf = '';
  const flush = () => { if (buf) { appendText(out, buf, mode); buf = ''; } };
  const emit = (node) => { flush(); out.append(node); };
  const sub = (s, extra) => renderInline(s, ctx, mode, depth + 1, { ...opts, ...extra });

  // nextIndex is indexOf with a cache for forward scans.
  const nextIndex = (ch, from) => {
    const c = nextCache.get(ch);
    if (c && from >= c[0] && (c[1] === -1 || from <= c[1])) return c[1];
    const found = src.indexOf(ch, from);
    nextCache.set(ch, [from, found]);
    return found;
  };

  let i = 0;
  while (i < n) {
    const c = src[i];
    const prev = i > 0 ? src[i - 1] : undefined;

    if (c === '\n') { emit(el('br')); i++; continue; }

    if (mode === 'markdown' && c === '\\' && i + 1 < n && ESCAPABLE.includes(src[i + 1])) {
      buf += src[i + 1]; i += 2; continue;
    }

    if (c === '`' && mode !== 'links') {
      const r = codeSpan(i);
      if (r) { emit(r.node); i = r.end; continue; }
      let k = i; while (k < n && src[k] === '`') k++;
      buf += src.slice(i, k); i = k; continue;
    }

    if (mode === 'markdown' && c === '[' && !opts.noLinks) {
      const r = mdLink(i);
      if (r) { if (r.node) emit(r.node); else buf += src.slice(i, r.end); i = r.end; continue; }
    }

    if (mode !== 'markdown' && c === '<') {
      const r = angle(i);
      if (r) { emit(r.node); i = r.end; continue; }
    }

    if (!opts.noLinks && (c === 'h' || c === 'H' || c === 'm' || c === 'M') && !isWord(prev)) {
      const r = bareURL(i);
      if (r) { if (r.node) emit(r.node); else buf += src.slice(i, r.end); i = r.end; continue; }
    }

    if (c === '@' && mode !== 'links' && !(prev !== undefined && /[\w@.<]/.test(prev))) {
      const r = atMention(i);
      if (r) { emit(r.node); i = r.end; continue; }
    }

    if (c === '#' && mode === 'markdown' && (prev === undefined || /[\s(]/.test(prev))) {
      const r = hashChannel(i);
      if (r) { emit(r.node); i = r.end; continue; }
    }

    const em = emphasis(i);
    if (em) { emit(em.node); i = em.end; continue; }

    buf += c; i++;
  }
  flush();
  return out;

  // `code`: a run of k backticks closed by a run of exactly k.
  function codeSpan(i) {
    let k = i; while (k < n && src[k] === '`') k++;
    const len = k - i, tick = '`'.repeat(len), key = 'code' + len;
    if (failed.has(key) && i >= failed.get(key)) return null;
    let j = k;
    for (;;) {
      const f = src.indexOf(tick, j);
      if (f === -1) { failed.set(key, i); return null; }
      let e = f; while (e < n && src[e] === '`') e++;
      if (e - f === len) {
        let body = src.slice(k, f).replace(/\n/g, ' ');
        if (body.length > 1 && body[0] === ' ' && body[body.length - 1] === ' ' && body.trim()) body = body.slice(1, -1);
        if (mode !== 'markdown') body = decodeEntities(body);
        return { node: el('code', 'msg-code', body), end: e };
      }
      j = e;
    }
  }

  // [label](url): a link when the URL is safe, else the source as text.
  function mdLink(i) {
    const close = nextIndex(']', i + 1);
    if (close === -1 || src[close + 1] !== '(') return null;
    // A label with another "[" inside is not supported: let the inner one try.
    const inner = nextIndex('[', i + 1);
    if (inner !== -1 && inner < close) return null;
    let paren = parenCache.get(close);
    if (paren === undefined) {
      // The URL may hold balanced parentheses (Wikipedia links).
      paren = -1;
      for (let d = 0, k = close + 2; k < n && k < close + 4096; k++) {
        const ch = src[k];
        if (ch === '\n') break;
        if (ch === '(') d++;
        else if (ch === ')') { if (d === 0) { paren = k; break; } d--; }
      }
      parenCache.set(close, paren);
    }
    if (paren === -1) return null;
    const label = src.slice(i + 1, close);
    let url = src.slice(close + 2, paren).trim();
    if (url.startsWith('<') && url.endsWith('>')) url = url.slice(1, -1);
    const href = safeHref(url);
    if (!href) return { node: null, end: paren + 1 }; // unsafe: plain text
    const a = link(href);
    a.textContent = '';
    a.append(label ? sub(label, { noLinks: true }) : href);
    if (!a.textContent) a.textContent = href;
    return { node: a, end: paren + 1 };
  }

  // Slack's <...> forms: links, user and channel mentions, specials.
  function angle(i) {
    const gt = nextIndex('>', i + 1);
    if (gt === -1 || gt - i > 4096) return null;
    const lt = nextIndex('<', i + 1), nl = nextIndex('\n', i + 1);
    if ((lt !== -1 && lt < gt) || (nl !== -1 && nl < gt)) return null;
    const body = src.slice(i + 1, gt);
    if (!body) return null;
    const bar = body.indexOf('|');
    const target = bar === -1 ? body : body.slice(0, bar);
    const label = bar === -1 ? '' : decodeEntities(body.slice(bar + 1));
    const end = gt + 1;
    if (target[0] === '@') {
      if (!/^@[A-Za-z0-9]+$/.test(target)) return null;
      return { node: userMention(ctx, target.slice(1), label), end };
    }
    if (target[0] === '#') {
      if (!/^#[A-Za-z0-9]+$/.test(target)) return null;
      return { node: channelRef(ctx, target.slice(1), label), end };
    }
    if (target[0] === '!') {
      const word = target.slice(1).split('^')[0];
      if (word === 'here' || word === 'channel' || word === 'everyone') return { node: specialMention(word), end };
      // <!subteam^ID|@team>, <!date^...|fallback>: show the label.
      if (label) return { node: el('span', 'mention', label), end };
      return null;
    }
    if (opts.noLinks) return null;
    const href = safeHref(decodeEntities(target));
    if (!href) return null; // shown as the literal text
    return { node: link(href, label || decodeEntities(target)), end };
  }

  // A bare http(s):// or mailto: URL, up to whitespace, without trailing
  // punctuation and without an unbalanced closing parenthesis.
  function bareURL(i) {
    const head = src.slice(i, i + 8).toLowerCase();
    if (!(head.startsWith('https://') || head.startsWith('http://') || head.startsWith('mailto:'))) return null;
    let j = i;
    while (j < n && !/[\s<>"`]/.test(src[j]) && j - i < 4096) j++;
    let end = j;
    for (;;) {
      const ch = src[end - 1];
      if ('.,:;!?\'*_~'.includes(ch)) { end--; continue; }
      if (ch === ')') {
        const s = src.slice(i, end);
        if (s.split('(').length < s.split(')').length) { end--; continue; }
      }
      break;
    }
    const raw = src.slice(i, end);
    if (/^(https?:\/\/|mailto:)$/i.test(raw)) return null;
    const href = safeHref(mode === 'markdown' ? raw : decodeEntities(raw));
    if (!href) return { node: null, end };
    return { node: link(href, mode === 'markdown' ? raw : decodeEntities(raw)), end };
  }

  // @name, @here, @channel, @everyone, @all (like the server's parser).
  function atMention(i) {
    let j = i + 1;
    if (!/[A-Za-z0-9]/.test(src[j] || '')) return null;
    while (j < n && /[A-Za-z0-9._-]/.test(src[j])) j++;
    while (j > i + 1 && '._-'.includes(src[j - 1])) j--;
    const name = src.slice(i + 1, j);
    const lower = name.toLowerCase();
    if (['here', 'channel', 'everyone', 'all'].includes(lower)) return { node: specialMention(lower), end: j };
    return { node: userNameMention(ctx, name), end: j };
  }

  // #channel-name (not #123, which is usually an issue number).
  function hashChannel(i) {
    let j = i + 1;
    while (j < n && /[A-Za-z0-9_-]/.test(src[j])) j++;
    while (j > i + 1 && '_-'.includes(src[j - 1])) j--;
    const name = src.slice(i + 1, j);
    if (!name || !/[A-Za-z]/.test(name) || !/^[A-Za-z0-9]/.test(name)) return null;
    return { node: channelNameRef(ctx, name), end: j };
  }

  // *em*, **strong**, ~~del~~ (markdown); *strong*, _em_, ~del~ (mrkdwn).
  function emphasis(i) {
    for (const [mk, tag] of MARKERS[mode]) {
      if (!src.startsWith(mk, i)) continue;
      const len = mk.length, ch = mk[0];
      const after = src[i + len];
      if (isSpace(after)) return null;
      if (len === 1 && after === ch) return null; // part of a longer run
      // Markers open and close only at word boundaries, so that
      // snake_case_names and 2*3*4 stay as they are.
      if (isAlnum(src[i - 1])) return null;
      if (failed.has(mk) && i >= failed.get(mk)) return null;
      let j = i + len;
      for (;;) {
        let f = src.indexOf(mk, j);
        if (f === -1) { failed.set(mk, i); return null; }
        // For a run of the marker character, close at its end: ***x*** is
        // strong around em.
        let e = f; while (e < n && src[e] === ch) e++;
        if (len > 1) f = e - len;
        const ok = f > i + len && !isSpace(src[f - 1]) &&
          (len > 1 || (src[f - 1] !== ch && src[f + 1] !== ch)) &&
          !isAlnum(src[f + len]);
        if (ok) {
          const node = el(tag, null);
          node.append(sub(src.slice(i + len, f)));
          return { node, end: f + len };
        }
        j = Math.max(e, f + 1);
      }
    }
    return null;
  }
}

function appendText(out, text, mode) {
  out.append(mode === 'markdown' ? text : decodeEntities(text));
}
