// The thread side panel: the root message, its replies and a reply composer.

import { h, replace } from "../dom.js";
import { renderList, renderMessage, rendererCtx, onRenderer } from "./messages.js";
import { mountComposer } from "./composer.js";
import { onThreadTyping, threadTypingUsers, typingText } from "../typing.js";

export function mountThread(panel, app, rootId, highlightId) {
  const store = app.store;
  const cleanup = [];
  let editingId = null;
  const ctx = rendererCtx(app); // the renderer's lookups, built once per mount
  const closeBtn = h("button", { type: "button", class: "icon-button", "aria-label": "Close thread", title: "Close thread (Esc)" }, "✕");
  const heading = h("div", { class: "thread-header" }, h("h2", { id: "thread-title" }, "Thread"), closeBtn);
  const rootList = h("ol", { class: "message-list thread-root" });
  const replies = h("ol", { class: "message-list thread-replies", "aria-label": "Replies" });
  const count = h("div", { class: "thread-count muted small" });
  const scroller = h("div", { class: "thread-scroller" }, rootList, count, replies);
  const typingEl = h("div", { id: "thread-typing", class: "typing-indicator muted", "aria-live": "polite" });
  const composerWrap = h("div", { class: "composer-wrap" });
  replace(panel, heading, scroller, typingEl, composerWrap);
  panel.hidden = false;
  panel.setAttribute("aria-labelledby", "thread-title");
  closeBtn.addEventListener("click", () => app.closeThread());

  let composer = null;
  function render(initial) {
    const t = store.threads.get(rootId);
    if (!t) return;
    if (t.error) { replace(scroller, h("p", { class: "muted" }, "This thread is not available.")); return; }
    if (!t.root) return;
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
    replace(rootList, renderMessage(app, t.root, { inThread: true, ctx }));
    const eph = (store.ephemeral.get(t.root.channel_id) || []).filter((e) => e.thread_id === rootId);
    const items = [...t.items, ...eph].sort((a, b) => a.created_at - b.created_at);
    replace(replies, renderList(app, items, {
      inThread: true, editingId, ctx,
      onEdit: (m) => { editingId = m.id; render(); },
      onCancelEdit: () => { editingId = null; render(); composer?.focus(); },
    }));
    const n = t.items.length;
    count.textContent = t.loaded ? (n ? `${n} ${n === 1 ? "reply" : "replies"}` : "No replies yet") : "Loading…";
    if (highlightId) {
      const el = replies.querySelector(`[data-message-id="${highlightId}"]`);
      if (el) { el.classList.add("highlight"); if (initial) el.scrollIntoView({ block: "center" }); }
    } else if (initial || atBottom) scroller.scrollTop = scroller.scrollHeight;
    if (!composer && t.root.channel_id) {
      composer = mountComposer(composerWrap, app, {
        channelId: t.root.channel_id, threadId: rootId, id: "thread-composer", placeholder: "Reply…",
        onEditLast: () => {
          const mine = [...t.items].reverse().find((m) => m.user_id === store.me.id && !m.deleted);
          if (mine) { editingId = mine.id; render(); return true; }
          return false;
        },
        onEscape: () => app.closeThread(),
        onSent: () => { highlightId = null; scroller.scrollTop = scroller.scrollHeight; },
      });
      if (!highlightId) composer.focus();
    }
  }
  cleanup.push(store.on("thread:" + rootId, (info) => {
    if (info?.reset) { store.loadThread(rootId).catch(() => {}); return; }
    render();
  }));
  cleanup.push(store.on("users", () => { render(); renderTyping(); }));
  const renderTyping = () => { typingEl.textContent = typingText(store, threadTypingUsers(rootId)); };
  cleanup.push(onThreadTyping(rootId, renderTyping));
  renderTyping();
  onRenderer(() => render());
  const t = store.threads.get(rootId);
  if (t && t.loaded) render(true);
  else store.loadThread(rootId).then(() => render(true), () => render());

  return {
    rootId,
    highlight(id) { highlightId = id; render(true); },
    destroy() {
      cleanup.forEach((f) => f());
      composer?.destroy();
      panel.hidden = true;
      replace(panel);
    },
  };
}
