// The channel screen: header, message list, typing indicator and composer.

import { h, clear, append, replace, fmtTime, fmtDay, fmtFull, fmtSize } from "../dom.js";
import { emojiChar, QUICK, EMOJI } from "../emoji.js";
import { mountComposer } from "./composer.js";
import { isMuted, setMuted } from "./notify.js";
import { safeImageSrc } from "../render/util.js";

// ---- message body renderer (written separately; fall back to plain text) ----
let renderBody = null;
const rendererReady = import("../render/message.js")
  .then((m) => { renderBody = m.renderMessageBody || null; })
  .catch(() => { renderBody = null; });
export function onRenderer(fn) { rendererReady.then(fn); }

// The lookups the renderer needs. Ids arrive from the parser as strings (or
// numbers); the store's maps use numbers. Unknown ids give undefined so the
// renderer can fall back to the label or the raw id.
export function rendererCtx(app) {
  const store = app.store;
  return {
    userName: (id) => {
      const u = store.users.get(Number(id));
      return u ? (u.display_name || u.username) : undefined;
    },
    channelName: (id) => {
      const c = store.channels.get(Number(id));
      return c ? store.channelTitle(c) : undefined;
    },
    channelIdByName: (name) => {
      const want = String(name).toLowerCase();
      for (const c of store.channels.values()) {
        if (c.kind !== "dm" && c.kind !== "group_dm" && typeof c.name === "string" && c.name.toLowerCase() === want) return c.id;
      }
      return undefined;
    },
    onMentionClick: (id) => app.openDM && app.openDM(id),
    onChannelClick: (id) => app.navigate(id),
  };
}

function bodyNode(m, app, ctx) {
  const wrap = h("div", { class: "message-body" });
  if (m.deleted) {
    wrap.appendChild(h("em", { class: "muted" }, "This message was deleted."));
    return wrap;
  }
  ctx = ctx || rendererCtx(app);
  let node = null;
  if (renderBody) {
    try { node = renderBody(m, ctx); } catch (e) { console.error("renderMessageBody", e); node = null; }
  }
  if (!(node instanceof Node)) {
    node = h("div", { class: "message-text plain" }, m.text || "");
  }
  wrap.appendChild(node);
  return wrap;
}

function initials(name) {
  const parts = String(name || "?").trim().split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] || "?") + (parts[1]?.[0] || "")).toUpperCase();
}

function hue(id) { return (Number(id) * 47) % 360; }

export function avatar(app, userId, m) {
  const u = app.store.users.get(userId);
  const icon = m?.icon_emoji;
  if (icon) return h("div", { class: "avatar emoji", "aria-hidden": "true" }, emojiChar(icon));
  const iconSrc = m?.icon_url ? safeImageSrc(m.icon_url) : null;
  if (iconSrc) {
    const img = h("img", { class: "avatar", src: iconSrc, alt: "" });
    img.referrerPolicy = "no-referrer";
    return img;
  }
  if (u?.kind === "bot") return h("div", { class: "avatar emoji", "aria-hidden": "true" }, "🤖");
  const name = m?.username || u?.display_name || u?.username || "?";
  const el = h("div", { class: "avatar", "aria-hidden": "true" }, initials(name));
  el.style.setProperty("--avatar-hue", String(hue(userId)));
  return el;
}

function filesNode(m) {
  if (!m.files || !m.files.length) return null;
  return h("div", { class: "message-files" }, m.files.map((f) => {
    const href = `/api/v1/files/${f.id}`;
    if ((f.content_type || "").startsWith("image/")) {
      return h("a", { class: "file image", href, target: "_blank", rel: "noopener noreferrer", "data-file-id": f.id },
        h("img", { src: href, alt: f.name, loading: "lazy", width: f.width ? Math.min(f.width, 360) : undefined }));
    }
    return h("a", { class: "file", href, target: "_blank", rel: "noopener noreferrer", "data-file-id": f.id },
      h("span", { class: "file-icon", "aria-hidden": "true" }, "📄"), h("span", { class: "file-name" }, f.name), h("span", { class: "muted" }, " " + fmtSize(f.size || 0)));
  }));
}

