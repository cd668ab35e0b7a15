// Ctrl+K quick switcher: channels, conversations and people.

import { h, replace } from "../dom.js";
import { openDM } from "./sidebar.js";

let open = null;

export function openSwitcher(app) {
  if (open) { open.querySelector("input").focus(); return; }
  const store = app.store;
  const input = h("input", { type: "text", id: "switcher-input", role: "combobox", "aria-expanded": "true", "aria-controls": "switcher-list", "aria-label": "Jump to a channel or person", placeholder: "Jump to…", autocomplete: "off" });
  const list = h("ul", { id: "switcher-list", role: "listbox", class: "switcher-list" });
  const d = h("dialog", { class: "dialog switcher", "aria-label": "Quick switcher" }, input, list, h("p", { class: "muted small" }, "↑↓ to choose, Enter to open, Esc to close"));
  document.body.appendChild(d);
  open = d;
  d.addEventListener("close", () => { d.remove(); open = null; });
  let items = [];
  let idx = 0;

  function candidates(q) {
    const out = [];
    for (const c of store.channels.values()) {
      const title = store.channelTitle(c);
      const isDM = c.kind === "dm" || c.kind === "group_dm";
      out.push({ label: (isDM ? "" : c.private ? "🔒 " : "# ") + title, key: title.toLowerCase(), score: (c.unread_count ? 2 : 0) + (isDM ? 0 : 1), go: () => app.navigate(c.id) });
    }
    const dmUsers = new Set([...store.channels.values()].filter((c) => c.kind === "dm").flatMap((c) => c.user_ids || []));
    for (const u of store.users.values()) {
      if (u.deactivated || (dmUsers.has(u.id) && u.id !== store.me.id)) continue;
      out.push({ label: "@" + u.username + (u.display_name ? " — " + u.display_name : ""), key: (u.username + " " + (u.display_name || "")).toLowerCase(), score: 0, go: () => openDM(app, u.id) });
    }
    q = q.toLowerCase().replace(/^[#@]/, "");
    return out.filter((x) => !q || x.key.includes(q))
      .sort((a, b) => (q ? (b.key.startsWith(q) - a.key.startsWith(q)) : 0) || (b.score - a.score) || a.key.localeCompare(b.key))
      .slice(0, 12);
  }
  function render() {
    items = candidates(input.value.trim());
    idx = Math.min(idx, Math.max(0, items.length - 1));
    replace(list, items.length ? items.map((it, i) => {
      const li = h("li", { id: "sw-" + i, role: "option", class: i === idx ? "active" : "", "aria-selected": i === idx ? "true" : "false" }, it.label);
      li.addEventListener("click", () => { idx = i; choose(); });
      return li;
    }) : h("li", { class: "muted" }, "No matches"));
    if (items.length) input.setAttribute("aria-activedescendant", "sw-" + idx); else input.removeAttribute("aria-activedescendant");
  }
  function choose() {
    const it = items[idx];
    d.close();
    if (it) it.go();
  }
  input.addEventListener("input", () => { idx = 0; render(); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") { e.preventDefault(); idx = (idx + 1) % Math.max(1, items.length); render(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); idx = (idx - 1 + items.length) % Math.max(1, items.length); render(); }
    else if (e.key === "Enter") { e.preventDefault(); choose(); }
  });
  render();
  d.showModal();
  input.focus();
}
