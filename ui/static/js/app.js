// Parley web client entry point: boot, layout, hash router.

import { api, setCsrf, setUnauthorizedHandler } from "./api.js";
import { h, replace } from "./dom.js";
import { store } from "./store.js";
import { Realtime } from "./ws.js";
import { mountAuth } from "./views/auth.js";
import { mountSidebar, openDM } from "./views/sidebar.js";
import { mountChannel } from "./views/messages.js";
import { mountThread } from "./views/thread.js";
import { openSwitcher } from "./views/switcher.js";
import { startNotifications, requestPermission } from "./views/notify.js";
import { mountHeaderTools } from "./views/header.js";
import { mountMembers, membershipEvent } from "./views/members.js";
import { applyThreadTyping, clearThreadTyping } from "./typing.js";
import { startIdle } from "./idle.js";

const root = document.getElementById("app") || document.body.appendChild(h("div", { id: "app" }));

const app = {
  api,
  store,
  rt: null,
  navigate(channelId, messageId) {
    location.hash = channelId ? `#/c/${channelId}` + (messageId ? `/m/${messageId}` : "") : "#/";
  },
  openThread(rootId, highlightId) { openThread(rootId, highlightId); },
  closeThread() { closeThread(); },
  openMembers() { openMembers(); },
  closeMembers() { closeMembers(); },
  openDM(userId) { openDM(app, userId); },
  showUser(userId) { if (userId !== store.me?.id) openDM(app, userId); },
  toast,
  refresh() { store.refreshChannels().catch(() => {}); },
};
window.parley = undefined; // nothing global

let layout = null;
let mainView = null;
let mainKey = "";
let threadView = null;
let membersView = null;
let stopNotify = null;
let stopIdle = null;

function toast(msg) {
  let box = document.getElementById("toasts");
  if (!box) { box = h("div", { id: "toasts", role: "status", "aria-live": "polite" }); document.body.appendChild(box); }
  const t = h("div", { class: "toast" }, String(msg));
  box.appendChild(t);
  setTimeout(() => t.remove(), 5000);
}

// ---------- boot ----------
async function boot() {
  setUnauthorizedHandler(() => { if (store.me) signedOut(); });
  replace(root, h("div", { class: "boot muted" }, "Loading…"));
  try {
    await store.loadAll();
  } catch (e) {
    if (e.status === 401 || e.status === 403) { showAuth(); return; }
    replace(root, h("main", { class: "boot" }, h("p", null, "Could not reach the server: " + e.message), h("button", { type: "button", class: "button", onclick: boot }, "Retry")));
    return;
  }
  startApp();
}

function showAuth() {
  teardown();
  document.title = "Parley";
  mountAuth(root, app, () => boot());
}

function signedOut() {
  setCsrf("");
  store.reset();
  showAuth();
}

function teardown() {
  if (app.rt) { app.rt.stop(); app.rt = null; }
  if (mainView) { mainView.destroy?.(); mainView = null; mainKey = ""; }
  if (threadView) { threadView.destroy(); threadView = null; }
  if (membersView) { membersView.destroy(); membersView = null; }
  if (stopIdle) { stopIdle(); stopIdle = null; }
  if (layout?.sidebarView) layout.sidebarView.destroy();
  if (stopNotify) { stopNotify(); stopNotify = null; }
  layout = null;
}

function startApp() {
  buildLayout();
  stopNotify = startNotifications(app);
  app.rt = new Realtime({
    store: realtimeSink,
    onStatus: (ok) => { document.getElementById("reconnecting").hidden = ok; },
    onResync: resync,
    onRevoked: signedOut,
  });
  app.rt.start();
  stopIdle = startIdle({ send: (frame) => !!app.rt?.send(frame), store });
  route();
  document.addEventListener("click", requestPermission, { once: true });
}

// The realtime client's view of the store: typing in a thread goes to the
// thread panels (never the channel's typing line), membership changes also
// to the member list; everything goes on to the store.
const realtimeSink = {
  get lastSeq() { return store.lastSeq; },
  set lastSeq(v) { store.lastSeq = v; },
  applyEvent(ev) {
    if (ev.type === "typing" && ev.thread_id) { applyThreadTyping(ev, store); return; }
    if (ev.type === "message.created" && ev.data?.thread_id) clearThreadTyping(ev.data.thread_id, ev.data.user_id);
    store.applyEvent(ev);
    if (ev.type === "member.joined" || ev.type === "member.left") membershipEvent(ev);
  },
};

