// Client state and a small pub/sub. Topics: "channels", "users", "messages:<cid>",
// "thread:<rootId>", "typing:<cid>", "presence", "ephemeral:<cid>", "receipts:<cid>", "me".

import { api, listAll } from "./api.js";

class Store {
  constructor() {
    this.reset();
    this.subs = new Map();
  }

  reset() {
    this.me = null;
    this.users = new Map();
    this.channels = new Map();
    this.messages = new Map(); // cid -> {items: [] ascending, hasMore, loading}
    this.threads = new Map(); // rootId -> {items: [], loaded, hasMore}
    this.presence = new Map(); // uid -> status
    this.typing = new Map(); // cid -> Map(uid -> expiry ms)
    this.ephemeral = new Map(); // cid -> [{...ephemeral, _ephemeral:true}]
    this.receipts = new Map(); // cid -> Map(uid -> last_read_id)
    this.currentChannelId = null;
    this.lastSeq = 0;
    this.userRequests = new Map(); // uid -> promise of GET /users/{id} (kept after a refusal)
  }

  on(topic, fn) {
    if (!this.subs.has(topic)) this.subs.set(topic, new Set());
    this.subs.get(topic).add(fn);
    return () => this.subs.get(topic)?.delete(fn);
  }

  emit(topic, payload) {
    for (const fn of [...(this.subs.get(topic) || [])]) {
      try { fn(payload); } catch (e) { console.error(e); }
    }
    for (const fn of [...(this.subs.get("*") || [])]) {
      try { fn(topic, payload); } catch (e) { console.error(e); }
    }
  }

  // ---- loading ----
  async loadAll() {
    const [me, users, chans] = await Promise.all([
      api("GET", "/users/me"),
      listAll("/users?limit=200"),
      api("GET", "/channels"),
    ]);
    this.me = me;
    this.users.clear();
    for (const u of users) this.putUser(u, true);
    this.users.set(me.id, { ...this.users.get(me.id), ...me });
    this.channels.clear();
    for (const c of chans.items || []) this.channels.set(c.id, c);
    this.emit("me", me);
    this.emit("users");
    this.emit("presence");
    this.emit("channels");
  }

  async refreshChannels() {
    const chans = await api("GET", "/channels");
    this.channels.clear();
    for (const c of chans.items || []) this.channels.set(c.id, c);
    this.emit("channels");
  }

  // Forget loaded messages (after a resync) and notify views.
  dropMessages() {
    const cids = [...this.messages.keys()];
    const roots = [...this.threads.keys()];
    this.messages.clear();
    this.threads.clear();
    for (const c of cids) this.emit("messages:" + c, { reset: true });
    for (const r of roots) this.emit("thread:" + r, { reset: true });
  }

  putUser(u, quiet) {
    const old = this.users.get(u.id) || {};
    const merged = { ...old, ...u };
    this.users.set(u.id, merged);
    if (u.presence) this.presence.set(u.id, u.presence);
    if (this.me && u.id === this.me.id) { this.me = { ...this.me, ...u }; if (!quiet) this.emit("me", this.me); }
    if (!quiet) this.emit("users");
  }

  // ensureUser fetches an unknown user once: concurrent calls share the
  // request, and a refusal (404, 403) is remembered rather than retried.
  ensureUser(id) {
    if (!id || this.users.has(id)) return Promise.resolve(this.users.get(id));
    let p = this.userRequests.get(id);
    if (!p) {
      p = api("GET", `/users/${id}`).then((u) => {
        this.putUser(u);
        return u;
      }, (err) => {
        // Network and server errors may pass; only those are tried again.
        if (!(err && err.status >= 400 && err.status < 500 && err.status !== 429)) this.userRequests.delete(id);
        return null;
      });
      this.userRequests.set(id, p);
    }
    return p;
  }

  userName(id) {
    const u = this.users.get(id);
    if (!u) return "user " + id;
    return u.display_name || u.username;
  }

