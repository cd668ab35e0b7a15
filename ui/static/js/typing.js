// Typing in threads. Frames that name a thread_id are kept here, apart from
// the store's channel typing, so they show in that thread's panel only and
// never in the channel's typing line.

const typing = new Map(); // rootId -> Map(uid -> expiry ms)
const subs = new Map(); // rootId -> Set(fn)

function emit(rootId) {
  for (const fn of [...(subs.get(rootId) || [])]) {
    try { fn(); } catch (e) { console.error(e); }
  }
}

// applyThreadTyping records a typing frame with a thread_id.
export function applyThreadTyping(ev, store) {
  const rootId = ev.thread_id;
  if (!rootId || ev.user_id === store.me?.id) return;
  if (!typing.has(rootId)) typing.set(rootId, new Map());
  const ms = ev.expires_in_ms || 5000;
  typing.get(rootId).set(ev.user_id, Date.now() + ms);
  store.ensureUser(ev.user_id);
  emit(rootId);
  setTimeout(() => emit(rootId), ms + 50);
}

// clearThreadTyping ends a person's typing in a thread (they posted).
export function clearThreadTyping(rootId, userId) {
  if (typing.get(rootId)?.delete(userId)) emit(rootId);
}

// threadTypingUsers lists who is typing in a thread now.
export function threadTypingUsers(rootId) {
  const m = typing.get(rootId);
  if (!m) return [];
  const now = Date.now();
  const out = [];
  for (const [u, exp] of m) { if (exp > now) out.push(u); else m.delete(u); }
  return out;
}

export function onThreadTyping(rootId, fn) {
  if (!subs.has(rootId)) subs.set(rootId, new Set());
  subs.get(rootId).add(fn);
  return () => subs.get(rootId)?.delete(fn);
}

// typingText is the line shown for the people typing.
export function typingText(store, userIds) {
  if (!userIds.length) return "";
  const names = userIds.map((u) => store.userName(u));
  return names.length === 1 ? `${names[0]} is typing…`
    : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
}

// sendThreadTyping tells the others that this person replies in a thread,
// at most every 3 seconds per thread (the server throttles as well).
let last = null;
export function sendThreadTyping(rt, channelId, threadId) {
  const now = Date.now();
  if (last && last.t === threadId && now - last.at < 3000) return;
  if (rt.send({ type: "typing", channel_id: channelId, thread_id: threadId })) last = { t: threadId, at: now };
}
