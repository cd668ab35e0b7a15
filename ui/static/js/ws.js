// WebSocket client: resumes with ?since=<last seq>, reconnects with backoff,
// reports status for the "Reconnecting…" banner and asks for a resync when
// the server says so.

export class Realtime {
  constructor({ store, onStatus, onResync, onRevoked }) {
    this.store = store;
    this.onStatus = onStatus || (() => {});
    this.onResync = onResync || (() => {});
    this.onRevoked = onRevoked || (() => {});
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.timer = null;
    this.pingTimer = null;
    this.connected = false;
  }

  start() {
    this.stopped = false;
    this.connect();
    window.addEventListener("online", this._online = () => { if (!this.connected) this.reconnectNow(); });
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.pingTimer);
    window.removeEventListener("online", this._online);
    if (this.ws) { try { this.ws.close(1000); } catch { /* ignore */ } }
    this.ws = null;
  }

  reconnectNow() {
    clearTimeout(this.timer);
    if (this.ws) { try { this.ws.close(); } catch { /* ignore */ } }
    else this.connect();
  }

  connect() {
    if (this.stopped) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const since = this.store.lastSeq ? `?since=${this.store.lastSeq}` : "";
    let ws;
    try {
      ws = new WebSocket(`${proto}//${location.host}/api/v1/ws${since}`);
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.attempt = 0;
    });
    ws.addEventListener("message", (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      this.handle(f);
    });
    ws.addEventListener("close", (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.connected = false;
      clearInterval(this.pingTimer);
      if (this.stopped) return;
      if (e.code === 4003) { this.onRevoked(); return; }
      this.onStatus(false);
      this.schedule();
    });
  }

  handle(f) {
    switch (f.type) {
      case "hello":
        this.connected = true;
        if (!this.store.lastSeq) this.store.lastSeq = f.seq || 0;
        this.onStatus(true);
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.send({ type: "ping" }), 25000);
        return;
      case "resync_required":
        this.onResync();
        return;
      case "pong":
      case "error":
        return;
      default:
        this.store.applyEvent(f);
    }
  }

  schedule() {
    clearTimeout(this.timer);
    const base = Math.min(30000, 1000 * 2 ** this.attempt);
    const delay = base / 2 + Math.random() * base / 2;
    this.attempt++;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  send(obj) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    return false;
  }

  typing(channelId) {
    const now = Date.now();
    if (this._lastTyping && this._lastTyping.c === channelId && now - this._lastTyping.t < 3000) return;
    this._lastTyping = { c: channelId, t: now };
    this.send({ type: "typing", channel_id: channelId });
  }

  presence(status) {
    this.send({ type: "presence", status });
  }
}
