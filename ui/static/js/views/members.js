// The member list side panel: who is in the channel, with presence and
// status, adding someone (channels, not direct messages) and leaving. Kept
// current by member.joined and member.left.

import { h, replace } from "../dom.js";
import { friendlyMessage, listAll } from "../api.js";
import { emojiChar } from "../emoji.js";

const PAGE = 100;
let active = null; // the open panel

// membershipEvent passes member.joined and member.left to the open panel.
export function membershipEvent(ev) {
  if (active && ev.data && ev.data.channel_id === active.channelId) active.changed(ev.data.user_id, ev.type === "member.joined");
}

function isConversation(c) { return c && (c.kind === "dm" || c.kind === "group_dm"); }

export function mountMembers(panel, app, channelId) {
  const store = app.store;
  const cleanup = [];
  const members = new Set(); // user ids
  let cursor = "";
  let loaded = false;

  const title = h("h2", { id: "members-title" }, "Members");
  const closeBtn = h("button", { type: "button", class: "icon-button", "aria-label": "Close member list", title: "Close (Esc)" }, "✕");
  const list = h("ul", { id: "member-list", class: "member-list", "aria-labelledby": "members-title" });
  const more = h("button", { type: "button", class: "button small", hidden: true }, "Show more");
  const status = h("p", { class: "muted small", role: "status" });
  const addInput = h("input", { type: "text", id: "member-add-input", list: "member-add-options", placeholder: "Username", "aria-label": "Add someone by username", autocomplete: "off" });
  const options = h("datalist", { id: "member-add-options" });
  const addBtn = h("button", { type: "submit", id: "member-add", class: "button small primary" }, "Add");
  const addError = h("div", { class: "form-error small", role: "alert", hidden: true });
  const addForm = h("form", { class: "member-add" }, h("label", { class: "small", for: "member-add-input" }, "Add someone"),
    h("div", { class: "member-add-row" }, addInput, addBtn), options, addError);
  const leaveBtn = h("button", { type: "button", id: "members-leave", class: "button small" }, "Leave channel");
  const body = h("div", { class: "members-scroller" }, addForm, list, more, status);
  replace(panel, h("div", { class: "panel-header" }, title, closeBtn), body, h("div", { class: "members-footer" }, leaveBtn));
  panel.hidden = false;
  panel.setAttribute("aria-labelledby", "members-title");
  closeBtn.addEventListener("click", () => app.closeMembers());

  function userLabel(u) { return u ? (u.display_name || u.username) : ""; }

  function row(uid) {
    const u = store.users.get(uid);
    const st = store.presence.get(uid) || u?.presence || "offline";
    const statusText = [u?.status_emoji ? emojiChar(u.status_emoji) : "", u?.status_text || ""].filter(Boolean).join(" ");
    const name = h("button", { type: "button", class: "link-button member-name" }, store.userName(uid));
    name.addEventListener("click", () => app.showUser(uid));
    return h("li", { class: "member", dataset: { userId: uid } },
      h("span", { class: "presence " + st, role: "img", "aria-label": st, title: st }),
      h("div", { class: "member-text" },
        h("div", null, name, u ? h("span", { class: "muted small" }, " @" + u.username) : null, uid === store.me?.id ? h("span", { class: "muted small" }, " (you)") : null),
        statusText ? h("div", { class: "member-status muted small" }, statusText) : null));
  }

  function render() {
    const c = store.channels.get(channelId);
    const canChange = !!c && !isConversation(c) && !c.archived;
    addForm.hidden = !canChange;
    leaveBtn.hidden = !c || isConversation(c);
    const ids = [...members].sort((a, b) => store.userName(a).localeCompare(store.userName(b)));
    replace(list, ids.map(row));
    const count = c?.member_count ?? members.size;
    title.textContent = `Members (${count})`;
    more.hidden = !cursor;
    if (canChange) {
      replace(options, [...store.users.values()].filter((u) => !members.has(u.id) && !u.deactivated)
        .slice(0, 200).map((u) => h("option", { value: u.username }, userLabel(u))));
    }
  }

  async function loadPage() {
    status.textContent = "Loading…";
    try {
      const q = `/channels/${channelId}/members?limit=${PAGE}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : "");
      const page = await app.api("GET", q);
      for (const u of page.items || []) { store.putUser(u, true); members.add(u.id); }
      cursor = page.next_cursor || "";
      loaded = true;
      status.textContent = "";
    } catch (e) {
      status.textContent = "Could not load the members: " + friendlyMessage(e);
    }
    render();
  }
  more.addEventListener("click", loadPage);

  // findUser resolves what was typed to a person, asking the server for the
  // directory when they are not known here yet.
  async function findUser(text) {
    const want = text.replace(/^@/, "").trim().toLowerCase();
    const match = () => [...store.users.values()].find((u) => u.username.toLowerCase() === want) ||
      [...store.users.values()].find((u) => (u.display_name || "").toLowerCase() === want);
    let u = match();
    if (!u) {
      for (const x of await listAll("/users?limit=200", 10)) store.putUser(x, true);
      u = match();
    }
    return u;
  }

  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = addInput.value.trim();
    if (!text) return;
    addError.hidden = true;
    addBtn.disabled = true;
    try {
      const u = await findUser(text);
      if (!u) throw new Error(`Nobody is called ${text}.`);
      if (members.has(u.id)) throw new Error(`${userLabel(u)} is already in this channel.`);
      await app.api("POST", `/channels/${channelId}/members`, { user_id: u.id });
      members.add(u.id);
      addInput.value = "";
      render();
    } catch (err) {
      addError.textContent = "Could not add: " + friendlyMessage(err);
      addError.hidden = false;
    } finally {
      addBtn.disabled = false;
    }
  });

  leaveBtn.addEventListener("click", async () => {
    if (!confirm("Leave this channel?")) return;
    try {
      await app.api("POST", `/channels/${channelId}/leave`);
      store.channels.delete(channelId);
      store.emit("channels");
      app.navigate(null);
    } catch (e) { app.toast(friendlyMessage(e)); }
  });

  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") app.closeMembers(); });

  cleanup.push(store.on("presence", render), store.on("users", render), store.on("channels", render));
  loadPage();
  closeBtn.focus();

  const view = {
    channelId,
    changed(uid, joined) {
      if (!loaded) return;
      if (joined) { members.add(uid); store.ensureUser(uid).then(render); } else members.delete(uid);
      render();
    },
    destroy() {
      if (active === view) active = null;
      cleanup.forEach((f) => f());
      panel.hidden = true;
      replace(panel);
    },
  };
  active = view;
  return view;
}
