// Slack's legacy attachments, laid out as Slack shows them: pretext above a
// box with a coloured left bar holding author, title, text, fields, image
// and footer, with the thumbnail on the right.

import { el, link, image, safeHref, safely, str, plainText } from './util.js';
import { renderMrkdwn, renderSlackText } from './mrkdwn.js';

const NAMED_COLORS = { good: '#2eb67d', warning: '#daa038', danger: '#e01e5a' };
const MAX_ATTACHMENTS = 20;
const MAX_FIELDS = 50;

/** attachmentColor returns a CSS colour for good/warning/danger or a hex
 *  value (with or without #), else null. */
export function attachmentColor(c) {
  if (typeof c !== 'string') return null;
  if (NAMED_COLORS[c]) return NAMED_COLORS[c];
  const m = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.exec(c.trim());
  return m ? '#' + m[1] : null;
}

/** renderAttachments renders an array of legacy attachments. */
export function renderAttachments(attachments, ctx) {
  const wrap = el('div', 'msg-attachments');
  if (!Array.isArray(attachments)) return wrap;
  for (const a of attachments.slice(0, MAX_ATTACHMENTS)) {
    if (!a || typeof a !== 'object') continue;
    wrap.append(safely(() => attachment(a, ctx), str(a.fallback) ?? str(a.text) ?? ''));
  }
  return wrap;
}

// Slack formats text, pretext and fields unless mrkdwn_in lists others.
function formatted(a, field) {
  return !Array.isArray(a.mrkdwn_in) || a.mrkdwn_in.includes(field);
}

function slackText(a, field, text, ctx) {
  return formatted(a, field) ? renderMrkdwn(text, ctx) : renderSlackText(text, ctx);
}

function attachment(a, ctx) {
  const root = el('div', 'msg-attachment');
  if (str(a.pretext)) root.append(el('div', 'att-pretext', slackText(a, 'pretext', a.pretext, ctx)));

  const box = el('div', 'att-box');
  const color = attachmentColor(a.color);
  if (color) box.style.setProperty('--att-color', color);
  const main = el('div', 'att-main');
  let shown = false;

  if (str(a.author_name)) {
    const author = el('div', 'att-author');
    const icon = image(a.author_icon, '', 'att-author-icon');
    if (icon) author.append(icon);
    const href = safeHref(a.author_link);
    author.append(href ? link(href, a.author_name) : el('span', null, a.author_name));
    main.append(author);
    shown = true;
  }
  if (str(a.title)) {
    const href = safeHref(a.title_link);
    main.append(el('div', 'att-title', href ? link(href, a.title) : a.title));
    shown = true;
  }
  if (str(a.text)) {
    main.append(el('div', 'att-text', slackText(a, 'text', a.text, ctx)));
    shown = true;
  }
  if (Array.isArray(a.fields) && a.fields.length) {
    const fields = el('div', 'att-fields');
    for (const f of a.fields.slice(0, MAX_FIELDS)) {
      if (!f || typeof f !== 'object' || (!str(f.title) && !str(String(f.value ?? '')))) continue;
      const field = el('div', f.short ? 'att-field att-field-short' : 'att-field');
      if (str(f.title)) field.append(el('div', 'att-field-title', f.title));
      const value = f.value == null ? '' : String(f.value);
      if (value) field.append(el('div', 'att-field-value', slackText(a, 'fields', value, ctx)));
      fields.append(field);
    }
    if (fields.firstChild) { main.append(fields); shown = true; }
  }
  const img = image(a.image_url, str(a.fallback) ?? '', 'att-image');
  if (img) { main.append(img); shown = true; }

  const footer = el('div', 'att-footer');
  const ficon = image(a.footer_icon, '', 'att-footer-icon');
  if (ficon && str(a.footer)) footer.append(ficon);
  if (str(a.footer)) footer.append(el('span', 'att-footer-text', renderSlackText(a.footer, ctx)));
  const when = timestamp(a.ts);
  if (when) {
    if (str(a.footer)) footer.append(el('span', 'att-footer-sep', ' | '));
    footer.append(when);
  }
  if (footer.firstChild) { main.append(footer); shown = true; }

  box.append(main);
  const thumb = image(a.thumb_url, '', 'att-thumb');
  if (thumb) { box.append(thumb); shown = true; }

  if (!shown && !root.firstChild) {
    // Nothing but the fallback: show it, plainly.
    if (!str(a.fallback)) return document.createDocumentFragment();
    main.append(el('div', 'att-text att-fallback', plainText(a.fallback)));
  }
  if (main.firstChild || thumb) root.append(box);
  return root;
}

// ts is Unix seconds, as a number or a string.
function timestamp(ts) {
  const n = typeof ts === 'string' ? Number(ts) : ts;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return null;
  const d = new Date(n * 1000);
  if (Number.isNaN(d.getTime())) return null;
  const t = el('time', 'att-ts', d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
  t.dateTime = d.toISOString();
  return t;
}
