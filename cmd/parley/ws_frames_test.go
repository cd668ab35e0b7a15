package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// Connecting, authenticating, client frames and closing.

// refused dials and requires the upgrade to be refused with the status and
// error code.
func refused(t *testing.T, c *client, query string, header http.Header, status int, code string) {
	t.Helper()
	ws, res, err := c.tryDialWS(query, header)
	if err == nil {
		ws.conn.Close()
		t.Fatalf("dial %q: upgraded, want %d %s", query, status, code)
	}
	if res == nil {
		t.Fatalf("dial %q: %v, want %d %s", query, err, status, code)
	}
	body, _ := io.ReadAll(res.Body)
	got := (&response{Body: body}).Error()
	if res.StatusCode != status || got != code {
		t.Errorf("dial %q: %d %q, want %d %q; body: %s", query, res.StatusCode, got, status, code, body)
	}
}

func TestWS_AuthenticatesByHeaderQueryOrCookie(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	cookie := fmt.Sprintf("%s=%s", channels.SessionCookie, ada.Token)

	ada.dialWS("", nil).hello(ada.User.ID)
	ts.anon().dialWS("token="+ada.Token, nil).hello(ada.User.ID)
	ts.anon().dialWS("", http.Header{"Cookie": {cookie}, "Origin": {ts.URL}}).hello(ada.User.ID)
	ts.anon().dialWS("", http.Header{"Cookie": {cookie}, "Origin": {strings.ToUpper(ts.URL)}}).hello(ada.User.ID)

	// A cookie from another site's page, or with no Origin at all, is
	// refused before the upgrade.
	refused(t, ts.anon(), "", http.Header{"Cookie": {cookie}, "Origin": {"https://evil.example"}}, http.StatusForbidden, "bad_origin")
	refused(t, ts.anon(), "", http.Header{"Cookie": {cookie}, "Origin": {strings.Replace(ts.URL, "http:", "https:", 1)}}, http.StatusForbidden, "bad_origin")
	refused(t, ts.anon(), "", http.Header{"Cookie": {cookie}}, http.StatusForbidden, "bad_origin")

	refused(t, ts.anon(), "", nil, http.StatusUnauthorized, "not_authenticated")
	refused(t, ts.anon(), "token=nope", nil, http.StatusUnauthorized, "invalid_token")
	refused(t, ts.anon(), "", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized, "invalid_token")
	refused(t, ts.anon(), "", http.Header{"Cookie": {channels.SessionCookie + "=nope"}, "Origin": {ts.URL}}, http.StatusUnauthorized, "invalid_token")
	refused(t, ada, "since=soon", nil, http.StatusBadRequest, "invalid_since")
}

func TestWS_ConnectionLimitPerUser(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.MaxWSPerUser = 2 })
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	first := ada.dialWS("", nil)
	first.hello(ada.User.ID)
	ada.dialWS("", nil).hello(ada.User.ID)

	_, res, err := ada.tryDialWS("", nil)
	if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third connection: %v %v, want 429 with Retry-After", err, res)
	}
	refused(t, ada, "", nil, http.StatusTooManyRequests, "too_many_connections")
	bob.dialWS("", nil).hello(bob.User.ID) // per user

	first.conn.Close()
	ada.waitForWSPlace()
}

func TestWS_FrameSizeLimit(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)

	// A frame of exactly 64 KiB is read (unknown fields are ignored).
	frame := func(size int) []byte {
		head := `{"type":"ping","pad":"`
		return []byte(head + strings.Repeat("x", size-len(head)-2) + `"}`)
	}
	if err := ws.conn.WriteMessage(websocket.TextMessage, frame(64<<10)); err != nil {
		t.Fatal(err)
	}
	ws.nextOfType("pong", wsWait)

	// One byte more closes the connection with 1009.
	if err := ws.conn.WriteMessage(websocket.TextMessage, frame(64<<10+1)); err != nil {
		t.Fatal(err)
	}
	if code, _ := ws.closeCode(); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
}

func TestWS_BadFramesGetErrorsAndTheConnectionStays(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)

	for _, tc := range []struct {
		name  string
		typ   int
		frame string
		code  string
	}{
		{"not JSON", websocket.TextMessage, `hello?`, "invalid_frame"},
		{"truncated", websocket.TextMessage, `{"type":"pi`, "invalid_frame"},
		{"an array", websocket.TextMessage, `["ping"]`, "invalid_frame"},
		{"a number type", websocket.TextMessage, `{"type":7}`, "invalid_frame"},
		{"a string channel", websocket.TextMessage, `{"type":"typing","channel_id":"one"}`, "invalid_frame"},
		{"no type", websocket.TextMessage, `{}`, "unknown_type"},
		{"unknown type", websocket.TextMessage, `{"type":"subscribe","channel_id":1}`, "unknown_type"},
		{"bad status", websocket.TextMessage, `{"type":"presence","status":"invisible"}`, "invalid_status"},
		{"binary", websocket.BinaryMessage, `{"type":"ping"}`, "invalid_frame"},
	} {
		if err := ws.conn.WriteMessage(tc.typ, []byte(tc.frame)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		f := ws.nextOfType("error", wsWait)
		if f.Code != tc.code {
			t.Errorf("%s: error frame %s, want code %s", tc.name, f.Raw, tc.code)
		}
		ws.ping()
	}
	// Still live.
	ch := ada.createChannel("general", false)
	m := ada.post(ch.ID, "still here", 0)
	ws.logUntil(isMessage(m.ID))
}