  channelTitle(c) {
    if (c.kind === "dm" || c.kind === "group_dm") {
      const others = (c.user_ids || []).filter((u) => u !== this.me?.id);
      if (others.length === 0) return this.userName(this.me?.id) + " (you)";
      return others.map((u) => this.userName(u)).join(", ");
    }
    return c.name;
  }

  // ---- messages ----
  chan(cid) {
    if (!this.messages.has(cid)) this.messages.set(cid, { items: [], hasMore: true, loading: false, loaded: false });
    return this.messages.get(cid);
  }

  async loadOlder(cid, limit = 50) {
    const st = this.chan(cid);
    if (st.loading || (!st.hasMore && st.loaded)) return false;
    st.loading = true;
    try {
      const before = st.items.length ? st.items[0].id : 0;
      const page = await api("GET", `/channels/${cid}/messages?limit=${limit}` + (before ? `&before=${before}` : ""));
      const got = (page.items || []).slice().reverse();
      for (const m of got) this.insertMessage(st.items, m);
      st.hasMore = !!page.next_cursor && got.length > 0;
      st.loaded = true;
      for (const m of got) this.ensureUser(m.user_id);
      return got.length > 0;
    } finally {
      st.loading = false;
      this.emit("messages:" + cid, { older: true });
    }
  }

  insertMessage(arr, m) {
    let i = arr.length;
    while (i > 0 && arr[i - 1].id > m.id) i--;
    if (i > 0 && arr[i - 1].id === m.id) { arr[i - 1] = { ...arr[i - 1], ...m }; return false; }
    arr.splice(i, 0, m);
    return true;
  }

  findMessage(id) {
    for (const st of this.messages.values()) {
      const m = st.items.find((x) => x.id === id);
      if (m) return m;
    }
    for (const t of this.threads.values()) {
      const m = t.items.find((x) => x.id === id);
      if (m) return m;
    }
    return null;
  }

  async loadThread(rootId) {
    const t = { items: [], loaded: false, root: null };
    this.threads.set(rootId, t);
    try {
      t.root = this.findMessage(rootId) || (await api("GET", `/messages/${rootId}`));
    } catch (e) { t.error = e; this.emit("thread:" + rootId, {}); throw e; }
    const replies = await listAll(`/messages/${rootId}/replies?limit=200`, 20);
    for (const m of replies) { this.insertMessage(t.items, m); this.ensureUser(m.user_id); }
    t.loaded = true;
    this.emit("thread:" + rootId, {});
    return t;
  }

  // ---- events ----
  applyEvent(ev) {
    if (ev.seq) this.lastSeq = Math.max(this.lastSeq, ev.seq);
    const d = ev.data || {};
    switch (ev.type) {
      case "message.created": return this.onMessage(d, true, ev);
      case "message.updated": return this.onMessage(d, false, ev);
      case "message.deleted": return this.onDeleted(d);
      case "reaction.added":
      case "reaction.removed": return this.onReaction(d, ev.type === "reaction.added");
      case "channel.created":
      case "channel.updated":
      case "channel.archived":
      case "channel.unarchived": return this.onChannel(d, ev.type);
      case "member.joined": return this.onMember(d, true);
      case "member.left": return this.onMember(d, false);
      case "read.updated": return this.onRead(d);
      case "user.updated": return this.putUser(d);
      case "typing": return this.onTyping(ev);
      case "presence.changed":
        this.presence.set(ev.user_id, d.status);
        return this.emit("presence", ev.user_id);
      case "message.ephemeral": return this.addEphemeral(ev.channel_id ?? d.channel_id, d);
      default: return undefined;
    }
  }

