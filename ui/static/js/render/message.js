// The body of one message: its text in its markup, then attachments and
// blocks.

import { el, safely } from './util.js';
import { renderMarkdown } from './markdown.js';
import { renderMrkdwn } from './mrkdwn.js';
import { renderAttachments } from './attachments.js';
import { renderBlocks } from './blocks.js';

/**
 * renderMessageBody renders message.text (markdown or mrkdwn, by
 * message.markup), then message.attachments and message.blocks.
 * Attachments sent Mattermost-style in props.attachments are shown too.
 */
export function renderMessageBody(message, ctx = {}) {
  const root = el('div', 'msg-body');
  if (!message || typeof message !== 'object') return root;
  const text = typeof message.text === 'string' ? message.text : '';
  if (text) {
    const body = el('div', 'msg-text');
    body.dataset.markup = message.markup === 'mrkdwn' ? 'mrkdwn' : 'markdown';
    const render = message.markup === 'mrkdwn' ? renderMrkdwn : renderMarkdown;
    body.append(safely(() => render(text, withMentions(message, ctx)), text));
    if (message.props && message.props.subtype === 'me_message') body.classList.add('msg-me');
    root.append(body);
  }
  const attachments = Array.isArray(message.attachments) ? message.attachments
    : (message.props && Array.isArray(message.props.attachments) ? message.props.attachments : null);
  if (attachments && attachments.length) root.append(safely(() => renderAttachments(attachments, ctx), ''));
  if (Array.isArray(message.blocks) && message.blocks.length) root.append(safely(() => renderBlocks(message.blocks, ctx), ''));
  return root;
}

// In markdown, @name is written as a name; the message's mentions (resolved
// by the server) give the ids, so clicking a mention can open the profile.
function withMentions(message, ctx) {
  const ids = message.mentions && Array.isArray(message.mentions.user_ids) ? message.mentions.user_ids : [];
  if (!ids.length || typeof ctx.userName !== 'function' || ctx.userIdByName) return ctx;
  const byName = new Map();
  for (const id of ids) {
    try {
      const name = ctx.userName(id);
      if (typeof name === 'string') byName.set(name.toLowerCase(), id);
    } catch { /* unknown user */ }
  }
  return { ...ctx, userIdByName: (name) => byName.get(String(name).toLowerCase()) };
}
