// Desktop notifications for DMs and mentions while the tab is hidden, the
// unread count in the tab title, and per-channel mute (localStorage).

const KEY = "parley.muted";

// The muted channel ids, read from localStorage on first use.
let muted = null;

function mutedSet() {
  if (!muted) {
    try { muted = new Set(JSON.parse(localStorage.getItem(KEY) || "[]").map(Number)); } catch { muted = new Set(); }
  }
  return muted;
}

export function isMuted(channelId) {
  return mutedSet().has(Number(channelId));
}

export function setMuted(channelId, on) {
  const s = mutedSet();
  if (on) s.add(Number(channelId)); else s.delete(Number(channelId));
  try { localStorage.setItem(KEY, JSON.stringify([...s])); } catch { /* storage full or blocked: kept for this tab */ }
}

export function requestPermission() {
  if ("Notification" in window && Notification.permission === "default") {
    Notification.requestPermission().catch(() => {});
  }
}

export function startNotifications(app) {
  const store = app.store;
  let baseTitle = document.title;

  function updateTitle() {
    let n = 0;
    for (const c of store.channels.values()) {
      if (isMuted(c.id)) continue;
      if (c.kind === "dm" || c.kind === "group_dm") n += c.unread_count || 0;
      else n += c.mention_count || 0;
    }
    const t = document.title.replace(/^\(\d+\) /, "");
    baseTitle = t;
    document.title = (n ? `(${n}) ` : "") + baseTitle;
  }
  app.updateTitle = updateTitle;

  const offChannels = store.on("channels", updateTitle);
  // A first DM may arrive before its channel is loaded: fetch it then.
  const offIncoming = store.on("incoming", ({ message, channel }) => {
    if (!document.hidden) return;
    if (channel) { notify(message, channel); return; }
    app.api("GET", `/channels/${message.channel_id}`).then((c) => notify(message, c), () => {});
  });

  function notify(message, channel) {
    if (isMuted(channel.id) || !document.hidden) return;
    const isDM = channel.kind === "dm" || channel.kind === "group_dm";
    if (!isDM && !store.mentionsMe(message)) return;
    const dnd = store.me?.dnd_until && store.me.dnd_until > Date.now();
    if (dnd) return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const who = message.username || store.userName(message.user_id);
    const where = isDM ? who : `${who} in #${channel.name}`;
    try {
      const n = new Notification(where, { body: (message.text || "(attachment)").slice(0, 200), tag: "parley-" + channel.id });
      n.addEventListener("click", () => {
        window.focus();
        app.navigate(channel.id, message.thread_id || undefined); // a reply shows its thread's root
        n.close();
      });
    } catch { /* notifications unavailable */ }
  }
  updateTitle();
  return () => { offChannels(); offIncoming(); };
}