// ---- emoji picker (one shared popover) ----
let picker = null;
export function openEmojiPicker(anchor, onPick) {
  closeEmojiPicker();
  const filter = h("input", { type: "search", class: "picker-filter", placeholder: "Search emoji", "aria-label": "Search emoji" });
  const grid = h("div", { class: "picker-grid", role: "listbox", "aria-label": "Emoji" });
  const fill = () => {
    const q = filter.value.trim().toLowerCase().replace(/:/g, "");
    const seen = new Set();
    const codes = q ? Object.keys(EMOJI).filter((k) => k.includes(q)) : [...QUICK, ...Object.keys(EMOJI)];
    const btns = [];
    for (const code of codes) {
      const ch = EMOJI[code];
      if (seen.has(ch)) continue;
      seen.add(ch);
      btns.push(h("button", { type: "button", class: "picker-emoji", title: ":" + code + ":", "aria-label": code, role: "option",
        onclick: () => { closeEmojiPicker(); onPick(code); } }, ch));
      if (btns.length >= 64) break;
    }
    replace(grid, btns);
  };
  filter.addEventListener("input", fill);
  filter.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { closeEmojiPicker(); anchor.focus(); }
    if (e.key === "Enter") { e.preventDefault(); grid.querySelector("button")?.click(); }
  });
  fill();
  picker = h("div", { class: "emoji-picker", role: "dialog", "aria-label": "Pick a reaction" }, filter, grid);
  document.body.appendChild(picker);
  const r = anchor.getBoundingClientRect();
  const top = Math.min(window.innerHeight - 260, r.bottom + 4);
  const left = Math.max(8, Math.min(window.innerWidth - 290, r.left - 200));
  picker.style.top = top + "px";
  picker.style.left = left + "px";
  filter.focus();
  setTimeout(() => document.addEventListener("mousedown", outside), 0);
}
function outside(e) { if (picker && !picker.contains(e.target)) closeEmojiPicker(); }
export function closeEmojiPicker() {
  if (picker) { picker.remove(); picker = null; }
  document.removeEventListener("mousedown", outside);
}

export async function toggleReaction(app, m, code) {
  const r = (m.reactions || []).find((x) => x.emoji === code);
  const mine = r && (r.user_ids || []).includes(app.store.me.id);
  try {
    await app.api(mine ? "DELETE" : "PUT", `/messages/${m.id}/reactions/${encodeURIComponent(code)}`);
  } catch (e) { app.toast(e.message); }
}

