package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// Resume: with since, every visible event after it, then live, with no gap
// and no duplicate; resync_required when the log no longer reaches back.

// visibleSeqs pages through GET /events after since: the seqs a resume
// from since must deliver, in order.
func (c *client) visibleSeqs(since int64) []int64 {
	c.ts.t.Helper()
	var out []int64
	for {
		var page struct {
			Items      []channels.Event `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/events?since=%d&limit=1000", since), nil, &page)
		if len(page.Items) == 0 {
			return out
		}
		for _, e := range page.Items {
			out = append(out, e.Seq)
		}
		since = page.Items[len(page.Items)-1].Seq
	}
}

func seqsOf(frames []frame) []int64 {
	out := make([]int64, len(frames))
	for i, f := range frames {
		out[i] = f.Seq
	}
	return out
}

// sameSeqs reports the first difference between two seq lists.
func sameSeqs(got, want []int64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d got seq %d, want %d", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d seqs, want %d", len(got), len(want))
	}
	return ""
}

func TestWS_ResumeReplaysEverythingMissedThenGoesLive(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	secret := ada.createChannel("secret", true)

	ws := bob.dialWS("", nil)
	ws.hello(bob.User.ID)
	seen := ada.post(ch.ID, "seen live", 0)
	last := ws.logUntil(isMessage(seen.ID))
	since := last[len(last)-1].Seq
	ws.conn.Close()

	const n = 1000
	posted := make([]int64, 0, n)
	for i := range n {
		posted = append(posted, ada.post(ch.ID, fmt.Sprintf("missed %d", i), 0).ID)
		if i%100 == 0 {
			ada.post(secret.ID, "not for bob", 0) // invisible to bob: never replayed
		}
	}

	again := bob.dialWS("since="+strconv.FormatInt(since, 10), nil)
	again.hello(bob.User.ID)
	replayed := again.logUntil(isMessage(posted[n-1]))
	if len(replayed) != n {
		t.Fatalf("resume replayed %d events, want %d", len(replayed), n)
	}
	for i, f := range replayed {
		if f.Type != "message.created" || dataID(f) != posted[i] {
			t.Fatalf("replayed frame %d = %.200s, want message %d", i, f.Raw, posted[i])
		}
	}
	if diff := sameSeqs(seqsOf(replayed), bob.visibleSeqs(since)); diff != "" {
		t.Fatalf("replay differs from the visible log: %s", diff)
	}

	live := ada.post(ch.ID, "live again", 0)
	got := again.logUntil(isMessage(live.ID))
	checkLog(t, "bob after the replay", got, []wantLog{{"message.created", ch.ID, live.ID}})
	if got[0].Seq <= replayed[n-1].Seq {
		t.Errorf("live seq %d not after the replay's last %d", got[0].Seq, replayed[n-1].Seq)
	}
}

// TestWS_ResumeRacesLivePosts resumes while messages keep coming: the
// switch from replay to live loses and repeats nothing.
func TestWS_ResumeRacesLivePosts(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	for i := range 300 {
		ada.post(ch.ID, fmt.Sprintf("old %d", i), 0)
	}

	const live = 300
	posted := make(chan error, 1)
	go func() {
		url := ts.URL + channelPath(ch.ID, "/messages")
		for i := range live {
			req, _ := http.NewRequest("POST", url, strings.NewReader(fmt.Sprintf(`{"text":"live %d"}`, i)))
			req.Header.Set("Authorization", "Bearer "+ada.Token)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				posted <- err
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				posted <- fmt.Errorf("post %d: status %d", i, res.StatusCode)
				return
			}
		}
		posted <- nil
	}()
	ws := ada.dialWS("since=0", nil)
	ws.hello(ada.User.ID)
	lastText := fmt.Sprintf("live %d", live-1)
	got := ws.logUntil(func(f frame) bool {
		var m channels.Message
		return f.Type == "message.created" && json.Unmarshal(f.Data, &m) == nil && m.Text == lastText
	})
	if err := <-posted; err != nil {
		t.Fatal(err)
	}
	if diff := sameSeqs(seqsOf(got), ada.visibleSeqs(0)); diff != "" {
		t.Fatalf("resume during posting: %s", diff)
	}
}

// socketBuffer returns a dialer Control that shrinks one kernel buffer of
// a TCP socket (which also turns its growth off): a small send buffer on the
// server and a small receive buffer on a client that does not read hold up
// the server's writer after kilobytes instead of megabytes.
func socketBuffer(opt int) func(_, _ string, rc syscall.RawConn) error {
	return func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 4096) })
		return errors.Join(err, serr)
	}
}

// smallBufferListener gives every accepted connection a small send buffer.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		rc, err := tc.SyscallConn()
		if err == nil {
			err = socketBuffer(syscall.SO_SNDBUF)("", "", rc)
		}
		if err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// dialSmallWS dials like dialWS, from a socket with a small receive buffer.
func (c *client) dialSmallWS(query string) *wsClient {
	c.ts.t.Helper()
	d := websocket.Dialer{NetDialContext: (&net.Dialer{Control: socketBuffer(syscall.SO_RCVBUF)}).DialContext, HandshakeTimeout: wsWait}
	u := "ws" + strings.TrimPrefix(c.ts.URL, "http") + "/api/v1/ws"
	if query != "" {
		u += "?" + query
	}
	conn, _, err := d.Dial(u, http.Header{"Authorization": {"Bearer " + c.Token}})
	if err != nil {
		c.ts.t.Fatalf("dial websocket: %v", err)
	}
	c.ts.t.Cleanup(func() { conn.Close() })
	return (&wsClient{t: c.ts.t, conn: conn}).resuming(query)
}

// TestWS_SlowConsumerIsClosedAndResumes: a client that does not read is
// disconnected with 4008 once its buffer is full, never skipped; resuming
// from the last seq it saw gives it the rest, at its own pace (the replay
// does not overflow the same small buffer).
func TestWS_SlowConsumerIsClosedAndResumes(t *testing.T) {
	ts := startTestServer(t, func(l net.Listener) net.Listener { return smallBufferListener{l} },
		withHub(func(o *realtime.HubOptions) {
			o.BufferSize = 16
			o.WriteWait = time.Minute // the writer waits on bob, not on the clock
		}))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)

	slow := bob.dialSmallWS("")
	hello := slow.hello(bob.User.ID)
	setup := ts.logHead()
	// 16 frames in the hub's buffer and some 20 KiB in the sockets' take
	// fewer than 50 of these; bob reads nothing meanwhile.
	const n = 150
	text := strings.Repeat("lorem ipsum ", 100)
	posted := make([]int64, 0, n)
	for i := range n {
		posted = append(posted, ada.post(ch.ID, fmt.Sprintf("%d %s", i, text), 0).ID)
	}

	code, before := slow.closeCode()
	if code != realtime.CloseSlowConsumer {
		t.Fatalf("slow client closed with %d, want %d", code, realtime.CloseSlowConsumer)
	}
	got := after(setup, before)
	if len(got) >= n {
		t.Fatalf("the slow client got all %d messages before the close; the test did not fill its buffer", len(got))
	}
	since := max(hello.Seq, setup)
	if len(got) > 0 {
		since = got[len(got)-1].Seq
	}
	t.Logf("closed after %d of %d messages", len(got), n)

	again := bob.dialSmallWS("since=" + strconv.FormatInt(since, 10))
	again.hello(bob.User.ID)
	got = append(got, again.logUntil(isMessage(posted[n-1]))...)
	if len(got) != n {
		t.Fatalf("before and after the resume bob got %d messages, want %d", len(got), n)
	}
	for i, f := range got {
		if dataID(f) != posted[i] {
			t.Fatalf("message %d is %d, want %d", i, dataID(f), posted[i])
		}
	}
	if diff := sameSeqs(seqsOf(got), bob.visibleSeqs(setup)); diff != "" {
		t.Fatalf("slow client and resume: %s", diff)
	}
	// Live again after the replay.
	live := ada.post(ch.ID, "live", 0)
	checkLog(t, "after the resume", again.logUntil(isMessage(live.ID)), []wantLog{{"message.created", ch.ID, live.ID}})
}

func TestWS_ResyncRequiredWhenTheLogWasPruned(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	for i := range 5 {
		ada.post(ch.ID, fmt.Sprintf("old %d", i), 0)
	}
	kept := ada.post(ch.ID, "newest", 0)
	if _, err := ts.app.svc.Log.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	head := ada.visibleSeqs(0)
	if len(head) != 1 {
		t.Fatalf("after pruning the log holds %v, want only the newest event", head)
	}

	// Older than the log keeps: resync, then live.
	ws := ada.dialWS("since=1", nil)
	ws.hello(ada.User.ID)
	if f := ws.next(wsWait); f.Type != "resync_required" {
		t.Fatalf("frame after hello = %s, want resync_required", f.Raw)
	}
	live := ada.post(ch.ID, "after the resync", 0)
	checkLog(t, "after the resync", after(head[0], ws.logUntil(isMessage(live.ID))), []wantLog{{"message.created", ch.ID, live.ID}})

	// Past the head, a seq this log never had: resync too.
	future := ada.dialWS("since=999999", nil)
	future.hello(ada.User.ID)
	if f := future.next(wsWait); f.Type != "resync_required" {
		t.Fatalf("frame after hello for a since past the head = %s, want resync_required", f.Raw)
	}

	// Just before the oldest kept event: replayed from there, no resync.
	ok := ada.dialWS("since="+strconv.FormatInt(head[0]-1, 10), nil)
	ok.hello(ada.User.ID)
	checkLog(t, "resume from the oldest kept", ok.logUntil(isMessage(live.ID)), []wantLog{
		{"message.created", ch.ID, kept.ID},
		{"message.created", ch.ID, live.ID},
	})
}

func TestWS_ResumeFromTheHeadIsLive(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	ws := ada.dialWS("", nil)
	hello := ws.hello(ada.User.ID)
	ws.conn.Close()
	setup := ts.logHead()

	again := ada.dialWS("since="+strconv.FormatInt(hello.Seq, 10), nil)
	again.hello(ada.User.ID)
	m := ada.post(ch.ID, "live", 0)
	checkLog(t, "resume at the head", after(setup, again.logUntil(isMessage(m.ID))), []wantLog{{"message.created", ch.ID, m.ID}})

	res, err := func() (*http.Response, error) {
		_, res, err := ada.tryDialWS("since=-1", nil)
		return res, err
	}()
	if err == nil || res == nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("since=-1: err %v, response %v; want 400", err, res)
	}
}

// TestWS_ResumeFromRESTHead: a client that loaded state over REST resumes
// from the newest seq it read, which the hub may not have fanned out yet;
// it must not get that event again.
func TestWS_ResumeFromRESTHead(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	for i := range 30 {
		ada.post(ch.ID, fmt.Sprintf("loaded over REST %d", i), 0)
		head, _, err := ts.app.svc.Log.Head(context.Background()) // as GET /events reads it
		if err != nil {
			t.Fatal(err)
		}
		ws := ada.dialWS("since="+strconv.FormatInt(head, 10), nil)
		ws.hello(ada.User.ID)
		m := ada.post(ch.ID, "after the resume", 0)
		got := ws.logUntil(isMessage(m.ID))
		checkLog(t, fmt.Sprintf("round %d, resumed from %d", i, head), got, []wantLog{{"message.created", ch.ID, m.ID}})
		ws.conn.Close()
	}
}