  onMessage(m, created, ev) {
    if (!m || !m.id) return;
    const cid = m.channel_id;
    this.ensureUser(m.user_id);
    if (m.thread_id) {
      const t = this.threads.get(m.thread_id);
      if (t && m.deleted && !m.text) { t.items = t.items.filter((x) => x.id !== m.id); }
      else if (t) this.insertMessage(t.items, m);
      if (t) this.emit("thread:" + m.thread_id, { message: m, created });
      if (created) {
        const root = this.findMessage(m.thread_id);
        if (root) {
          root.reply_count = (root.reply_count || 0) + 1;
          root.last_reply_at = m.created_at;
          this.emit("messages:" + cid, { updated: root });
        }
      }
    } else {
      const st = this.messages.get(cid);
      if (st && st.loaded) {
        const existing = st.items.find((x) => x.id === m.id);
        if (created || existing) {
          if (m.deleted && !m.text && !(existing?.reply_count)) st.items = st.items.filter((x) => x.id !== m.id);
          else this.insertMessage(st.items, m);
          this.emit("messages:" + cid, { message: m, created });
        }
      }
      const t = this.threads.get(m.id);
      if (t && !created) { t.root = { ...(t.root || {}), ...m }; this.emit("thread:" + m.id, {}); }
    }
    if (created && m.user_id !== this.me?.id) {
      const c = this.channels.get(cid);
      if (c) {
        const mine = this.mentionsMe(m);
        if (!m.thread_id) c.unread_count = (c.unread_count || 0) + 1;
        if (mine && !m.thread_id) c.mention_count = (c.mention_count || 0) + 1;
        this.emit("channels");
      }
      this.emit("incoming", { message: m, channel: c });
    }
    if (created) {
      // a message from someone stops their typing indicator
      const tm = this.typing.get(cid);
      if (tm && tm.delete(m.user_id)) this.emit("typing:" + cid);
    }
  }

  mentionsMe(m) {
    const me = this.me?.id;
    const mn = m.mentions || {};
    return (mn.user_ids || []).includes(me) || mn.channel || mn.here;
  }

  onDeleted(d) {
    const cid = d.channel_id;
    if (d.thread_id) {
      const t = this.threads.get(d.thread_id);
      if (t) { t.items = t.items.filter((x) => x.id !== d.id); this.emit("thread:" + d.thread_id, {}); }
      const root = this.findMessage(d.thread_id);
      if (root && root.reply_count > 0) { root.reply_count--; this.emit("messages:" + cid, {}); }
      return;
    }
    const st = this.messages.get(cid);
    if (st) {
      const m = st.items.find((x) => x.id === d.id);
      if (m && m.reply_count > 0) Object.assign(m, { deleted: true, text: "", reactions: [], files: [], attachments: [], blocks: [] });
      else st.items = st.items.filter((x) => x.id !== d.id);
      this.emit("messages:" + cid, { deleted: d.id });
    }
    const t = this.threads.get(d.id);
    if (t && t.root) { t.root = { ...t.root, deleted: true, text: "" }; this.emit("thread:" + d.id, {}); }
  }

  onReaction(d, added) {
    const m = this.findMessage(d.message_id);
    if (!m) return;
    const rs = (m.reactions = (m.reactions || []).map((r) => ({ ...r, user_ids: [...(r.user_ids || [])] })));
    let r = rs.find((x) => x.emoji === d.emoji);
    if (added) {
      if (!r) { r = { emoji: d.emoji, count: 0, user_ids: [] }; rs.push(r); }
      if (!r.user_ids.includes(d.user_id)) { r.user_ids.push(d.user_id); r.count = r.user_ids.length; }
    } else if (r) {
      r.user_ids = r.user_ids.filter((u) => u !== d.user_id);
      r.count = r.user_ids.length;
      if (r.count === 0) m.reactions = rs.filter((x) => x !== r);
    }
    this.emit("messages:" + m.channel_id, { updated: m });
    const root = m.thread_id || m.id;
    if (this.threads.has(root)) this.emit("thread:" + root, {});
  }

  onChannel(c, type) {
    if (!c || !c.id) return;
    const old = this.channels.get(c.id);
    if (old) {
      this.channels.set(c.id, { ...c, is_member: true, last_read_id: old.last_read_id, unread_count: old.unread_count, mention_count: old.mention_count });
      this.emit("channels");
    } else if (type === "channel.created" && (c.creator_id === this.me?.id || (c.user_ids || []).includes(this.me?.id))) {
      this.channels.set(c.id, { ...c, is_member: true });
      this.emit("channels");
    }
  }

