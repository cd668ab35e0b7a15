// The message composer: Enter sends, Shift+Enter newline, @mention, /command
// and :emoji: autocomplete, file uploads with progress, Up to edit the last
// message, slash commands through the commands endpoint.

import { h, clear, replace, fmtSize } from "../dom.js";
import { searchEmoji, replaceShortcodes } from "../emoji.js";
import { uploadFile } from "../api.js";
import { sendThreadTyping } from "../typing.js";

const drafts = new Map();
const commandCache = new Map(); // channelId -> Promise<items>

function loadCommands(app, channelId) {
  if (!commandCache.has(channelId)) {
    commandCache.set(channelId, app.api("GET", `/commands?channel_id=${channelId}`).then((r) => r.items || []).catch(() => { commandCache.delete(channelId); return []; }));
  }
  return commandCache.get(channelId);
}

let uid = 0;

export function mountComposer(container, app, opts) {
  const { channelId, threadId } = opts;
  const store = app.store;
  const id = opts.id || "composer";
  const draftKey = channelId + ":" + (threadId || "");
  const n = ++uid;

  const ta = h("textarea", { id, class: "composer-input", rows: "1", "aria-label": threadId ? "Reply in thread" : "Message",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `ac-${n}` , autocomplete: "off" });
  ta.value = drafts.get(draftKey) || "";
  const fileInput = h("input", { type: "file", id: threadId ? "thread-file-input" : "file-input", class: "visually-hidden", multiple: true, tabindex: "-1", "aria-label": "Attach files" });
  const attachBtn = h("button", { type: "button", class: "icon-button attach-button", "aria-label": "Attach files", title: "Attach files" }, "📎");
  const sendBtn = h("button", { type: "button", class: "button primary send-button", "aria-label": "Send" }, "Send");
  const pending = h("ul", { class: "pending-files", "aria-label": "Attachments" });
  const ac = h("ul", { class: "autocomplete", id: `ac-${n}`, role: "listbox", hidden: true });
  const hint = h("div", { class: "composer-hint muted small", "aria-live": "polite" });
  const form = h("form", { class: "composer" + (threadId ? " thread" : "") },
    ac, pending,
    h("div", { class: "composer-row" }, attachBtn, fileInput, ta, sendBtn),
    hint);
  container.appendChild(form);

  const uploads = []; // {file, promise, progress, result, error, li}
  let acItems = [];
  let acIndex = 0;
  let acRange = null;
  let sending = false;

  function autosize() {
    ta.style.height = "auto";
    ta.style.height = Math.min(ta.scrollHeight, 240) + "px";
  }
  function setPlaceholder() {
    ta.setAttribute("placeholder", typeof opts.placeholder === "function" ? opts.placeholder() : (opts.placeholder || (threadId ? "Reply…" : "Message")));
  }
  setPlaceholder();
  const unsub = store.on("channels", setPlaceholder);
  setTimeout(autosize, 0);

  // ---- uploads ----
  function addFiles(files) {
    for (const file of files) {
      if (uploads.length >= 10) { app.toast("At most 10 files per message."); break; }
      const bar = h("progress", { max: "1", value: "0", "aria-label": "Upload progress of " + file.name });
      const thumb = h("span", { class: "pending-thumb", "aria-hidden": "true" }, (file.type || "").startsWith("image/") ? "🖼" : "📄");
      const status = h("span", { class: "muted small" }, fmtSize(file.size));
      const remove = h("button", { type: "button", class: "icon-button", "aria-label": "Remove " + file.name }, "✕");
      const li = h("li", { class: "pending-file" }, thumb, h("span", { class: "file-name" }, file.name || "pasted file"), status, bar, remove);
      pending.appendChild(li);
      const up = { file, li, done: false };
      up.promise = uploadFile(file, (p) => { bar.value = p; });
      up.promise.then((res) => {
        up.result = res; up.done = true; bar.remove();
        status.textContent = fmtSize(res.size || file.size) + " · uploaded";
        if ((res.content_type || "").startsWith("image/")) {
          replace(thumb, h("img", { src: `/api/v1/files/${res.id}`, alt: "" }));
        }
        updateSend();
      }, (err) => {
        up.error = err; up.done = true; bar.remove();
        status.textContent = err.code === "aborted" ? "cancelled" : "failed: " + err.message;
        li.classList.add("error");
        updateSend();
      });
      remove.addEventListener("click", () => {
        if (!up.done) up.promise.abort();
        uploads.splice(uploads.indexOf(up), 1);
        li.remove();
        updateSend();
        ta.focus();
      });
      uploads.push(up);
    }
    updateSend();
  }
  attachBtn.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => { addFiles([...fileInput.files]); fileInput.value = ""; ta.focus(); });
  ta.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData?.files || [])];
    if (files.length) { e.preventDefault(); addFiles(files); }
  });
  const dropTarget = opts.dropTarget || form;
  const onDragOver = (e) => { if ([...(e.dataTransfer?.types || [])].includes("Files")) { e.preventDefault(); dropTarget.classList.add("dragging"); } };
  const onDragLeave = (e) => { if (!dropTarget.contains(e.relatedTarget)) dropTarget.classList.remove("dragging"); };
  const onDrop = (e) => {
    if (!e.dataTransfer?.files?.length) return;
    e.preventDefault();
    dropTarget.classList.remove("dragging");
    addFiles([...e.dataTransfer.files]);
    ta.focus();
  };
  dropTarget.addEventListener("dragover", onDragOver);
  dropTarget.addEventListener("dragleave", onDragLeave);
  dropTarget.addEventListener("drop", onDrop);

  function updateSend() {
    const busy = uploads.some((u) => !u.done);
    sendBtn.disabled = sending || busy || (!ta.value.trim() && !uploads.some((u) => u.result));
    hint.textContent = busy ? "Uploading…" : "";
  }

  // ---- autocomplete ----
  function closeAc() {
    ac.hidden = true;
    acItems = [];
    acRange = null;
    ta.setAttribute("aria-expanded", "false");
    ta.removeAttribute("aria-activedescendant");
  }
  function showAc(items, range) {
    if (!items.length) { closeAc(); return; }
    acItems = items.slice(0, 8);
    acRange = range;
    acIndex = Math.min(acIndex, acItems.length - 1);
    replace(ac, acItems.map((it, i) => {
      const li = h("li", { id: `ac-${n}-${i}`, role: "option", class: i === acIndex ? "active" : "", "aria-selected": i === acIndex ? "true" : "false" },
        h("span", { class: "ac-label" }, it.label), it.detail ? h("span", { class: "ac-detail muted" }, it.detail) : null);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); acIndex = i; pickAc(); });
      return li;
    }));
    ac.hidden = false;
    ta.setAttribute("aria-expanded", "true");
    ta.setAttribute("aria-activedescendant", `ac-${n}-${acIndex}`);
  }
  function pickAc() {
    const it = acItems[acIndex];
    if (!it || !acRange) return;
    const v = ta.value;
    ta.value = v.slice(0, acRange[0]) + it.insert + v.slice(acRange[1]);
    const pos = acRange[0] + it.insert.length;
    ta.setSelectionRange(pos, pos);
    closeAc();
    if (it.hint) hint.textContent = it.hint;
    autosize();
    updateSend();
  }
  async function updateAc() {
    const pos = ta.selectionStart;
    const before = ta.value.slice(0, pos);
    // /command at the very start
    let m = /^\/([a-z0-9_-]*)$/i.exec(before);
    if (m && !before.startsWith("//")) {
      const q = m[1].toLowerCase();
      const cmds = await loadCommands(app, channelId);
      if (ta.value.slice(0, ta.selectionStart) !== before) return;
      showAc(cmds.filter((c) => c.trigger.startsWith(q)).map((c) => ({
        label: "/" + c.trigger + (c.usage_hint ? " " + c.usage_hint : ""),
        detail: c.description + (c.built_in ? "" : c.owner ? " · " + c.owner : ""),
        insert: "/" + c.trigger + " ",
        hint: c.usage_hint ? `/${c.trigger} ${c.usage_hint}` : "",
      })), [0, pos]);
      return;
    }
    m = /(^|[\s(])@([a-z0-9._-]*)$/i.exec(before);
    if (m) {
      const q = m[2].toLowerCase();
      const users = [...store.users.values()].filter((u) => !u.deactivated &&
        (u.username.startsWith(q) || (u.display_name || "").toLowerCase().split(/\s+/).some((w) => w.startsWith(q))));
      users.sort((a, b) => a.username.localeCompare(b.username));
      const items = users.map((u) => ({ label: "@" + u.username, detail: (u.display_name || "") + (u.kind === "bot" ? " · bot" : ""), insert: "@" + u.username + " " }));
      for (const special of ["here", "channel", "everyone"]) {
        if (special.startsWith(q) && q.length > 0) items.push({ label: "@" + special, detail: special === "here" ? "Notify everyone online" : "Notify everyone in this channel", insert: "@" + special + " " });
      }
      showAc(items, [pos - m[2].length - 1, pos]);
      return;
    }
    m = /(^|\s):([a-z0-9_+-]{2,})$/i.exec(before);
    if (m) {
      showAc(searchEmoji(m[2]).map(([code, ch]) => ({ label: ch + "  :" + code + ":", insert: ch + " " })), [pos - m[2].length - 1, pos]);
      return;
    }
    closeAc();
  }

  // ---- sending ----
  async function send() {
    if (sending) return;
    const raw = ta.value;
    const text = raw.trim();
    const ready = uploads.filter((u) => u.result);
    if (uploads.some((u) => !u.done)) { app.toast("Wait for the uploads to finish."); return; }
    if (!text && !ready.length) return;
    sending = true;
    updateSend();
    try {
      if (text.startsWith("/") && !ready.length) {
        const body = { text };
        if (threadId) body.thread_id = threadId;
        const res = await app.api("POST", `/channels/${channelId}/commands`, body);
        for (const e of res.ephemeral || []) store.addEphemeral(channelId, e);
        if (!res.ok && !(res.ephemeral || []).length) app.toast(`${res.command || "Command"} failed: ${res.error || "unknown error"}`);
        for (const m of res.messages || []) store.onMessage(m, true, null);
      } else {
        const body = { text: text.includes("`") ? text : replaceShortcodes(text) };
        if (text.startsWith("//")) body.text = text.slice(1);
        if (threadId) body.thread_id = threadId;
        if (ready.length) body.file_ids = ready.map((u) => u.result.id);
        const m = await app.api("POST", `/channels/${channelId}/messages`, body);
        // show it at once; the WebSocket event will merge into it
        if (m && m.id) {
          if (m.thread_id) {
            const t = store.threads.get(m.thread_id);
            if (t && store.insertMessage(t.items, m)) store.emit("thread:" + m.thread_id, { message: m });
          } else {
            const st = store.messages.get(channelId);
            if (st && st.loaded && store.insertMessage(st.items, m)) store.emit("messages:" + channelId, { message: m, created: true });
          }
        }
      }
      ta.value = "";
      drafts.delete(draftKey);
      uploads.splice(0).forEach((u) => u.li.remove());
      hint.textContent = "";
      autosize();
      opts.onSent && opts.onSent();
    } catch (e) {
      app.toast(e.message || "Could not send.");
    } finally {
      sending = false;
      updateSend();
      ta.focus();
    }
  }

  ta.addEventListener("keydown", (e) => {
    if (!ac.hidden && acItems.length) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        acIndex = (acIndex + (e.key === "ArrowDown" ? 1 : acItems.length - 1)) % acItems.length;
        showAc(acItems, acRange);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pickAc(); updateAc(); return; }
      if (e.key === "Escape") { e.preventDefault(); closeAc(); return; }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); return; }
    if (e.key === "ArrowUp" && !ta.value && opts.onEditLast) {
      if (opts.onEditLast()) e.preventDefault();
    }
    if (e.key === "Escape" && opts.onEscape) opts.onEscape();
  });
  ta.addEventListener("input", () => {
    drafts.set(draftKey, ta.value);
    autosize();
    updateSend();
    acIndex = 0;
    updateAc();
    if (ta.value.trim() && !ta.value.startsWith("/") && app.rt) {
      if (threadId) sendThreadTyping(app.rt, channelId, threadId);
      else app.rt.typing(channelId);
    }
  });
  ta.addEventListener("click", updateAc);
  ta.addEventListener("blur", () => setTimeout(closeAc, 150));
  form.addEventListener("submit", (e) => { e.preventDefault(); send(); });
  sendBtn.addEventListener("click", send);
  updateSend();

  return {
    el: form,
    focus() { ta.focus(); },
    destroy() {
      unsub();
      dropTarget.removeEventListener("dragover", onDragOver);
      dropTarget.removeEventListener("dragleave", onDragLeave);
      dropTarget.removeEventListener("drop", onDrop);
      form.remove();
    },
  };
}