// ---- one message ----
// opts: {grouped, inThread, editing, onEdit, onCancelEdit, ctx (the renderer's lookups)}
export function renderMessage(app, m, opts = {}) {
  const store = app.store;
  const me = store.me;
  const u = store.users.get(m.user_id);
  const isBot = u?.kind === "bot" || !!m._ephemeral && (!u || u.kind === "bot");
  const name = m.username || (u ? (u.display_name || u.username) : "…");
  const own = m.user_id === me.id && !m._ephemeral;
  const li = h("li", {
    class: ["message", opts.grouped && "grouped", m._ephemeral && "ephemeral", own && "own", m.deleted && "deleted"],
    "data-message-id": m._ephemeral ? undefined : m.id,
    "data-ephemeral-id": m._ephemeral ? m.id : undefined,
    tabindex: "-1",
  });
  const gutter = h("div", { class: "gutter" },
    opts.grouped ? h("time", { class: "hover-time", datetime: new Date(m.created_at).toISOString(), title: fmtFull(m.created_at) }, fmtTime(m.created_at))
      : avatar(app, m.user_id, m));
  const main = h("div", { class: "message-main" });
  if (!opts.grouped) {
    const permalink = m._ephemeral ? null : `#/c/${m.channel_id}/m/${m.id}`;
    main.appendChild(h("div", { class: "message-header" },
      h("button", { type: "button", class: "author", onclick: () => app.showUser && app.showUser(m.user_id) }, name),
      isBot ? h("span", { class: "badge bot-badge" }, "BOT") : null,
      m.username && u && m.username !== u.username ? h("span", { class: "muted small" }, " via " + (u.display_name || u.username)) : null,
      permalink ? h("a", { class: "timestamp", href: permalink, title: fmtFull(m.created_at) }, fmtTime(m.created_at))
        : h("span", { class: "timestamp", title: fmtFull(m.created_at) }, fmtTime(m.created_at))));
  }
  if (m._ephemeral) {
    main.appendChild(h("div", { class: "ephemeral-note" }, h("span", { "aria-hidden": "true" }, "👁 "), "Only visible to you",
      h("button", { type: "button", class: "link-button", onclick: () => store.dismissEphemeral(m.channel_id, m.id) }, "Dismiss")));
  }
  if (opts.editing) {
    main.appendChild(editForm(app, m, opts));
  } else {
    const body = bodyNode(m, app, opts.ctx);
    if (m.edited_at && !m.deleted) {
      const blocks = body.querySelectorAll("p, .message-text, .msg-p");
      const target = blocks.length ? blocks[blocks.length - 1] : body;
      target.appendChild(h("span", { class: "edited muted", title: "Edited " + fmtFull(m.edited_at) }, " (edited)"));
    }
    main.appendChild(body);
    const f = filesNode(m);
    if (f) main.appendChild(f);
  }
  // reactions
  if (!m._ephemeral && m.reactions && m.reactions.length) {
    main.appendChild(h("div", { class: "reactions" }, m.reactions.map((r) => {
      const mine = (r.user_ids || []).includes(me.id);
      const who = (r.user_ids || []).map((id) => store.userName(id)).join(", ");
      return h("button", { type: "button", class: ["reaction", mine && "mine"], "data-emoji": r.emoji, "aria-pressed": mine ? "true" : "false",
        title: `${who} reacted with :${r.emoji}:`, "aria-label": `${r.emoji}, ${r.count} reaction${r.count === 1 ? "" : "s"}${mine ? ", including you" : ""}`,
        onclick: () => toggleReaction(app, m, r.emoji) },
        h("span", { class: "reaction-emoji", "aria-hidden": "true" }, emojiChar(r.emoji)), h("span", { class: "reaction-count" }, String(r.count)));
    })));
  }
  // thread summary
  if (!opts.inThread && !m.thread_id && m.reply_count > 0) {
    main.appendChild(h("button", { type: "button", class: "thread-summary reply-button-summary", onclick: () => app.openThread(m.id) },
      `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`,
      m.last_reply_at ? h("span", { class: "muted" }, " · last " + fmtTime(m.last_reply_at)) : null));
  }
  li.append(gutter, main);
  // actions
  if (!m._ephemeral && !m.deleted) {
    const actions = h("div", { class: "message-actions", role: "toolbar", "aria-label": "Message actions" });
    const react = h("button", { type: "button", class: "react-button icon-button", "aria-label": "Add reaction", title: "Add reaction" }, "☺");
    react.addEventListener("click", () => openEmojiPicker(react, (code) => toggleReaction(app, m, code)));
    actions.appendChild(react);
    if (!opts.inThread && !m.thread_id) {
      actions.appendChild(h("button", { type: "button", class: "reply-button icon-button", "aria-label": "Reply in thread", title: "Reply in thread",
        onclick: () => app.openThread(m.id) }, "💬"));
    }
    if (own && opts.onEdit) {
      actions.appendChild(h("button", { type: "button", class: "edit-button icon-button", "aria-label": "Edit message", title: "Edit", onclick: () => opts.onEdit(m) }, "✎"));
    }
    if (own || me.is_admin) {
      actions.appendChild(h("button", { type: "button", class: "delete-button icon-button", "aria-label": "Delete message", title: "Delete",
        onclick: async () => {
          if (!confirm("Delete this message? This cannot be undone.")) return;
          try { await app.api("DELETE", `/messages/${m.id}`); } catch (e) { app.toast(e.message); }
        } }, "🗑"));
    }
    li.appendChild(actions);
  }
  return li;
}

const editDrafts = new Map();
function editForm(app, m, opts) {
  const ta = h("textarea", { class: "edit-input", "aria-label": "Edit message", rows: "2" });
  ta.value = editDrafts.has(m.id) ? editDrafts.get(m.id) : m.text;
  ta.addEventListener("input", () => editDrafts.set(m.id, ta.value));
  const cancel = opts.onCancelEdit;
  opts = { ...opts, onCancelEdit: () => { editDrafts.delete(m.id); cancel(); } };
  const save = async () => {
    const text = ta.value.trim();
    if (!text) return;
    if (text === m.text) { opts.onCancelEdit(); return; }
    try {
      const updated = await app.api("PATCH", `/messages/${m.id}`, { text });
      Object.assign(m, updated);
      opts.onCancelEdit();
    } catch (e) { app.toast(e.message); }
  };
  ta.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); save(); }
    if (e.key === "Escape") { e.preventDefault(); opts.onCancelEdit(); }
  });
  setTimeout(() => { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }, 0);
  return h("div", { class: "edit-form" }, ta,
    h("div", { class: "edit-actions" },
      h("button", { type: "button", class: "button", onclick: () => opts.onCancelEdit() }, "Cancel"),
      h("button", { type: "button", class: "button primary", onclick: save }, "Save"),
      h("span", { class: "muted small" }, "Enter to save, Esc to cancel")));
}

