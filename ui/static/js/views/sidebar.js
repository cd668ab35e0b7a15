// The sidebar: channels, private channels, DMs and group DMs with unread and
// mention counts; channel browser; create channel; start a DM.

import { h, replace } from "../dom.js";
import { isMuted } from "./notify.js";
import { listAll } from "../api.js";

function presenceClass(status) {
  return "presence " + (status || "offline");
}

export function mountSidebar(el, app) {
  const store = app.store;
  const newChannel = h("button", { type: "button", id: "new-channel", class: "icon-button", "aria-label": "Create a channel", title: "Create a channel" }, "+");
  const browse = h("button", { type: "button", id: "browse-channels", class: "icon-button", "aria-label": "Browse channels", title: "Browse channels" }, "☰");
  const newDM = h("button", { type: "button", id: "new-dm", class: "icon-button", "aria-label": "New direct message", title: "New direct message" }, "+");
  const chList = h("ul", { class: "channel-list", "aria-label": "Channels" });
  const dmList = h("ul", { class: "channel-list", "aria-label": "Direct messages" });
  replace(el,
    h("div", { class: "sidebar-section" },
      h("div", { class: "sidebar-heading" }, h("h2", null, "Channels"), h("span", { class: "sidebar-tools" }, browse, newChannel)),
      chList),
    h("div", { class: "sidebar-section" },
      h("div", { class: "sidebar-heading" }, h("h2", null, "Direct messages"), h("span", { class: "sidebar-tools" }, newDM)),
      dmList),
    h("p", { class: "sidebar-tip muted small" }, "Ctrl+K to jump anywhere"));

  function item(c) {
    const isDM = c.kind === "dm" || c.kind === "group_dm";
    const unread = (c.unread_count || 0) > 0;
    const muted = isMuted(c.id);
    const active = store.currentChannelId === c.id;
    let icon;
    if (c.kind === "dm") {
      const other = (c.user_ids || []).find((u) => u !== store.me.id) ?? store.me.id;
      const st = store.presence.get(other) || store.users.get(other)?.presence;
      icon = h("span", { class: presenceClass(st), role: "img", "aria-label": st || "offline" });
    } else if (c.kind === "group_dm") {
      icon = h("span", { class: "channel-icon", "aria-hidden": "true" }, String(Math.max(0, (c.user_ids || []).length - 1)));
    } else {
      icon = h("span", { class: "channel-icon", "aria-hidden": "true" }, c.private ? "🔒" : "#");
    }
    const label = store.channelTitle(c);
    const badge = (c.mention_count || 0) > 0 || (isDM && unread) ? h("span", { class: "badge mention-badge", "aria-label": `${isDM ? c.unread_count : c.mention_count} unread` }, String(isDM ? c.unread_count : c.mention_count)) : null;
    return h("li", null, h("a", {
      href: `#/c/${c.id}`, "data-channel-id": c.id,
      class: ["channel-link", unread && !muted && "unread", muted && "muted-channel", active && "active", c.archived && "archived"],
      "aria-current": active ? "page" : undefined,
      title: c.topic || label,
    }, icon, h("span", { class: "channel-name" }, label), badge));
  }

  function render() {
    const chans = [...store.channels.values()];
    const channels = chans.filter((c) => c.kind === "public" || c.kind === "private").sort((a, b) => a.name.localeCompare(b.name));
    const dms = chans.filter((c) => c.kind === "dm" || c.kind === "group_dm")
      .sort((a, b) => store.channelTitle(a).localeCompare(store.channelTitle(b)));
    replace(chList, channels.length ? channels.map(item) : h("li", { class: "muted small empty" }, "No channels yet"));
    replace(dmList, dms.length ? dms.map(item) : h("li", { class: "muted small empty" }, "No conversations yet"));
  }

  const offs = [store.on("channels", render), store.on("users", render), store.on("presence", render), store.on("route", render)];
  render();

  newChannel.addEventListener("click", () => createChannelDialog(app));
  browse.addEventListener("click", () => browseDialog(app));
  newDM.addEventListener("click", () => dmDialog(app));

  return { destroy() { offs.forEach((f) => f()); } };
}

export function dialog(title, ...content) {
  const close = h("button", { type: "button", class: "icon-button dialog-close", "aria-label": "Close" }, "✕");
  const d = h("dialog", { class: "dialog", "aria-label": title },
    h("div", { class: "dialog-header" }, h("h2", null, title), close), ...content);
  close.addEventListener("click", () => d.close());
  d.addEventListener("close", () => d.remove());
  document.body.appendChild(d);
  d.showModal();
  return d;
}

