// Shared helpers for the message renderers. Everything here builds DOM nodes
// with createElement/textContent: user and bot text is never parsed as HTML.

const LINK_SCHEMES = ['http:', 'https:', 'mailto:'];
const IMAGE_SCHEMES = ['http:', 'https:'];

// Whitespace and control characters anywhere in a URL are refused: browsers
// silently drop some of them ("java\tscript:" becomes "javascript:").
const UNSAFE_URL_CHARS = /[\u0000-\u0020\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/;

/** safeURL returns the normalised URL when it is absolute and uses one of
 *  the allowed schemes, else null. */
export function safeURL(raw, schemes = LINK_SCHEMES) {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > 4096 || UNSAFE_URL_CHARS.test(s)) return null;
  // The scheme must be spelled out literally: no relative URLs, no tricks
  // that only turn into a scheme after the browser's URL parser runs.
  const m = /^([A-Za-z][A-Za-z0-9+.-]{0,20}):/.exec(s);
  if (!m || !schemes.includes(m[1].toLowerCase() + ':')) return null;
  let u;
  try { u = new URL(s); } catch { return null; }
  if (!schemes.includes(u.protocol)) return null;
  if ((u.protocol === 'http:' || u.protocol === 'https:') && !u.hostname) return null;
  return u.href;
}

export const safeHref = (raw) => safeURL(raw, LINK_SCHEMES);
export const safeImageSrc = (raw) => safeURL(raw, IMAGE_SCHEMES);

/** el creates an element with an optional class and children (strings
 *  become text nodes). */
export function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) {
    if (c == null || c === false) continue;
    e.append(c); // append() turns strings into text nodes
  }
  return e;
}

/** link builds an <a> that opens in a new tab without an opener; href must
 *  already have passed safeHref. */
export function link(href, ...children) {
  const a = el('a', 'msg-link', ...children);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  if (!a.textContent) a.textContent = href;
  return a;
}

/** image builds an <img> for a safe http(s) URL, or returns null. */
export function image(src, alt, cls) {
  const safe = safeImageSrc(src);
  if (!safe) return null;
  const img = el('img', cls);
  img.src = safe;
  img.alt = typeof alt === 'string' ? alt : '';
  img.loading = 'lazy';
  img.referrerPolicy = 'no-referrer';
  return img;
}

/** decodeEntities decodes the entities Slack escapes in mrkdwn, as text. */
export function decodeEntities(s) {
  return s.replace(/&(lt|gt|amp|quot|#39);/g, (_, e) =>
    ({ lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'" })[e]);
}

// Lookups go through ctx, which the caller supplies; a throwing or missing
// lookup just means "unknown".
function lookup(ctx, fn, arg) {
  try {
    const f = ctx && ctx[fn];
    const v = typeof f === 'function' ? f(arg) : undefined;
    return typeof v === 'string' && v ? v : (typeof v === 'number' ? v : undefined);
  } catch { return undefined; }
}

function clickable(node, handler, arg) {
  if (typeof handler !== 'function' || arg === undefined || arg === null) return node;
  node.setAttribute('role', 'button');
  node.tabIndex = 0;
  const fire = (ev) => {
    if (ev.type === 'keydown' && ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    try { handler(arg); } catch (e) { console.error(e); }
  };
  node.addEventListener('click', fire);
  node.addEventListener('keydown', fire);
  return node;
}

/** userMention renders @name for a user id (Slack ids like U123 are tried
 *  as given and as the number Parley uses). */
export function userMention(ctx, id, label) {
  let name = lookup(ctx, 'userName', id);
  const numeric = /^[UW]?\d+$/.test(id) ? Number(id.replace(/^[UW]/, '')) : undefined;
  if (name === undefined && numeric !== undefined) name = lookup(ctx, 'userName', numeric);
  const shown = name ?? (label ? label.replace(/^@/, '') : id);
  const span = el('span', 'mention', '@' + shown);
  span.dataset.userId = String(numeric ?? id);
  return clickable(span, ctx && ctx.onMentionClick, numeric ?? id);
}

/** userNameMention renders @name typed as a name (markdown). */
export function userNameMention(ctx, name) {
  const span = el('span', 'mention', '@' + name);
  const id = lookup(ctx, 'userIdByName', name);
  if (id !== undefined) span.dataset.userId = String(id);
  return clickable(span, ctx && ctx.onMentionClick, id);
}

/** specialMention renders @here, @channel, @everyone. */
export function specialMention(word) {
  return el('span', 'mention mention-special', '@' + word);
}

/** channelRef renders #name for a channel id (mrkdwn). */
export function channelRef(ctx, id, label) {
  let name = lookup(ctx, 'channelName', id);
  const numeric = /^[CGD]?\d+$/.test(id) ? Number(id.replace(/^[CGD]/, '')) : undefined;
  if (name === undefined && numeric !== undefined) name = lookup(ctx, 'channelName', numeric);
  const span = el('span', 'channel-ref', '#' + (name ?? (label ? label.replace(/^#/, '') : id)));
  span.dataset.channelId = String(numeric ?? id);
  return clickable(span, ctx && ctx.onChannelClick, numeric ?? id);
}

/** channelNameRef renders #name typed as a name (markdown). */
export function channelNameRef(ctx, name) {
  const span = el('span', 'channel-ref', '#' + name);
  const id = lookup(ctx, 'channelIdByName', name);
  if (id !== undefined) span.dataset.channelId = String(id);
  return clickable(span, ctx && ctx.onChannelClick, id);
}

/** plainText renders text as-is, with line breaks. */
export function plainText(text) {
  const frag = document.createDocumentFragment();
  String(text ?? '').split('\n').forEach((line, i) => {
    if (i) frag.append(el('br'));
    if (line) frag.append(line);
  });
  return frag;
}

/** safely runs a renderer; any exception falls back to the plain text. */
export function safely(render, fallbackText) {
  try {
    return render();
  } catch (e) {
    console.error('render failed, showing plain text', e);
    return plainText(fallbackText);
  }
}

/** str returns v when it is a non-empty string. */
export const str = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