// listRows describes a sequence of messages as keyed rows — day dividers,
// the "new messages" line and the messages, grouped by author — each with a
// signature of what it shows, so that patchList can update a list in place.
export function listRows(app, items, { inThread, editingId, onEdit, onCancelEdit, newLineAfter, ctx } = {}) {
  const rows = [];
  let prev = null;
  let lineDone = newLineAfter === undefined || newLineAfter === null;
  for (const m of items) {
    const day = new Date(m.created_at).toDateString();
    if (!prev || new Date(prev.created_at).toDateString() !== day) {
      const label = fmtDay(m.created_at);
      rows.push({ key: "day:" + day, sig: label, build: () => h("li", { class: "day-divider", role: "separator" }, h("span", null, label)) });
      prev = null;
    }
    let newLine = false;
    if (!lineDone && !m._ephemeral && m.id > newLineAfter && m.user_id !== app.store.me.id) {
      rows.push({ key: "new-line", sig: "", build: () => h("li", { class: "new-line", role: "separator" }, h("span", null, "New messages")) });
      lineDone = true;
      newLine = true;
    }
    const grouped = !!prev && !newLine && prev.user_id === m.user_id && !prev._ephemeral && !m._ephemeral &&
      (prev.username || "") === (m.username || "") && m.created_at - prev.created_at < 5 * 60 * 1000 && !prev.deleted;
    const editing = editingId === m.id;
    rows.push({
      key: (m._ephemeral ? "e:" : "m:") + m.id,
      sig: (grouped ? "g" : "-") + (editing ? "e" : "-") + JSON.stringify(m),
      build: () => renderMessage(app, m, { grouped, inThread, editing, onEdit, onCancelEdit, ctx }),
    });
    prev = m;
  }
  return rows;
}

// Build list items for a sequence of messages with day separators and grouping.
export function renderList(app, items, opts) {
  return listRows(app, items, opts).map((r) => r.build());
}

// patchList makes list show rows, keeping every node whose row is unchanged
// (same key and signature) and building only the others, so an edit
// replaces one node, a new message adds one and history is prepended
// without touching what is already shown. It returns the nodes it built.
const rowOf = new WeakMap(); // node -> {key, sig}
export function patchList(list, rows) {
  const want = new Map();
  for (const r of rows) {
    let key = r.key;
    for (let n = 1; want.has(key); n++) key = r.key + "~" + n;
    r.key = key;
    want.set(key, r);
  }
  const keep = new Map();
  for (const node of [...list.children]) {
    const was = rowOf.get(node);
    const r = was && want.get(was.key);
    if (r && r.sig === was.sig && !keep.has(r.key)) keep.set(r.key, node);
    else node.remove();
  }
  const built = [];
  let cur = list.firstChild;
  for (const r of rows) {
    let node = keep.get(r.key);
    if (!node) {
      node = r.build();
      rowOf.set(node, { key: r.key, sig: r.sig });
      built.push(node);
    }
    if (node === cur) cur = cur.nextSibling;
    else list.insertBefore(node, cur);
  }
  return built;
}