async function resync() {
  try {
    store.lastSeq = 0;
    await store.loadAll();
    store.dropMessages();
  } catch (e) { toast("Could not reload: " + e.message); }
}

// ---------- layout ----------
function buildLayout() {
  const search = h("input", { type: "search", id: "search-input", placeholder: "Search messages", "aria-label": "Search messages", autocomplete: "off" });
  const searchForm = h("form", { class: "header-search", role: "search" }, search);
  searchForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = search.value.trim();
    if (q) location.hash = "#/search?q=" + encodeURIComponent(q);
  });
  const meName = h("span", { class: "me-name" });
  const logout = h("button", { type: "button", id: "logout", class: "button small" }, "Log out");
  logout.addEventListener("click", async () => {
    try { await api("POST", "/logout"); } catch { /* signed out anyway */ }
    signedOut();
    location.hash = "";
  });
  const menu = h("button", { type: "button", class: "icon-button menu-toggle", "aria-label": "Toggle sidebar", "aria-controls": "sidebar", "aria-expanded": "false" }, "☰");
  const header = h("header", { class: "topbar" },
    menu,
    h("a", { class: "brand", href: "#/" }, "Parley"),
    searchForm,
    h("nav", { class: "topbar-actions", "aria-label": "Account" },
      h("button", { type: "button", class: "button small", id: "open-switcher", "aria-keyshortcuts": "Control+K", onclick: () => openSwitcher(app) }, "Jump to… ", h("kbd", null, "Ctrl K")),
      meName,
      h("a", { href: "#/settings", id: "settings-link", class: "button small" }, "Settings"),
      logout));
  const banner = h("div", { id: "reconnecting", class: "banner", role: "status", hidden: true }, "Reconnecting…");
  const sidebar = h("nav", { id: "sidebar", class: "sidebar", "aria-label": "Conversations" });
  const main = h("main", { id: "main", class: "main" });
  const thread = h("aside", { id: "thread", class: "thread-panel", hidden: true, "aria-label": "Thread" });
  const members = h("aside", { id: "members", class: "members-panel", hidden: true, "aria-label": "Members" });
  const body = h("div", { class: "layout" }, sidebar, main, thread, members);
  replace(root, h("a", { href: "#main", class: "skip-link" }, "Skip to content"), header, banner, body);
  menu.addEventListener("click", () => {
    const open = body.classList.toggle("sidebar-open");
    menu.setAttribute("aria-expanded", open ? "true" : "false");
  });
  sidebar.addEventListener("click", (e) => { if (e.target.closest("a")) body.classList.remove("sidebar-open"); });
  const renderMe = () => {
    const me = store.me;
    if (!me) return;
    meName.textContent = (me.display_name || me.username) + (me.is_admin ? " (admin)" : "");
  };
  store.on("me", renderMe);
  renderMe();
  layout = { header, sidebar, main, thread, members, search, body, sidebarView: mountSidebar(sidebar, app) };
}

// ---------- router ----------
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query);
  if (parts[0] === "c" && /^\d+$/.test(parts[1] || "")) {
    return { name: "channel", channelId: Number(parts[1]), messageId: parts[2] === "m" && /^\d+$/.test(parts[3] || "") ? Number(parts[3]) : null };
  }
  if (parts[0] === "search") return { name: "search", q: params.get("q") || "" };
  if (parts[0] === "settings") return { name: "settings" };
  return { name: "home" };
}

function defaultChannel() {
  const last = Number(localStorage.getItem("parley.lastChannel") || 0);
  if (last && store.channels.has(last)) return last;
  const chans = [...store.channels.values()].filter((c) => c.kind === "public" || c.kind === "private").sort((a, b) => a.id - b.id);
  const general = chans.find((c) => c.name === "general");
  return (general || chans[0] || [...store.channels.values()][0])?.id || null;
}