function createChannelDialog(app) {
  const name = h("input", { id: "new-channel-name", name: "name", required: true, pattern: "[a-z0-9_-]{1,80}", maxlength: "80", autocomplete: "off", placeholder: "e.g. plan-budget" });
  const topic = h("input", { id: "new-channel-topic", name: "topic", maxlength: "250", autocomplete: "off" });
  const priv = h("input", { id: "new-channel-private", type: "checkbox", name: "private" });
  const err = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "stack", id: "new-channel-form" },
    h("label", { for: "new-channel-name" }, "Name"), name,
    h("p", { class: "muted small" }, "Lowercase letters, digits, - and _."),
    h("label", { for: "new-channel-topic" }, "Topic (optional)"), topic,
    h("label", { class: "check" }, priv, " Private — only invited people can see it"),
    err,
    h("div", { class: "dialog-actions" }, h("button", { type: "submit", class: "button primary" }, "Create")));
  name.addEventListener("input", () => { name.value = name.value.toLowerCase().replace(/\s+/g, "-"); });
  const d = dialog("Create a channel", form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.textContent = "";
    try {
      const c = await app.api("POST", "/channels", { name: name.value.trim(), topic: topic.value.trim(), private: priv.checked });
      app.store.channels.set(c.id, { ...c, is_member: true });
      app.store.emit("channels");
      d.close();
      app.navigate(c.id);
    } catch (ex) { err.textContent = ex.message; }
  });
  name.focus();
}

async function browseDialog(app) {
  const filter = h("input", { type: "search", "aria-label": "Filter channels", placeholder: "Filter channels" });
  const list = h("ul", { class: "browse-list" }, h("li", { class: "muted" }, "Loading…"));
  const d = dialog("Browse channels", filter, list);
  let all = [];
  try {
    all = await listAll("/channels?browse=true&limit=200", 20, (p) => app.api("GET", p));
  } catch (e) { replace(list, h("li", { class: "form-error" }, e.message)); return; }
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const items = all.filter((c) => !c.archived && (!q || c.name.includes(q) || (c.topic || "").toLowerCase().includes(q)));
    replace(list, items.length ? items.map((c) => {
      const member = c.is_member || app.store.channels.has(c.id);
      const btn = h("button", { type: "button", class: "button small" + (member ? "" : " primary") }, member ? "Open" : "Join");
      btn.addEventListener("click", async () => {
        try {
          if (!member) {
            const joined = await app.api("POST", `/channels/${c.id}/join`);
            app.store.channels.set(joined.id, { ...joined, is_member: true });
            app.store.emit("channels");
          }
          d.close();
          app.navigate(c.id);
        } catch (e) { app.toast(e.message); }
      });
      return h("li", { class: "browse-item" },
        h("div", null, h("strong", null, "# " + c.name), h("div", { class: "muted small" }, `${c.member_count} member${c.member_count === 1 ? "" : "s"}` + (c.topic ? " · " + c.topic : ""))),
        btn);
    }) : h("li", { class: "muted" }, "No channels match."));
  };
  filter.addEventListener("input", render);
  render();
  filter.focus();
}

function dmDialog(app) {
  const store = app.store;
  const chosen = new Set();
  const filter = h("input", { type: "search", "aria-label": "Find people", placeholder: "Find people" });
  const list = h("ul", { class: "browse-list" });
  const go = h("button", { type: "button", class: "button primary", disabled: true }, "Open conversation");
  const d = dialog("New direct message", filter, list, h("div", { class: "dialog-actions" }, go));
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const users = [...store.users.values()].filter((u) => !u.deactivated && u.id !== store.me.id &&
      (!q || u.username.includes(q) || (u.display_name || "").toLowerCase().includes(q)))
      .sort((a, b) => a.username.localeCompare(b.username)).slice(0, 100);
    replace(list, users.length ? users.map((u) => {
      const cb = h("input", { type: "checkbox", checked: chosen.has(u.id), "aria-label": u.display_name || u.username });
      cb.addEventListener("change", () => {
        if (cb.checked) { if (chosen.size >= 7) { cb.checked = false; app.toast("At most 8 people in a conversation."); return; } chosen.add(u.id); }
        else chosen.delete(u.id);
        go.disabled = chosen.size === 0;
      });
      const st = store.presence.get(u.id) || u.presence;
      return h("li", { class: "browse-item" }, h("label", { class: "check" }, cb,
        h("span", { class: presenceClass(st), role: "img", "aria-label": st || "offline" }),
        h("strong", null, u.display_name || u.username), h("span", { class: "muted" }, " @" + u.username), u.kind === "bot" ? h("span", { class: "badge bot-badge" }, "BOT") : null));
    }) : h("li", { class: "muted" }, "Nobody matches."));
  };
  filter.addEventListener("input", render);
  go.addEventListener("click", async () => {
    try {
      const c = await app.api("POST", "/dms", { user_ids: [...chosen] });
      store.channels.set(c.id, { ...store.channels.get(c.id), ...c, is_member: true });
      store.emit("channels");
      d.close();
      app.navigate(c.id);
    } catch (e) { app.toast(e.message); }
  });
  render();
  filter.focus();
}

// Open (or create) the DM with one user.
export async function openDM(app, userId) {
  try {
    const c = await app.api("POST", "/dms", { user_ids: userId === app.store.me.id ? [] : [userId] });
    app.store.channels.set(c.id, { ...app.store.channels.get(c.id), ...c, is_member: true });
    app.store.emit("channels");
    app.navigate(c.id);
  } catch (e) { app.toast(e.message); }
}