// ---- the channel screen ----
export function mountChannel(container, app, channelId) {
  const store = app.store;
  const cleanup = [];
  let editingId = null;
  let channel = store.channels.get(channelId);
  const newLineAfter = channel ? channel.last_read_id : null;
  let showNewLine = channel && channel.unread_count > 0;
  let highlightId = null;
  let composer = null;
  const ctx = rendererCtx(app); // the renderer's lookups, built once per mount

  const title = h("h1", { class: "channel-title" });
  const topic = h("div", { class: "channel-topic muted" });
  const muteBtn = h("button", { type: "button", class: "button small", "aria-pressed": "false" });
  const membersInfo = h("span", { class: "muted small" });
  const leaveBtn = h("button", { type: "button", class: "button small" }, "Leave");
  const header = h("header", { class: "channel-header" },
    h("div", { class: "channel-header-text" }, title, topic),
    h("div", { class: "channel-header-actions" }, membersInfo, muteBtn, leaveBtn));
  const list = h("ol", { id: "messages", class: "message-list", "aria-label": "Messages" });
  const loader = h("div", { class: "history-status muted" });
  const scroller = h("div", { class: "message-scroller", tabindex: "0", "aria-label": "Message history" }, loader, list);
  const jump = h("button", { type: "button", class: "jump-latest", hidden: true }, "Jump to latest ↓");
  const typingEl = h("div", { class: "typing-indicator muted", "aria-live": "polite" });
  const seenEl = h("div", { class: "seen muted small" });
  const composerWrap = h("div", { class: "composer-wrap" });
  const root = h("section", { class: "channel-view", "aria-label": "Channel" }, header, h("div", { class: "scroll-area" }, scroller, jump), seenEl, typingEl, composerWrap);
  replace(container, root);

  function updateHeader() {
    channel = store.channels.get(channelId) || channel;
    if (!channel) return;
    if (composer) {
      composer.el.hidden = !!channel.archived;
      if (channel.archived && !archivedNote.isConnected) composerWrap.appendChild(archivedNote);
      if (!channel.archived && archivedNote.isConnected) archivedNote.remove();
    }
    const isDM = channel.kind === "dm" || channel.kind === "group_dm";
    const prefix = isDM ? "" : channel.private ? "🔒 " : "# ";
    title.textContent = prefix + store.channelTitle(channel) + (channel.archived ? " (archived)" : "");
    topic.textContent = channel.topic || channel.purpose || "";
    membersInfo.textContent = isDM ? "" : `${channel.member_count} member${channel.member_count === 1 ? "" : "s"}`;
    const muted = isMuted(channelId);
    muteBtn.textContent = muted ? "Unmute" : "Mute";
    muteBtn.setAttribute("aria-pressed", muted ? "true" : "false");
    leaveBtn.hidden = isDM;
    document.title = title.textContent + " · Parley";
    app.updateTitle && app.updateTitle();
  }
  muteBtn.addEventListener("click", () => { setMuted(channelId, !isMuted(channelId)); updateHeader(); store.emit("channels"); });
  leaveBtn.addEventListener("click", async () => {
    if (!confirm("Leave this channel?")) return;
    try {
      await app.api("POST", `/channels/${channelId}/leave`);
      store.channels.delete(channelId);
      store.emit("channels");
      app.navigate(null);
    } catch (e) { app.toast(e.message); }
  });

  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;

  function items() {
    const st = store.chan(channelId);
    const eph = (store.ephemeral.get(channelId) || []).filter((e) => !e.thread_id);
    if (!eph.length) return st.items;
    return [...st.items, ...eph].sort((a, b) => (a.created_at - b.created_at) || ((a._ephemeral ? 1 : 0) - (b._ephemeral ? 1 : 0)));
  }

  // The first message at least partly in view: what stays put when older
  // history is prepended.
  function firstVisible() {
    const top = scroller.getBoundingClientRect().top;
    for (const el of list.querySelectorAll(":scope > [data-message-id]")) {
      if (el.getBoundingClientRect().bottom > top) return el;
    }
    return null;
  }
  const messageNode = (id) => list.querySelector(`:scope > [data-message-id="${id}"]`);

  // render patches the list to the store's messages; info.full rebuilds
  // every node (names or the body renderer changed), info.older keeps the
  // view on the same message while history is prepended.
  function render(info = {}) {
    const wasBottom = atBottom();
    const anchorId = info.older ? firstVisible()?.dataset.messageId : null;
    const anchorTop = anchorId ? messageNode(anchorId).getBoundingClientRect().top : 0;
    const st = store.chan(channelId);
    const focused = document.activeElement;
    const focusedId = focused?.closest?.("#messages [data-message-id]")?.dataset.messageId;
    const focusedClass = focused?.classList?.[0];
    if (info.full) list.replaceChildren();
    const rows = listRows(app, items(), {
      editingId,
      onEdit: (m) => { editingId = m.id; render(); },
      onCancelEdit: () => { editingId = null; render(); composer.focus(); },
      newLineAfter: showNewLine ? newLineAfter : null,
      ctx,
    });
    if (st.loaded && !st.items.length) {
      rows.unshift({ key: "empty", sig: "", build: () => h("li", { class: "empty muted" }, "No messages yet. Say hello!") });
    }
    patchList(list, rows);
    loader.textContent = st.loading ? "Loading…" : (!st.hasMore && st.loaded ? "This is the very beginning of the conversation." : "");
    for (const el of list.querySelectorAll(".highlight")) {
      if (el.dataset.messageId !== String(highlightId)) el.classList.remove("highlight");
    }
    if (highlightId) list.querySelector(`[data-message-id="${highlightId}"]`)?.classList.add("highlight");
    if (focusedId && focusedClass && !focused.isConnected) {
      list.querySelector(`[data-message-id="${focusedId}"] .${focusedClass}`)?.focus({ preventScroll: true });
    }
    // The anchor's node may be new (it heads a group no more): found by id.
    const anchor = anchorId && messageNode(anchorId);
    if (anchor) scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    else if (info.initial || info.older || wasBottom) scroller.scrollTop = scroller.scrollHeight;
    renderSeen();
    updateJump();
    markRead();
  }

  function updateJump() {
    jump.hidden = atBottom();
  }
  jump.addEventListener("click", () => { scroller.scrollTop = scroller.scrollHeight; highlightId = null; updateJump(); markRead(); composer.focus(); });

  let readTimer = null;
  function markRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(async () => {
      if (document.hidden || !atBottom()) return;
      const c = store.channels.get(channelId);
      const st = store.chan(channelId);
      if (!c || !st.items.length) return;
      const latest = st.items[st.items.length - 1].id;
      if (latest <= (c.last_read_id || 0) && !c.unread_count) return;
      c.last_read_id = Math.max(c.last_read_id || 0, latest);
      c.unread_count = 0;
      c.mention_count = 0;
      store.emit("channels");
      try { await app.api("POST", `/channels/${channelId}/read`, { message_id: latest }); } catch { /* ignore */ }
    }, 300);
  }
  const onVis = () => { if (!document.hidden) markRead(); };
  document.addEventListener("visibilitychange", onVis);
  cleanup.push(() => document.removeEventListener("visibilitychange", onVis));

  function renderSeen() {
    clear(seenEl);
    const c = store.channels.get(channelId);
    if (!c || (c.kind !== "dm" && c.kind !== "group_dm")) return;
    const st = store.chan(channelId);
    const mine = [...st.items].reverse().find((m) => m.user_id === store.me.id);
    if (!mine) return;
    const last = st.items[st.items.length - 1];
    if (last !== mine) return;
    const rec = store.receipts.get(channelId);
    if (!rec) return;
    const seers = [...rec].filter(([u, id]) => u !== store.me.id && id >= mine.id).map(([u]) => store.userName(u));
    if (!seers.length) return;
    seenEl.textContent = c.kind === "dm" ? "Seen" : "Seen by " + seers.join(", ");
  }

  function loadReceipts() {
    if (channel && (channel.kind === "dm" || channel.kind === "group_dm")) store.loadReceipts(channelId).catch(() => {});
  }

  function renderTyping() {
    const us = store.typingUsers(channelId);
    if (!us.length) { typingEl.textContent = ""; return; }
    const names = us.map((u) => store.userName(u));
    typingEl.textContent = names.length === 1 ? `${names[0]} is typing…`
      : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
  }

  async function loadOlder() {
    const st = store.chan(channelId);
    if (st.loading || !st.hasMore) return;
    loader.textContent = "Loading…";
    try { await store.loadOlder(channelId); } catch (e) { loader.textContent = "Could not load history: " + e.message; }
  }

  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < 200) loadOlder();
    updateJump();
    if (atBottom()) markRead();
  }, { passive: true });

  cleanup.push(store.on("messages:" + channelId, (info) => {
    if (info?.reset) {
      store.loadOlder(channelId).then(() => render({ initial: true }));
      loadReceipts(); // read.updated events missed while offline
      return;
    }
    render(info || {});
  }));
  cleanup.push(store.on("ephemeral:" + channelId, () => { render(); scroller.scrollTop = scroller.scrollHeight; }));
  cleanup.push(store.on("typing:" + channelId, renderTyping));
  cleanup.push(store.on("receipts:" + channelId, renderSeen));
  // Names show in many messages: after a burst of user updates, rebuild once.
  let usersTimer = null;
  cleanup.push(store.on("users", () => {
    updateHeader();
    clearTimeout(usersTimer);
    usersTimer = setTimeout(() => render({ full: true }), 30);
  }));
  cleanup.push(() => clearTimeout(usersTimer));
  let wasMember = store.channels.has(channelId);
  cleanup.push(store.on("channels", () => {
    if (wasMember && !store.channels.has(channelId)) {
      wasMember = false;
      app.toast("You are no longer in " + (channel ? store.channelTitle(channel) : "this channel") + ".");
      app.navigate(null);
      return;
    }
    if (store.channels.has(channelId)) wasMember = true;
    updateHeader();
  }));
  onRenderer(() => render({ full: true }));

  const archivedNote = h("p", { class: "join-bar muted" }, "This channel is archived. You can read it, but not post.");
  composer = mountComposer(composerWrap, app, {
    channelId,
    id: "composer",
    placeholder: () => "Message " + (channel ? ((channel.kind === "dm" || channel.kind === "group_dm") ? store.channelTitle(channel) : "#" + channel.name) : ""),
    onEditLast: () => {
      const st = store.chan(channelId);
      const mine = [...st.items].reverse().find((m) => m.user_id === store.me.id && !m.deleted);
      if (mine) { editingId = mine.id; render(); return true; }
      return false;
    },
    onSent: () => { scroller.scrollTop = scroller.scrollHeight; },
    dropTarget: root,
  });
  cleanup.push(() => composer.destroy());
  updateHeader();

  async function start() {
    updateHeader();
    if (!channel) {
      try {
        channel = await app.api("GET", `/channels/${channelId}`);
        if (!store.channels.has(channelId) && channel.is_member) store.channels.set(channelId, channel);
        updateHeader();
        if (!channel.is_member && !channel.private) {
          const join = h("button", { type: "button", class: "button primary" }, "Join #" + channel.name);
          join.addEventListener("click", async () => {
            try { const c = await app.api("POST", `/channels/${channelId}/join`); store.channels.set(c.id, { ...c, is_member: true }); store.emit("channels"); replace(composerWrap.querySelector(".join-bar") || composerWrap, ""); app.navigate(channelId); app.refresh(); } catch (e) { app.toast(e.message); }
          });
          composerWrap.prepend(h("div", { class: "join-bar" }, "You are previewing this channel. ", join));
        }
      } catch (e) {
        replace(root, h("div", { class: "empty-state" }, h("h1", null, "Channel not found"), h("p", null, "It may be private, or it does not exist."), h("a", { href: "#/" }, "Back to your channels")));
        return;
      }
    }
    loadReceipts();
    const st = store.chan(channelId);
    if (!st.loaded) { render({ initial: true }); await loadOlder(); }
    render({ initial: true });
    // fill the screen when the first page is short
    for (let i = 0; i < 5 && st.hasMore && scroller.scrollHeight <= scroller.clientHeight; i++) await loadOlder();
    renderTyping();
  }
  const started = start();

  return {
    composer,
    async highlight(messageId) {
      await started;
      if (!messageId) { highlightId = null; render(); return; }
      let el = list.querySelector(`[data-message-id="${messageId}"]`);
      if (!el) {
        let msg = null;
        try { msg = await app.api("GET", `/messages/${messageId}`); } catch { app.toast("That message is not available."); return; }
        if (msg.thread_id) { app.openThread(msg.thread_id, msg.id); messageId = msg.thread_id; }
        const st = store.chan(channelId);
        for (let i = 0; i < 40 && st.hasMore && !st.items.some((m) => m.id === messageId); i++) {
          await store.loadOlder(channelId, 100);
        }
        el = list.querySelector(`[data-message-id="${messageId}"]`);
      }
      highlightId = messageId;
      if (el) {
        list.querySelectorAll(".highlight").forEach((x) => x.classList.remove("highlight"));
        el.classList.add("highlight");
        el.scrollIntoView({ block: "center" });
        updateJump();
      }
    },
    destroy() { clearTimeout(readTimer); cleanup.forEach((f) => f()); closeEmojiPicker(); },
  };
}
