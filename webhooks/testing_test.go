package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/channelstest"
)

// newTestService opens a migrated database (the core's migrations, then
// this package's) in a temp folder, as cmd/parley's openApp does, and
// returns the core service on it.
func newTestService(t *testing.T) *channels.Service {
	t.Helper()
	return channelstest.Open(t, []channelstest.Migrations{{Component: "webhooks", Files: Migrations()}}).Svc
}

func testLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// signup signs a person up and returns them as an authenticated caller;
// the first one is the admin.
func signup(t *testing.T, svc *channels.Service, name string) *channels.Actor {
	t.Helper()
	return channelstest.Person(t, svc, name)
}

func authenticate(t *testing.T, svc *channels.Service, token string) *channels.Actor {
	t.Helper()
	return channelstest.Caller(t, svc, token)
}

// newBot makes a bot and returns it as the caller its token makes.
func newBot(t *testing.T, svc *channels.Service, name string) *channels.Actor {
	t.Helper()
	_, _, token, err := svc.CreateBot(context.Background(), channels.NewBot{Username: name, TokenName: "test",
		Scopes: []string{channels.ScopeChatWrite}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return authenticate(t, svc, token)
}

// newChannel creates a channel owned by actor.
func newChannel(t *testing.T, svc *channels.Service, actor *channels.Actor, name string, private bool) *channels.Channel {
	t.Helper()
	ch, err := svc.CreateChannel(context.Background(), actor, channels.NewChannel{Name: name, Private: private})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// post posts text into a channel as actor.
func post(t *testing.T, svc *channels.Service, actor *channels.Actor, channelID int64, text string) *channels.Message {
	t.Helper()
	m, _, err := svc.PostMessage(context.Background(), actor, channelID, channels.NewMessage{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// history is a channel's messages as actor sees them, oldest first.
func history(t *testing.T, svc *channels.Service, actor *channels.Actor, channelID int64) []channels.Message {
	t.Helper()
	msgs, _, err := svc.Messages(context.Background(), actor, channelID, channels.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]channels.Message, 0, len(msgs))
	for i := len(msgs) - 1; i >= 0; i-- {
		out = append(out, msgs[i])
	}
	return out
}

// wantCode fails unless err is a channels error (or input error) with code.
func wantCode(t *testing.T, err error, kind error, code string) {
	t.Helper()
	var ce *channels.Error
	var ie *channels.InputError
	switch {
	case err == nil:
		t.Fatalf("no error, want %s", code)
	case errors.As(err, &ie):
		if kind != nil || ie.Code != code {
			t.Fatalf("input error %s (%v), want %v %s", ie.Code, err, kind, code)
		}
	case errors.As(err, &ce):
		if !errors.Is(err, kind) || ce.Code != code {
			t.Fatalf("error %s (%v), want %v %s", ce.Code, err, kind, code)
		}
	default:
		t.Fatalf("error %v, want %v %s", err, kind, code)
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// testClock is a clock that moves only when told to. It starts clockLead
// ahead of the real time, on a whole millisecond, so that nothing a test
// checks can hold by the real time alone.
type testClock = channelstest.Clock

// clockLead is how far ahead of the real time a testClock starts; a test
// takes less than that, and a delivery's age (from when it was queued)
// is that much more than the clock was moved.
const clockLead = time.Minute

func newTestClock() *testClock {
	return channelstest.NewClock(time.Now().Add(clockLead).Truncate(time.Millisecond))
}

// startOutgoing starts the outgoing webhooks service on svc with a sender
// that may reach 127.0.0.1 (and no other loopback address) and gives up on
// a request after timeout, as cmd/parley's startOutgoing does; opts.Now
// defaults to a testClock, returned too.
func startOutgoing(t *testing.T, svc *channels.Service, opts OutgoingOptions, timeout time.Duration) (*Outgoing, *testClock) {
	t.Helper()
	sender, err := NewSender(SenderOptions{Allow: []string{"127.0.0.1"}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	clock := newTestClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	out := NewOutgoing(svc, sender, testLogger(), opts)
	if err := out.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(out.Close)
	return out, clock
}

// advance moves the clock on and wakes the workers, so that what came due
// is attempted now rather than at the feeder's next look.
func advance(o *Outgoing, c *testClock, d time.Duration) {
	c.Advance(d)
	o.wakeWorkers()
}

// settled waits until nothing queued is pending or with a worker.
func settled(t *testing.T, o *Outgoing) {
	t.Helper()
	waitUntil(t, "the deliveries to settle", func() bool {
		st, err := o.Stats(context.Background())
		return err == nil && st.Pending == 0 && st.InFlight == 0
	})
}

// receiver is an outgoing webhook target on loopback: it answers the
// url_verification handshake (counting them), records every other request
// with the service clock's time, checks its signature against the secret
// it was told, and answers with reply (200 and no body when nil).
type receiver struct {
	t          *testing.T
	srv        *httptest.Server
	clock      *testClock // nil: requests are not timed
	handshakes atomic.Int32
	mu         sync.Mutex
	secret     string // verifies requests
	got        []received
	reply      replyFunc
}

// replyFunc answers the nth request (from 1) to a receiver, whose body is
// body.
type replyFunc func(n int, body []byte, w http.ResponseWriter)

type received struct {
	header   http.Header
	body     []byte
	at       time.Time // the service clock's time
	verified bool      // the signature matched the secret
}

func newReceiver(t *testing.T, clock *testClock, reply replyFunc) *receiver {
	rc := &receiver{t: t, clock: clock, reply: reply}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var hs struct{ Type, Challenge string }
		if json.Unmarshal(body, &hs) == nil && hs.Type == "url_verification" {
			rc.handshakes.Add(1)
			_, _ = w.Write([]byte(hs.Challenge))
			return
		}
		rec := received{header: r.Header.Clone(), body: body}
		if rc.clock != nil {
			rec.at = rc.clock.Now()
		}
		rc.mu.Lock()
		secret := rc.secret
		rc.mu.Unlock()
		if v, err := slack.NewSecretsVerifier(r.Header, secret); err == nil {
			_, _ = v.Write(body)
			rec.verified = v.Ensure() == nil
		}
		rc.mu.Lock()
		rc.got = append(rc.got, rec)
		n, reply := len(rc.got), rc.reply
		rc.mu.Unlock()
		if reply != nil {
			reply(n, body, w)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) setSecret(s string) {
	rc.mu.Lock()
	rc.secret = s
	rc.mu.Unlock()
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// waitRequests waits until rc has received n requests and returns them.
func (rc *receiver) waitRequests(n int) []received {
	rc.t.Helper()
	waitUntil(rc.t, "requests to the receiver", func() bool { return len(rc.requests()) >= n })
	return rc.requests()
}

// answer replies with a status (and headers) to every request.
func answer(status int, header ...string) replyFunc {
	return func(_ int, _ []byte, w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
	}
}

// delivery waits until the one delivery of a subscription satisfies cond
// and returns it.
func delivery(t *testing.T, o *Outgoing, actor *channels.Actor, webhookID int64, what string, cond func(Delivery) bool) Delivery {
	t.Helper()
	var d Delivery
	waitUntil(t, what, func() bool {
		ds, _, err := o.Deliveries(context.Background(), actor, webhookID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 {
			return false
		}
		d = ds[0]
		return cond(d)
	})
	return d
}

// ptr returns a pointer to v, for the optional fields of inputs.
func ptr[T any](v T) *T { return &v }