func TestWS_DeactivationClosesWith4003(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ada := ts.signup("ada")
	phone := ada.dialWS("", nil)
	phone.hello(ada.User.ID)
	laptop := ada.dialWS("", nil)
	laptop.hello(ada.User.ID)
	adminWS := admin.dialWS("", nil)
	adminWS.hello(admin.User.ID)

	admin.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%d/deactivate", ada.User.ID), nil, nil)
	for _, ws := range []*wsClient{phone, laptop} {
		if code, _ := ws.closeCode(); code != realtime.CloseRevoked {
			t.Errorf("deactivated user's socket closed with %d, want %d", code, realtime.CloseRevoked)
		}
	}
	refused(t, ada, "", nil, http.StatusUnauthorized, "invalid_token")
	adminWS.ping()
}

func TestWS_RevokingATokenClosesItsSockets(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	var second struct {
		Token string `json:"token"`
	}
	ts.anon().mustJSON(http.StatusOK, "POST", "/api/v1/login", map[string]any{"username": "ada", "password": "password-ada"}, &second)
	other := &client{ts: ts, Token: second.Token, User: ada.User, Header: http.Header{}}
	var pat struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	ada.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "script"}, &pat)

	first := ada.dialWS("", nil)
	first.hello(ada.User.ID)
	otherWS := other.dialWS("", nil)
	otherWS.hello(ada.User.ID)
	script := ts.anon().dialWS("token="+pat.Token, nil)
	script.hello(ada.User.ID)

	// Logging out ends that session's sockets only.
	other.mustJSON(http.StatusNoContent, "POST", "/api/v1/logout", nil, nil)
	if code, _ := otherWS.closeCode(); code != realtime.CloseRevoked {
		t.Errorf("logged-out session's socket closed with %d, want %d", code, realtime.CloseRevoked)
	}
	first.ping()
	script.ping()

	// So does deleting a personal access token.
	ada.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", pat.ID), nil, nil)
	if code, _ := script.closeCode(); code != realtime.CloseRevoked {
		t.Errorf("deleted token's socket closed with %d, want %d", code, realtime.CloseRevoked)
	}
	first.ping()
}

// TestWS_ShutdownLeaksNothing: closing the server closes every socket with
// 1001, and leaves no goroutine behind: not the hub's, not a connection's,
// not a replay's or a presence timer's.
func TestWS_ShutdownLeaksNothing(t *testing.T) {
	// Registered first, so it runs after the server's own clean-up.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	// Small socket buffers, so that a client that does not read holds its
	// replay up; a short write timeout then ends that connection.
	ts := startTestServer(t, func(l net.Listener) net.Listener { return smallBufferListener{l} },
		withHub(func(o *realtime.HubOptions) {
			o.OfflineAfter = 50 * time.Millisecond
			o.AwayAfter = 200 * time.Millisecond
			o.TypingThrottle = 50 * time.Millisecond
			o.PingPeriod = 50 * time.Millisecond
			o.WriteWait = 200 * time.Millisecond
			o.BufferSize = 16
		}))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	text := strings.Repeat("backlog ", 4000) // a frame fills the socket buffers
	for i := range 30 {
		ada.post(ch.ID, fmt.Sprintf("%d %s", i, text), 0)
	}
	ts.settle()

	live := ada.dialWS("", nil)
	live.hello(ada.User.ID)
	typist := bob.dialWS("", nil)
	typist.hello(bob.User.ID)
	typist.send(map[string]any{"type": "typing", "channel_id": ch.ID})
	live.until(isType("typing"))
	gone := bob.dialWS("", nil) // closes at once: a pending offline timer
	gone.hello(bob.User.ID)
	gone.conn.Close()
	// A replay under way, then held up: its client reads no more.
	replaying := bob.dialSmallWS("since=0")
	replaying.hello(bob.User.ID)
	replaying.logUntil(func(f frame) bool { return f.Seq != 0 })
	// Best effort: shut down while the replay waits for buffer room behind
	// a write the client holds up (how much the kernel takes in first
	// varies, so this does not fail when it never happens).
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); <-tick.C {
		buf := make([]byte, 1<<20)
		stacks := buf[:runtime.Stack(buf, true)]
		if bytes.Contains(stacks, []byte("realtime.(*conn).waitRoom")) && bytes.Contains(stacks, []byte("waitWrite")) {
			break
		}
	}

	ts.app.hub.Close()
	for _, ws := range []*wsClient{live, typist} {
		if code, _ := ws.closeCode(); code != websocket.CloseGoingAway {
			t.Errorf("on shutdown the socket closed with %d, want %d", code, websocket.CloseGoingAway)
		}
	}
}
