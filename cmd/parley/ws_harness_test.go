package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/parley-chat/parley/channels/realtime"
)

// wsClient is a real WebSocket client of the test server.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	// floor is the resume's since or else the hello's seq, then the last
	// log seq read through logUntil, until and closeCode, which require each
	// next one above it.
	floor   int64
	resumed bool
}

// resuming notes the since of a dial's query: replayed frames start after
// it, below the hello's seq.
func (w *wsClient) resuming(query string) *wsClient {
	if q, err := url.ParseQuery(query); err == nil && q.Has("since") {
		w.floor, _ = strconv.ParseInt(q.Get("since"), 10, 64)
		w.resumed = true
	}
	return w
}

// frame is any server frame; Raw keeps the whole of it.
type frame struct {
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	ChannelID *int64          `json:"channel_id"`
	UserID    int64           `json:"user_id"`
	Code      string          `json:"code"`
	Data      json.RawMessage `json:"data"`
	Raw       []byte          `json:"-"`
}

// dialWS opens /api/v1/ws?query with the client's bearer token (and any
// extra headers), and fails the test if the upgrade is refused.
func (c *client) dialWS(query string, header http.Header) *wsClient {
	c.ts.t.Helper()
	ws, res, err := c.tryDialWS(query, header)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		c.ts.t.Fatalf("dial websocket: %v (status %d)", err, status)
	}
	return ws
}

func (c *client) tryDialWS(query string, header http.Header) (*wsClient, *http.Response, error) {
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	if c.Token != "" && h.Get("Authorization") == "" && h.Get("Cookie") == "" && !strings.Contains(query, "token=") {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	url := "ws" + strings.TrimPrefix(c.ts.URL, "http") + "/api/v1/ws"
	if query != "" {
		url += "?" + query
	}
	conn, res, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		return nil, res, err
	}
	ws := (&wsClient{t: c.ts.t, conn: conn}).resuming(query)
	c.ts.t.Cleanup(func() { conn.Close() })
	return ws, res, nil
}

// next reads the next frame, failing after timeout.
func (w *wsClient) next(timeout time.Duration) frame {
	w.t.Helper()
	f, err := w.read(timeout)
	if err != nil {
		w.t.Fatalf("read frame: %v", err)
	}
	return f
}

func (w *wsClient) read(timeout time.Duration) (frame, error) {
	_ = w.conn.SetReadDeadline(time.Now().Add(timeout))
	_, raw, err := w.conn.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(raw, &f); err != nil {
		return frame{}, err
	}
	f.Raw = raw
	return f, nil
}

// nextOfType skips frames until one of the type arrives.
func (w *wsClient) nextOfType(typ string, timeout time.Duration) frame {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		f, err := w.read(time.Until(deadline))
		if err != nil {
			w.t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		if f.Type == typ {
			return f
		}
	}
}

// send writes a client frame.
func (w *wsClient) send(v any) {
	w.t.Helper()
	if err := w.conn.WriteJSON(v); err != nil {
		w.t.Fatalf("write frame: %v", err)
	}
}

// withHub adjusts the realtime hub's options (short timers, small buffers).
func withHub(f func(*realtime.HubOptions)) func(*Config) {
	return func(c *Config) { c.hubTweak = f }
}

// waitForWSPlace waits until c may open one more connection (after one of
// its connections closed, at the connection limit) and opens it.
func (c *client) waitForWSPlace() {
	c.ts.t.Helper()
	eventually(c.ts.t, "a closed connection frees its place", func() bool {
		ws, _, err := c.tryDialWS("", nil)
		if err != nil {
			return false
		}
		ws.hello(c.User.ID)
		return true
	})
}

// wsWait bounds every wait for a frame the server should send.
const wsWait = 5 * time.Second

// hello reads the first frame and requires it to be hello for the user.
func (w *wsClient) hello(userID int64) frame {
	w.t.Helper()
	f := w.next(wsWait)
	if f.Type != "hello" || f.UserID != userID {
		w.t.Fatalf("first frame = %s, want hello for user %d", f.Raw, userID)
	}
	if !w.resumed {
		w.floor = f.Seq
	}
	return f
}

