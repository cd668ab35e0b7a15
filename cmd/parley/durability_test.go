package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// TestDurability_SIGKILLMidStream posts from several goroutines to the real
// binary, kills it with SIGKILL while the posts are still coming in, restarts
// it on the same data folder and checks that every acknowledged post survived,
// in order, each with exactly one message.created event.
func TestDurability_SIGKILLMidStream(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping durability test in -short mode: it builds the binary and kills it mid-stream")
	}
	const (
		posters     = 8
		perPoster   = 500 // upper bound; the kill normally stops them far earlier
		killAfter   = 300 // acknowledged posts before SIGKILL
		httpTimeout = 10 * time.Second
	)
	bin := durBuildBinary(t)
	dataDir := t.TempDir()
	client := &http.Client{Timeout: httpTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: posters}}
	t.Cleanup(client.CloseIdleConnections)

	p := durStart(t, bin, dataDir)
	session, ch := durSignupWithChannel(t, client, p.base, "durable")

	// Each poster posts "g<G>-m<M>" in sequence and records what was acknowledged.
	type ack struct {
		id   int64
		text string
	}
	acked := make([][]ack, posters)
	var total atomic.Int64
	killNow := make(chan struct{})
	var killOnce sync.Once
	var wg sync.WaitGroup
	postURL := fmt.Sprintf("%s/api/v1/channels/%d/messages", p.base, ch.ID)
	for g := 0; g < posters; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for m := 0; m < perPoster; m++ {
				text := fmt.Sprintf("g%d-m%d", g, m)
				var msg channels.Message
				st, err := durCall(client, "POST", postURL, session.Token, map[string]any{"text": text}, &msg)
				if err != nil {
					return // the server is gone; the outcome of this post is unknown
				}
				if st != http.StatusCreated {
					t.Errorf("post %s: status %d before the kill", text, st)
					return
				}
				if msg.Text != text || msg.ID == 0 {
					t.Errorf("post %s: got message %d %q", text, msg.ID, msg.Text)
					return
				}
				acked[g] = append(acked[g], ack{msg.ID, text})
				if total.Add(1) == killAfter {
					killOnce.Do(func() { close(killNow) })
				}
			}
		}(g)
	}
	posted := make(chan struct{})
	go func() { wg.Wait(); close(posted) }()

	select {
	case <-killNow:
	case <-posted:
		// Every poster ended before reaching killAfter: only possible on errors.
	case <-time.After(2 * time.Minute):
		t.Fatalf("only %d posts acknowledged after 2 minutes", total.Load())
	}
	p.kill() // SIGKILL, with the posters still running
	select {
	case <-posted:
	case <-time.After(2 * httpTimeout):
		t.Fatalf("posters did not stop after the kill")
	}
	if t.Failed() {
		t.FailNow()
	}
	ackCount := int(total.Load())
	if ackCount < killAfter {
		t.Fatalf("only %d posts acknowledged before the posters stopped, want at least %d", ackCount, killAfter)
	}
	if ackCount == posters*perPoster {
		t.Logf("warning: every post finished before the kill landed; raise perPoster")
	}
	t.Logf("%d posts acknowledged before SIGKILL", ackCount)

	// Restart on the same data folder; the session token must still work.
	p = durStart(t, bin, dataDir)
	stored := durAllMessages(t, client, p.base, session.Token, ch.ID)
	events := durAllEvents(t, client, p.base, session.Token)

	byText := make(map[string]channels.Message, len(stored))
	storedIDs := make(map[int64]channels.Message, len(stored))
	for _, m := range stored {
		if prev, dup := byText[m.Text]; dup {
			t.Errorf("text %q stored twice (ids %d and %d)", m.Text, prev.ID, m.ID)
		}
		byText[m.Text] = m
		storedIDs[m.ID] = m
	}

	// Every acknowledged post is there with the id it was acknowledged with,
	// and each poster's posts got increasing ids.
	for g, list := range acked {
		var last int64
		for _, a := range list {
			m, ok := byText[a.text]
			switch {
			case !ok:
				t.Errorf("acknowledged message %q (id %d) is missing after the restart", a.text, a.id)
			case m.ID != a.id:
				t.Errorf("message %q has id %d, acknowledged as %d", a.text, m.ID, a.id)
			}
			if a.id <= last {
				t.Errorf("poster %d: id %d of %q acknowledged after id %d", g, a.id, a.text, last)
			}
			last = a.id
		}
	}
	// Stored posts of one poster (acknowledged or not) are in posting order.
	sort.Slice(stored, func(i, j int) bool { return stored[i].ID < stored[j].ID })
	lastSeq := make(map[int]int)
	for _, m := range stored {
		var g, n int
		if _, err := fmt.Sscanf(m.Text, "g%d-m%d", &g, &n); err != nil {
			t.Errorf("unexpected message %d %q", m.ID, m.Text)
			continue
		}
		if prev, ok := lastSeq[g]; ok && n <= prev {
			t.Errorf("poster %d: %q (id %d) stored after m%d", g, m.Text, m.ID, prev)
		}
		lastSeq[g] = n
	}

	// The event log: seq strictly increasing, exactly one message.created per
	// stored message, none for a message that is not stored.
	created := make(map[int64]int64) // message id -> seq
	var prevSeq int64
	for _, ev := range events {
		if ev.Seq <= prevSeq {
			t.Errorf("event seq %d follows %d", ev.Seq, prevSeq)
		}
		prevSeq = ev.Seq
		if ev.Type != channels.EventMessageCreated {
			continue
		}
		var data struct {
			ID   int64  `json:"id"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Errorf("event %d: decode payload %s: %v", ev.Seq, ev.Data, err)
			continue
		}
		if seq, dup := created[data.ID]; dup {
			t.Errorf("message %d has two message.created events (seq %d and %d)", data.ID, seq, ev.Seq)
		}
		created[data.ID] = ev.Seq
		m, ok := storedIDs[data.ID]
		if !ok {
			t.Errorf("event %d announces message %d %q, which is not stored", ev.Seq, data.ID, data.Text)
		} else if m.Text != data.Text {
			t.Errorf("event %d: text %q, stored message has %q", ev.Seq, data.Text, m.Text)
		}
	}
	for _, m := range stored {
		if _, ok := created[m.ID]; !ok {
			t.Errorf("message %d %q has no message.created event", m.ID, m.Text)
		}
	}
	t.Logf("after restart: %d messages stored (%d acknowledged), %d events", len(stored), ackCount, len(events))

	// The restarted server takes new posts after everything that survived.
	var next channels.Message
	if st, err := durCall(client, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", p.base, ch.ID),
		session.Token, map[string]any{"text": "after restart"}, &next); err != nil || st != http.StatusCreated {
		t.Fatalf("post after restart: status %d, err %v", st, err)
	}
	if len(stored) > 0 && next.ID <= stored[len(stored)-1].ID {
		t.Errorf("post after restart got id %d, not after %d", next.ID, stored[len(stored)-1].ID)
	}
}

// durBuildBinary builds the parley binary into a temp folder.
func durBuildBinary(t testing.TB) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build parley with: %v", err)
		}
	}
	bin := filepath.Join(t.TempDir(), "parley")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-tags", "sqlite_fts5", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// durProcess is a running parley binary.
type durProcess struct {
	base   string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
	log    *durLog
}

// kill sends SIGKILL and waits for the process to be gone. It is safe to
// call more than once.
func (p *durProcess) kill() {
	p.once.Do(func() { _ = p.cmd.Process.Kill() })
	<-p.exited
}

// durStart runs `parley serve` on dataDir and waits for its listening line.
// The process is killed when the test ends.
func durStart(t testing.TB, bin, dataDir string, extra ...string) *durProcess {
	t.Helper()
	log := &durLog{addr: make(chan string, 1)}
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
		"--bcrypt-cost", "4", "--rate-limit", "0", "--open-signup"}, extra...)
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARLEY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout = log
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start parley: %v", err)
	}
	p := &durProcess{cmd: cmd, exited: make(chan struct{}), log: log}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("parley log (pid %d):\n%s", cmd.Process.Pid, log.String())
		}
	})
	select {
	case addr := <-log.addr:
		p.base = "http://" + addr
	case <-p.exited:
		t.Fatalf("parley exited before listening: %v\n%s", cmd.ProcessState, log.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("parley did not log its address within 30s:\n%s", log.String())
	}
	return p
}

// durLog keeps a process's output and reports the address of its
// "msg=listening addr=HOST:PORT" line.
type durLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	line []byte
	addr chan string
	sent bool
}

func (l *durLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	l.line = append(l.line, b...)
	for {
		i := bytes.IndexByte(l.line, '\n')
		if i < 0 {
			break
		}
		line := string(l.line[:i])
		l.line = l.line[i+1:]
		if l.sent || !strings.Contains(line, "msg=listening") {
			continue
		}
		if addr, ok := logAddr(line); ok {
			l.addr <- addr
			l.sent = true
		}
	}
	return len(b), nil
}

// logAddr is the addr= field of a server's log line.
func logAddr(line string) (string, bool) {
	for _, field := range strings.Fields(line) {
		if addr, ok := strings.CutPrefix(field, "addr="); ok {
			return addr, true
		}
	}
	return "", false
}

func (l *durLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// durCall sends a JSON request and decodes a JSON answer into out. err is set
// only when no HTTP answer arrived.
func durCall(c *http.Client, method, target, token string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("decode %s: %w", raw, err)
		}
	}
	return res.StatusCode, nil
}

// durAllMessages pages through every top-level message of a channel.
func durAllMessages(t *testing.T, c *http.Client, base, token string, channelID int64) []channels.Message {
	t.Helper()
	var all []channels.Message
	before := ""
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatalf("messages: no end after %d pages", page)
		}
		q := url.Values{"limit": {"200"}}
		if before != "" {
			q.Set("before", before)
		}
		var list channels.List[channels.Message]
		u := fmt.Sprintf("%s/api/v1/channels/%d/messages?%s", base, channelID, q.Encode())
		if st, err := durCall(c, "GET", u, token, nil, &list); err != nil || st != http.StatusOK {
			t.Fatalf("GET %s: status %d, err %v", u, st, err)
		}
		all = append(all, list.Items...)
		if list.NextCursor == "" {
			return all
		}
		before = list.NextCursor
	}
}

// durAllEvents reads the event log from the start.
func durAllEvents(t *testing.T, c *http.Client, base, token string) []channels.Event {
	t.Helper()
	var all []channels.Event
	var since int64
	for page := 0; ; page++ {
		if page > 10000 {
			t.Fatalf("events: no end after %d pages", page)
		}
		var list channels.List[channels.Event]
		u := fmt.Sprintf("%s/api/v1/events?since=%d&limit=1000", base, since)
		if st, err := durCall(c, "GET", u, token, nil, &list); err != nil || st != http.StatusOK {
			t.Fatalf("GET %s: status %d, err %v", u, st, err)
		}
		if len(list.Items) == 0 {
			return all
		}
		all = append(all, list.Items...)
		next, err := strconv.ParseInt(list.NextCursor, 10, 64)
		if err != nil || next <= since {
			t.Fatalf("events: cursor %q does not move on from %d", list.NextCursor, since)
		}
		since = next
	}
}

// durSession is a signed-up user of a running binary.
type durSession struct {
	Token string `json:"token"`
}

// durSignupWithChannel signs up the first user (ada) of a running binary and
// creates a public channel.
func durSignupWithChannel(t testing.TB, client *http.Client, base, channel string) (durSession, channels.Channel) {
	t.Helper()
	var session durSession
	if st, err := durCall(client, "POST", base+"/api/v1/signup", "",
		map[string]any{"username": "ada", "password": "password-ada"}, &session); err != nil || st != http.StatusCreated {
		t.Fatalf("signup: status %d, err %v", st, err)
	}
	var ch channels.Channel
	if st, err := durCall(client, "POST", base+"/api/v1/channels", session.Token,
		map[string]any{"name": channel}, &ch); err != nil || st != http.StatusCreated {
		t.Fatalf("create channel: status %d, err %v", st, err)
	}
	return session, ch
}