  async onMember(d, joined) {
    if (d.user_id === this.me?.id) {
      if (joined) {
        if (!this.channels.has(d.channel_id)) {
          try {
            const c = await api("GET", `/channels/${d.channel_id}`);
            this.channels.set(c.id, { ...c, is_member: true });
          } catch { return; }
        }
      } else {
        this.channels.delete(d.channel_id);
        this.messages.delete(d.channel_id);
      }
      this.emit("channels");
      return;
    }
    const c = this.channels.get(d.channel_id);
    if (c) {
      c.member_count = Math.max(0, (c.member_count || 0) + (joined ? 1 : -1));
      this.emit("channels");
    }
    if (joined) this.ensureUser(d.user_id);
  }

  onRead(d) {
    const cid = d.channel_id;
    if (d.user_id === this.me?.id) {
      const c = this.channels.get(cid);
      if (!c) return;
      c.last_read_id = Math.max(c.last_read_id || 0, d.last_read_id);
      const st = this.messages.get(cid);
      const latest = st && st.items.length ? st.items[st.items.length - 1].id : 0;
      if (latest && c.last_read_id >= latest) { c.unread_count = 0; c.mention_count = 0; this.emit("channels"); }
      else this.refreshChannelsSoon();
      return;
    }
    if (!this.receipts.has(cid)) this.receipts.set(cid, new Map());
    this.receipts.get(cid).set(d.user_id, d.last_read_id);
    this.emit("receipts:" + cid);
  }

  // loadReceipts fetches how far the others in a DM or group DM have read,
  // for "seen" after a reload; read.updated events move it on from there.
  async loadReceipts(cid) {
    const res = await api("GET", `/channels/${cid}/reads`);
    const rec = this.receipts.get(cid) || new Map();
    for (const r of res.reads || []) {
      if (r.user_id === this.me?.id) continue;
      // A read.updated that overtook this answer is not undone by it.
      rec.set(r.user_id, Math.max(rec.get(r.user_id) || 0, r.last_read_id));
    }
    this.receipts.set(cid, rec);
    this.emit("receipts:" + cid);
  }

  refreshChannelsSoon() {
    clearTimeout(this._rcTimer);
    this._rcTimer = setTimeout(() => this.refreshChannels().catch(() => {}), 500);
  }

  onTyping(ev) {
    const cid = ev.channel_id;
    if (ev.user_id === this.me?.id) return;
    if (!this.typing.has(cid)) this.typing.set(cid, new Map());
    const ms = ev.expires_in_ms || 5000;
    this.typing.get(cid).set(ev.user_id, Date.now() + ms);
    this.ensureUser(ev.user_id);
    this.emit("typing:" + cid);
    setTimeout(() => this.emit("typing:" + cid), ms + 50);
  }

  typingUsers(cid) {
    const m = this.typing.get(cid);
    if (!m) return [];
    const now = Date.now();
    const out = [];
    for (const [u, exp] of m) { if (exp > now) out.push(u); else m.delete(u); }
    return out;
  }

  addEphemeral(cid, e) {
    if (!e || !cid) return;
    const list = this.ephemeral.get(cid) || [];
    let next = list;
    if (e.replaces) next = list.filter((x) => x.id !== e.replaces);
    if (!e.deleted) {
      if (next.some((x) => x.id === e.id)) return;
      next = [...next, { ...e, _ephemeral: true, created_at: e.created_at || Date.now() }];
    }
    this.ephemeral.set(cid, next);
    if (e.user_id) this.ensureUser(e.user_id);
    this.emit("ephemeral:" + cid);
    if (e.thread_id) this.emit("thread:" + e.thread_id, {});
  }

  dismissEphemeral(cid, id) {
    const list = this.ephemeral.get(cid) || [];
    const e = list.find((x) => x.id === id);
    this.ephemeral.set(cid, list.filter((x) => x.id !== id));
    this.emit("ephemeral:" + cid);
    if (e?.thread_id) this.emit("thread:" + e.thread_id, {});
  }
}

export const store = new Store();
