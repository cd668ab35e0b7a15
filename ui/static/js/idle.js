// Idle away: after a while without input (keys, pointer, focus) the client
// shows its person as away, and active again on their next input. An away
// the person asked for themselves (/away) is left alone: the client only
// takes back an away it sent.

const DEFAULT_AFTER_MS = 10 * 60 * 1000;

// idleAfterMs is the idle time before away. localStorage "parley.idleAfterMs"
// overrides it (read at start-up), for tests.
export function idleAfterMs() {
  const v = Number(localStorage.getItem("parley.idleAfterMs"));
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_AFTER_MS;
}

const INPUT_EVENTS = ["keydown", "mousedown", "mousemove", "wheel", "touchstart", "focus"];

// startIdle watches for input and returns a function that stops watching.
// send(frame) sends a WebSocket frame and reports whether it went out.
export function startIdle({ send, store, afterMs = idleAfterMs() }) {
  let lastInput = Date.now();
  let awayByIdle = false; // the away shown now is one this client sent
  let timer = null;

  const myStatus = () => store.presence.get(store.me?.id) || store.me?.presence;

  function check() {
    const left = afterMs - (Date.now() - lastInput);
    if (left > 0) { timer = setTimeout(check, left); return; }
    timer = null;
    if (awayByIdle || myStatus() === "away") return; // already away, maybe by their own choice
    if (send({ type: "presence", status: "away" })) awayByIdle = true;
    else timer = setTimeout(check, 5000); // not connected: try again soon
  }

  function input() {
    lastInput = Date.now();
    if (awayByIdle) {
      if (send({ type: "presence", status: "active" })) awayByIdle = false;
    }
    if (!timer) timer = setTimeout(check, afterMs);
  }

  const onVisible = () => { if (!document.hidden) input(); };
  for (const ev of INPUT_EVENTS) window.addEventListener(ev, input, { capture: true, passive: true });
  document.addEventListener("visibilitychange", onVisible);
  timer = setTimeout(check, afterMs);

  return () => {
    clearTimeout(timer);
    for (const ev of INPUT_EVENTS) window.removeEventListener(ev, input, { capture: true, passive: true });
    document.removeEventListener("visibilitychange", onVisible);
  };
}