async function route() {
  if (!layout) return;
  const r = parseHash();
  if (r.name === "home") {
    const cid = defaultChannel();
    if (cid) { location.replace(`#/c/${cid}`); return; }
    setMain("home", () => {
      const m = layout.main;
      const create = h("button", { type: "button", class: "button primary" }, "Create a channel");
      create.addEventListener("click", () => document.getElementById("new-channel")?.click());
      replace(m, h("div", { class: "empty-state" }, h("h1", null, "Welcome to Parley"), h("p", null, "You are not in any channel yet."), create));
      return {};
    });
    return;
  }
  if (r.name === "channel") {
    store.currentChannelId = r.channelId;
    localStorage.setItem("parley.lastChannel", String(r.channelId));
    store.emit("route");
    const key = "channel:" + r.channelId;
    if (mainKey !== key) {
      closeThread();
      closeMembers();
      setMain(key, () => mountChannelScreen(r.channelId));
      if (!r.messageId) mainView.composer?.focus();
    }
    if (r.messageId) mainView.highlight(r.messageId);
    return;
  }
  store.currentChannelId = null;
  store.emit("route");
  closeThread();
  closeMembers();
  if (r.name === "search") {
    layout.search.value = r.q;
    await mountDynamic("search:" + r.q, "./views/search.js", "mountSearch", "Search");
    return;
  }
  if (r.name === "settings") {
    await mountDynamic("settings", "./views/settings.js", "mountSettings", "Settings");
  }
}

// mountChannelScreen is the channel screen with its header tools.
function mountChannelScreen(channelId) {
  const view = mountChannel(layout.main, app, channelId);
  const tools = mountHeaderTools(layout.main, app, channelId, { onMembers: () => (membersView ? closeMembers() : openMembers()) });
  return {
    ...view,
    channelId,
    tools,
    destroy() { tools.destroy(); view.destroy?.(); },
  };
}

function setMain(key, make) {
  if (mainView) mainView.destroy?.();
  mainKey = key;
  mainView = make() || {};
}

async function mountDynamic(key, path, fn, title) {
  if (mainKey === key) return;
  setMain(key, () => { replace(layout.main, h("div", { class: "boot muted" }, "Loading…")); return {}; });
  document.title = title + " · Parley";
  const appCtx = { api, store, navigate: app.navigate, toast, openThread: app.openThread };
  try {
    const mod = await import(path);
    if (mainKey !== key) return;
    const container = h("div", { class: "screen" });
    replace(layout.main, container);
    const view = await mod[fn](container, appCtx);
    mainView = { destroy() { if (view && typeof view.destroy === "function") view.destroy(); else if (typeof view === "function") view(); } };
  } catch (e) {
    console.error(e);
    if (mainKey !== key) return;
    replace(layout.main, h("div", { class: "empty-state" }, h("h1", null, title), h("p", null, `${title} is not available right now.`), h("a", { href: "#/" }, "Back to your channels")));
  }
}

function openThread(rootId, highlightId) {
  if (!layout) return;
  if (threadView && threadView.rootId === rootId) { if (highlightId) threadView.highlight(highlightId); return; }
  closeThread();
  closeMembers();
  threadView = mountThread(layout.thread, app, rootId, highlightId);
  layout.body.classList.add("thread-open");
}

function closeThread() {
  if (threadView) { threadView.destroy(); threadView = null; }
  layout?.body.classList.remove("thread-open");
}

// The member list takes the thread's place beside the channel.
function openMembers() {
  if (!layout || !mainView?.channelId) return;
  closeThread();
  if (membersView) membersView.destroy();
  membersView = mountMembers(layout.members, app, mainView.channelId);
  layout.body.classList.add("members-open");
  mainView.tools?.setMembersOpen(true);
}

function closeMembers() {
  const wasOpen = !!membersView;
  if (membersView) { membersView.destroy(); membersView = null; }
  layout?.body.classList.remove("members-open");
  mainView?.tools?.setMembersOpen(false);
  if (wasOpen) document.getElementById("members-button")?.focus();
}

window.addEventListener("hashchange", route);
document.addEventListener("keydown", (e) => {
  if (!layout) return;
  if ((e.ctrlKey || e.metaKey) && (e.key === "k" || e.key === "K")) { e.preventDefault(); openSwitcher(app); }
  if (e.key === "Escape" && threadView && !document.querySelector("dialog[open], .emoji-picker") && layout.thread.contains(document.activeElement)) closeThread();
});

boot();
