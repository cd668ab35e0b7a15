// Parley's "markdown" markup: a CommonMark-like subset for chat. Block
// structure is found line by line; inline text goes to inline.js.
// Unlike CommonMark, a newline inside a paragraph is a line break (as in
// every chat client).

import { el, safely } from './util.js';
import { renderInline } from './inline.js';

const MAX_DEPTH = 6;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const QUOTE = /^ {0,3}> ?/;
const HEADING = /^ {0,3}(#{1,6})[ \t]+/;
const BULLET = /^( {0,3})([-*+])( +)/;
const ORDERED = /^( {0,3})(\d{1,9})([.)])( +)/;

/** renderMarkdown renders Parley markdown as a DocumentFragment. */
export function renderMarkdown(text, ctx) {
  return safely(() => blocks(String(text ?? '').replace(/\r\n?/g, '\n').split('\n'), ctx, 0), text);
}

const isBlank = (l) => l.trim() === '';
const isRule = (l) => /^ {0,3}[-*_]/.test(l) && /^(?:-{3,}|\*{3,}|_{3,})$/.test(l.replace(/[ \t]/g, ''));
const startsBlock = (l) => FENCE.test(l) || QUOTE.test(l) || HEADING.test(l) || isRule(l) ||
  listItem(l) !== null;

function listItem(line) {
  let m = BULLET.exec(line);
  if (m && m[0].length < line.length) return { ordered: false, marker: m[2], indent: m[0].length, rest: line.slice(m[0].length) };
  m = ORDERED.exec(line);
  if (m && m[0].length < line.length) return { ordered: true, marker: m[3], start: Number(m[2]), indent: m[0].length, rest: line.slice(m[0].length) };
  return null;
}

function dedent(line, k) {
  let i = 0;
  while (i < k && line[i] === ' ') i++;
  return line.slice(i);
}

function blocks(lines, ctx, depth) {
  const out = document.createDocumentFragment();
  if (depth > MAX_DEPTH) { // too deep: the rest is one paragraph
    out.append(paragraph(lines.join('\n'), ctx));
    return out;
  }
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) { i++; continue; }

    let m = FENCE.exec(line);
    if (m && !(m[1][0] === '`' && m[2].includes('`'))) {
      const fence = m[1];
      const lang = (m[2].trim().split(/\s/)[0] || '').slice(0, 32);
      const body = [];
      i++;
      while (i < lines.length) {
        const l = lines[i];
        const t = l.trim();
        if (t.length >= fence.length && t === fence[0].repeat(t.length) && /^ {0,3}\S/.test(l)) { i++; break; }
        body.push(l);
        i++;
      }
      const code = el('code', null, body.join('\n'));
      if (/^[\w+#.-]+$/.test(lang)) { code.className = 'language-' + lang; code.dataset.lang = lang; }
      out.append(el('pre', 'msg-pre', code));
      continue;
    }

    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && QUOTE.test(lines[i])) inner.push(lines[i++].replace(QUOTE, ''));
      const q = el('blockquote', 'msg-quote');
      q.append(blocks(inner, ctx, depth + 1));
      out.append(q);
      continue;
    }

    m = HEADING.exec(line);
    if (m) {
      let t = line.slice(m[0].length);
      let e = t.length; // strip a closing run of #s, without a backtracking regex
      while (e > 0 && (t[e - 1] === ' ' || t[e - 1] === '\t')) e--;
      let h = e; while (h > 0 && t[h - 1] === '#') h--;
      if (h < e && (h === 0 || t[h - 1] === ' ')) e = h;
      t = t.slice(0, e).trim();
      const node = el('h' + Math.min(6, m[1].length + 2), 'msg-heading');
      node.append(renderInline(t, ctx, 'markdown'));
      out.append(node);
      i++;
      continue;
    }

    if (isRule(line)) { out.append(el('hr', 'msg-rule')); i++; continue; }

    const first = listItem(line);
    if (first) {
      const list = el(first.ordered ? 'ol' : 'ul', 'msg-list');
      if (first.ordered && first.start !== 1) list.start = first.start;
      while (i < lines.length) {
        const it = listItem(lines[i]);
        if (!it || it.ordered !== first.ordered || it.marker !== first.marker) break;
        const body = [it.rest];
        i++;
        // The item goes on while lines are indented under it, or are lazy
        // paragraph continuations; a blank line ends it unless indented
        // content follows.
        while (i < lines.length) {
          const l = lines[i];
          if (isBlank(l)) {
            let k = i; while (k < lines.length && isBlank(lines[k])) k++;
            if (k < lines.length && /^ {2,}/.test(lines[k])) { body.push(''); i++; continue; }
            break;
          }
          if (/^ {2,}/.test(l)) { body.push(dedent(l, it.indent)); i++; continue; }
          if (startsBlock(l)) break;
          body.push(l); i++;
        }
        const li = el('li');
        const content = blocks(body, ctx, depth + 1);
        // A tight item: its first paragraph is not wrapped in <p>.
        if (content.firstChild && content.firstChild.nodeName === 'P') {
          const p = content.firstChild;
          content.replaceChild(toFragment(p), p);
        }
        li.append(content);
        list.append(li);
        // Blank lines between items keep the list going.
        let k = i; while (k < lines.length && isBlank(lines[k])) k++;
        if (k > i && k < lines.length && listItem(lines[k])?.marker === first.marker) i = k;
      }
      out.append(list);
      continue;
    }

    const para = [line];
    i++;
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i])) para.push(lines[i++]);
    out.append(paragraph(para.join('\n'), ctx));
  }
  return out;
}

function paragraph(text, ctx) {
  const p = el('p', 'msg-p');
  p.append(renderInline(text.trim(), ctx, 'markdown'));
  return p;
}

function toFragment(node) {
  const f = document.createDocumentFragment();
  while (node.firstChild) f.append(node.firstChild);
  return f;
}
