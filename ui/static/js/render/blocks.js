// A subset of Slack's Block Kit: section (text, fields, image accessory),
// header, context, divider and image. Other block types are skipped.

import { el, image, safely, str } from './util.js';
import { renderMrkdwn } from './mrkdwn.js';

const MAX_BLOCKS = 50;

/** renderBlocks renders an array of Block Kit blocks. */
export function renderBlocks(blocks, ctx) {
  const wrap = el('div', 'msg-blocks');
  if (!Array.isArray(blocks)) return wrap;
  for (const b of blocks.slice(0, MAX_BLOCKS)) {
    if (!b || typeof b !== 'object') continue;
    const node = safely(() => block(b, ctx), textOf(b.text) ?? '');
    if (node) wrap.append(node);
  }
  return wrap;
}

const textOf = (t) => (t && typeof t === 'object' ? str(t.text) : undefined);

// A text object: mrkdwn or plain_text (plain text still shows Slack's
// <links> and mentions only when it is mrkdwn).
function textObject(t, ctx) {
  const s = textOf(t);
  if (s === undefined) return null;
  if (t.type === 'mrkdwn') return renderMrkdwn(s, ctx);
  return document.createTextNode(s);
}

function block(b, ctx) {
  switch (b.type) {
    case 'section': {
      const sec = el('div', 'blk-section');
      const body = el('div', 'blk-section-body');
      const text = textObject(b.text, ctx);
      if (text) body.append(el('div', 'blk-text', text));
      if (Array.isArray(b.fields) && b.fields.length) {
        const fields = el('div', 'blk-fields');
        for (const f of b.fields.slice(0, 10)) {
          const t = textObject(f, ctx);
          if (t) fields.append(el('div', 'blk-field', t));
        }
        body.append(fields);
      }
      sec.append(body);
      const acc = b.accessory;
      if (acc && acc.type === 'image') {
        const img = image(acc.image_url, str(acc.alt_text) ?? '', 'blk-accessory-image');
        if (img) sec.append(img);
      }
      return body.firstChild ? sec : null;
    }
    case 'header': {
      const s = textOf(b.text);
      return s ? el('div', 'blk-header', s) : null;
    }
    case 'context': {
      const ctxEl = el('div', 'blk-context');
      for (const e of (Array.isArray(b.elements) ? b.elements : []).slice(0, 10)) {
        if (!e || typeof e !== 'object') continue;
        if (e.type === 'image') {
          const img = image(e.image_url, str(e.alt_text) ?? '', 'blk-context-image');
          if (img) ctxEl.append(img);
        } else {
          const t = textObject(e, ctx);
          if (t) ctxEl.append(el('span', 'blk-context-text', t));
        }
      }
      return ctxEl.firstChild ? ctxEl : null;
    }
    case 'divider':
      return el('hr', 'blk-divider');
    case 'image': {
      const img = image(b.image_url, str(b.alt_text) ?? '', 'blk-image');
      if (!img) return null;
      const fig = el('figure', 'blk-image-block');
      const title = textOf(b.title);
      if (title) fig.append(el('figcaption', 'blk-image-title', title));
      fig.append(img);
      return fig;
    }
    default:
      return null; // unknown block types are skipped
  }
}