// ordered requires a log frame's seq to be above every seq before it on
// this connection (and the hello's): no duplicate, no reordering.
func (w *wsClient) ordered(f frame) {
	w.t.Helper()
	if f.Seq == 0 {
		return
	}
	if f.Seq <= w.floor {
		w.t.Fatalf("frame with seq %d after seq %d (duplicate or out of order): %.300s", f.Seq, w.floor, f.Raw)
	}
	w.floor = f.Seq
}

// logUntil reads frames until one satisfies stop and returns the event-log
// frames (those with a seq) up to and including it; ephemeral frames are
// skipped.
func (w *wsClient) logUntil(stop func(frame) bool) []frame {
	w.t.Helper()
	var out []frame
	for _, f := range w.until(stop) {
		if f.Seq != 0 {
			out = append(out, f)
		}
	}
	return out
}

// until reads frames until one satisfies stop and returns all frames read,
// it included.
func (w *wsClient) until(stop func(frame) bool) []frame {
	w.t.Helper()
	var out []frame
	deadline := time.Now().Add(wsWait)
	for {
		f, err := w.read(time.Until(deadline))
		if err != nil {
			w.t.Fatalf("waiting for a frame (after %d frames): %v", len(out), err)
		}
		w.ordered(f)
		out = append(out, f)
		if stop(f) {
			return out
		}
	}
}

// closeCode reads until the server closes the connection and returns the
// close code; frames before the close are returned too.
func (w *wsClient) closeCode() (int, []frame) {
	w.t.Helper()
	var seen []frame
	deadline := time.Now().Add(wsWait)
	for {
		f, err := w.read(time.Until(deadline))
		if err == nil {
			w.ordered(f)
			seen = append(seen, f)
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, seen
		}
		w.t.Fatalf("waiting for the server to close (after %d frames): %v", len(seen), err)
	}
}

// ping sends a ping frame and waits for its pong: every frame the client
// sent before has been handled by then.
func (w *wsClient) ping() {
	w.t.Helper()
	w.send(map[string]any{"type": "ping"})
	w.nextOfType("pong", wsWait)
}

// isMessage matches the message.created frame of a message.
func isMessage(id int64) func(frame) bool {
	return func(f frame) bool { return f.Type == "message.created" && dataID(f) == id }
}

// isPresence matches a presence.changed frame of a user with the status.
func isPresence(userID int64, status string) func(frame) bool {
	return func(f frame) bool {
		if f.Type != "presence.changed" || f.UserID != userID {
			return false
		}
		var p realtime.Presence
		return json.Unmarshal(f.Data, &p) == nil && p.Status == status
	}
}

// dataID is the id field of a frame's data (0 without one).
func dataID(f frame) int64 {
	var d struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(f.Data, &d)
	return d.ID
}

// eventually polls cond until it holds, failing after the deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll(t, wsWait, what, cond)
}

// logHead is the newest seq committed to the event log.
func (ts *testServer) logHead() int64 {
	ts.t.Helper()
	head, _, err := ts.app.svc.Log.Head(context.Background())
	if err != nil {
		ts.t.Fatal(err)
	}
	return head
}

// after drops the frames up to seq: set-up events that a connection opened
// right after them may or may not get, depending on whether the hub had
// fanned them out when its hello was sent.
func after(seq int64, frames []frame) []frame {
	var out []frame
	for _, f := range frames {
		if f.Seq > seq {
			out = append(out, f)
		}
	}
	return out
}

// settle waits until the hub has fanned out every event committed so far,
// so that its membership index (who shares a channel with whom, who may
// type where) includes the set-up before the test goes on. A user in no
// channel, whose presence nobody sees, dials until its hello names the
// log's head.
func (ts *testServer) settle() {
	ts.t.Helper()
	if ts.observer == nil {
		ts.observer = ts.signup("zz-observer")
	}
	head := ts.logHead()
	eventually(ts.t, fmt.Sprintf("the hub fans out seq %d", head), func() bool {
		ws, _, err := ts.observer.tryDialWS("", nil)
		if err != nil {
			return false // at the connection limit until the last one is gone
		}
		defer ws.conn.Close()
		return ws.hello(ts.observer.User.ID).Seq >= head
	})
}
