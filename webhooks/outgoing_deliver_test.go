package webhooks

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// backoff is the first retry delay of the delivery tests: a retry is due
// between backoff/2 and backoff after a first failure.
const backoff = time.Minute

// observed collects the results ObserveAttempt is told.
type observed struct {
	mu      sync.Mutex
	results []string
}

func (o *observed) observe(result string, _ time.Duration) {
	o.mu.Lock()
	o.results = append(o.results, result)
	o.mu.Unlock()
}

func (o *observed) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.results...)
}

// How an attempt's outcome is classified, end to end against a receiver
// on loopback: 2xx is done; other 4xx (and a receiver asking not to be
// retried) fail at once; 5xx, 408, 429, timeouts and refused connections
// are retried after the backoff, or after a longer Retry-After, up to an
// hour.
func TestOutgoing_RetryClassification(t *testing.T) {
	tests := []struct {
		name    string
		reply   replyFunc
		timeout bool // the receiver never answers
		closed  bool // nobody listens at the URL
		state   string
		status  int           // the attempt's status, 0 for no answer
		after   time.Duration // the retry's exact delay; 0: within the backoff
		result  string        // as ObserveAttempt is told
	}{
		{name: "200 is done", reply: answer(200), state: StateSucceeded, status: 200, result: ResultSucceeded},
		{name: "204 is done", reply: answer(204), state: StateSucceeded, status: 204, result: ResultSucceeded},
		{name: "400 is permanent", reply: answer(400), state: StateFailed, status: 400, result: ResultFailed},
		{name: "404 is permanent", reply: answer(404), state: StateFailed, status: 404, result: ResultFailed},
		{name: "410 is permanent", reply: answer(410, "Retry-After", "5"), state: StateFailed, status: 410, result: ResultFailed},
		{name: "500 with X-Slack-No-Retry is permanent", reply: answer(500, "X-Slack-No-Retry", "1"), state: StateFailed, status: 500, result: ResultFailed},
		{name: "500 is retried", reply: answer(500), state: StatePending, status: 500, result: ResultRetrying},
		{name: "503 is retried", reply: answer(503), state: StatePending, status: 503, result: ResultRetrying},
		{name: "408 is retried", reply: answer(408), state: StatePending, status: 408, result: ResultRetrying},
		{name: "429 is retried", reply: answer(429), state: StatePending, status: 429, result: ResultRetrying},
		{name: "a Retry-After past the backoff", reply: answer(503, "Retry-After", "600"), state: StatePending, status: 503,
			after: 10 * time.Minute, result: ResultRetrying},
		{name: "a Retry-After within the backoff", reply: answer(429, "Retry-After", "1"), state: StatePending, status: 429, result: ResultRetrying},
		{name: "a Retry-After of more than an hour", reply: answer(429, "Retry-After", "7200"), state: StatePending, status: 429,
			after: time.Hour, result: ResultRetrying},
		{name: "a timeout is retried", timeout: true, state: StatePending, result: ResultRetrying},
		{name: "a refused connection is retried", closed: true, state: StatePending, result: ResultRetrying},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var obs observed
			timeout := 5 * time.Second
			if tc.timeout {
				timeout = 300 * time.Millisecond
			}
			e := newOutEnvWith(t, OutgoingOptions{Backoff: backoff, ObserveAttempt: obs.observe}, timeout)
			reply := tc.reply
			if tc.timeout {
				stop := make(chan struct{})
				reply = func(int, []byte, http.ResponseWriter) { <-stop }
				defer close(stop) // before the receiver closes, which waits for its handlers
			}
			rc := newReceiver(t, e.clock, reply)
			s := e.subscribe(t, rc, SubscriptionInput{Format: ptr(FormatSlack)})
			if tc.closed {
				rc.srv.Close()
			}
			post(t, e.svc, e.ana, e.general.ID, "hello")
			d := delivery(t, e.out, e.ana, s.ID, "the first attempt", func(d Delivery) bool { return d.AttemptCount > 0 })
			waitUntil(t, "the attempt to be observed", func() bool { return len(obs.all()) > 0 })
			if d.State != tc.state || d.AttemptCount != 1 || len(d.Attempts) != 1 || d.Attempts[0].Status != tc.status {
				t.Fatalf("delivery %+v", d)
			}
			if (d.State == StateSucceeded) != (d.Attempts[0].Error == "") {
				t.Fatalf("attempt error %q", d.Attempts[0].Error)
			}
			if got := obs.all(); len(got) != 1 || got[0] != tc.result {
				t.Fatalf("observed %v, want %s", got, tc.result)
			}
			if tc.state != StatePending {
				if d.NextAttemptAt != nil {
					t.Fatalf("a finished delivery is due again at %d", *d.NextAttemptAt)
				}
				return
			}
			wait := time.UnixMilli(*d.NextAttemptAt).Sub(e.clock.Now()).Truncate(time.Millisecond)
			if tc.after != 0 && wait != tc.after.Truncate(time.Millisecond) ||
				tc.after == 0 && (wait < backoff/2-time.Millisecond || wait > backoff) {
				t.Fatalf("retry due in %v, want %v (0: within the backoff %v)", wait, tc.after, backoff)
			}
		})
	}
}

// A failed delivery is retried only once the clock has passed its retry
// time (the backoff, doubled after each failure), with the same delivery
// id and the retry headers; a pending delivery is not redelivered.
func TestOutgoing_RetryWaitsForTheClock(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{Backoff: backoff})
	rc := newReceiver(t, e.clock, func(n int, _ []byte, w http.ResponseWriter) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	s := e.subscribe(t, rc, SubscriptionInput{})
	post(t, e.svc, e.ana, e.general.ID, "retry me")
	for attempt, window := range []time.Duration{backoff, 2 * backoff} {
		n := attempt + 1
		d := delivery(t, e.out, e.ana, s.ID, fmt.Sprintf("attempt %d", n), func(d Delivery) bool { return d.AttemptCount == n })
		if d.State != StatePending || d.NextAttemptAt == nil {
			t.Fatalf("after attempt %d: %+v", n, d)
		}
		next := time.UnixMilli(*d.NextAttemptAt)
		if wait := next.Sub(e.clock.Now()); wait < window/2-time.Millisecond || wait > window {
			t.Fatalf("retry %d due in %v, want %v to %v", n, wait, window/2, window)
		}
		_, err := e.out.Redeliver(ctx, e.ana, s.ID, d.ID)
		wantCode(t, err, channels.ErrConflict, "delivery_pending")

		// Just before it is due, the queue has nothing to hand out.
		advance(e.out, e.clock, next.Sub(e.clock.Now())-time.Millisecond)
		if due, err := e.out.readDue(ctx); err != nil || len(due) != 0 {
			t.Fatalf("due a millisecond early: %d deliveries, %v", len(due), err)
		}
		if got := len(rc.requests()); got != n {
			t.Fatalf("%d requests before retry %d was due", got, n)
		}
		advance(e.out, e.clock, time.Millisecond)
		got := rc.waitRequests(n + 1)
		if r := got[n]; r.at.Before(next) {
			t.Fatalf("retry %d at %v, before it was due at %v", n, r.at, next)
		}
	}
	d := delivery(t, e.out, e.ana, s.ID, "the delivery to succeed", func(d Delivery) bool { return d.State == StateSucceeded })
	got := rc.requests()
	if d.AttemptCount != 3 || len(got) != 3 || d.Attempts[0].Status != 503 || d.Attempts[2].Status != 200 {
		t.Fatalf("delivery %+v after %d requests", d, len(got))
	}
	for i, r := range got {
		h := r.header
		if h.Get("X-Parley-Delivery") != got[0].header.Get("X-Parley-Delivery") || h.Get("X-Parley-Retry-Num") != fmt.Sprint(i) || !r.verified {
			t.Errorf("request %d: delivery %q, retry %q, signed %v", i+1, h.Get("X-Parley-Delivery"), h.Get("X-Parley-Retry-Num"), r.verified)
		}
		if i > 0 && (h.Get("X-Slack-Retry-Num") != fmt.Sprint(i) || h.Get("X-Slack-Retry-Reason") != "http_error") {
			t.Errorf("retry %d: headers %v", i, h)
		}
	}
	if h := got[0].header; h.Get("X-Slack-Retry-Num") != "" || h.Get("X-Slack-Retry-Reason") != "" {
		t.Errorf("the first attempt carries retry headers: %v", h)
	}
}

// notices are the system bot's DMs to actor.
func notices(t *testing.T, e *outEnv, actor *channels.Actor) []channels.Message {
	t.Helper()
	bot, err := e.svc.SystemBot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.svc.DMWith(context.Background(), actor, bot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if dm == 0 {
		return nil
	}
	return history(t, e.svc, actor, dm)
}

// A subscription is turned off, and its owner told once, when every
// attempt since its last success (or ever) failed and the first of them is
// MaxAge old; permanent failures count too.
func TestOutgoing_AutoDisable(t *testing.T) {
	const maxAge = time.Hour
	tests := []struct {
		name  string
		reply replyFunc
		run   func(t *testing.T, e *outEnv, s *Subscription)
		off   bool   // turned off, with a notice
		last  string // the last failure, as the notice tells it
	}{
		{name: "failing for MaxAge", reply: answer(502), off: true, last: "502", run: func(t *testing.T, e *outEnv, s *Subscription) {
			post(t, e.svc, e.ana, e.general.ID, "into the void")
			delivery(t, e.out, e.ana, s.ID, "a first attempt", func(d Delivery) bool { return d.AttemptCount == 1 })
			advance(e.out, e.clock, 2*maxAge)
			delivery(t, e.out, e.ana, s.ID, "the delivery to fail", func(d Delivery) bool { return d.State == StateFailed })
		}},
		{name: "failing for less than MaxAge", reply: answer(404), run: func(t *testing.T, e *outEnv, s *Subscription) {
			post(t, e.svc, e.ana, e.general.ID, "not found")
			delivery(t, e.out, e.ana, s.ID, "the delivery to fail", func(d Delivery) bool { return d.State == StateFailed })
		}},
		{name: "permanent failures for MaxAge", reply: answer(404), off: true, last: "404", run: func(t *testing.T, e *outEnv, s *Subscription) {
			post(t, e.svc, e.ana, e.general.ID, "not found")
			delivery(t, e.out, e.ana, s.ID, "the delivery to fail", func(d Delivery) bool { return d.State == StateFailed })
			settled(t, e.out)
			advance(e.out, e.clock, maxAge)
			post(t, e.svc, e.ana, e.general.ID, "still not found")
			waitUntil(t, "two failed deliveries", func() bool {
				ds, _, err := e.out.Deliveries(context.Background(), e.ana, s.ID, 0, 10)
				return err == nil && len(ds) == 2 && ds[0].State == StateFailed && ds[1].State == StateFailed
			})
		}},
		{name: "a success since", run: func(t *testing.T, e *outEnv, s *Subscription) {
			post(t, e.svc, e.ana, e.general.ID, "first")
			first := delivery(t, e.out, e.ana, s.ID, "a first attempt", func(d Delivery) bool { return d.AttemptCount == 1 })
			if wait := time.UnixMilli(*first.NextAttemptAt).Sub(e.clock.Now()); wait.Truncate(time.Millisecond) != time.Hour {
				t.Fatalf("retry due in %v, want the hour Retry-After asked for", wait)
			}
			advance(e.out, e.clock, maxAge/2)
			post(t, e.svc, e.ana, e.general.ID, "second")
			waitUntil(t, "the second to succeed", func() bool {
				ds, _, err := e.out.Deliveries(context.Background(), e.ana, s.ID, 0, 10)
				return err == nil && len(ds) == 2 && ds[0].State == StateSucceeded
			})
			advance(e.out, e.clock, maxAge*2/3)
			waitUntil(t, "the first to fail", func() bool {
				ds, _, err := e.out.Deliveries(context.Background(), e.ana, s.ID, 0, 10)
				return err == nil && len(ds) == 2 && ds[1].State == StateFailed && ds[1].AttemptCount == 2
			})
		}, reply: func(_ int, body []byte, w http.ResponseWriter) {
			if !strings.Contains(string(body), "second") {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusBadGateway)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newOutEnv(t, OutgoingOptions{Backoff: backoff, MaxAge: maxAge})
			rc := newReceiver(t, e.clock, tc.reply)
			s := e.subscribe(t, rc, SubscriptionInput{})
			tc.run(t, e, s)
			// Nothing is left that could turn it off or send a notice.
			settled(t, e.out)
			got, err := e.out.Get(context.Background(), e.ana, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			sent := notices(t, e, e.ana)
			if got.Active == tc.off {
				t.Fatalf("active %v, want %v", got.Active, !tc.off)
			}
			if !tc.off {
				if len(sent) != 0 {
					t.Fatalf("notices to the owner: %+v", sent)
				}
				return
			}
			if len(sent) != 1 || !strings.Contains(sent[0].Text, "*hook*") || !strings.Contains(sent[0].Text, tc.last) ||
				!strings.Contains(sent[0].Text, rc.srv.URL) {
				t.Fatalf("notices to the owner: %+v", sent)
			}
		})
	}
}

// Requests are signed with the subscription's secret as Slack signs its
// own; a rotated secret signs the next ones, and the old one no longer
// verifies them.
func TestOutgoing_Signature(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{})
	rc := newReceiver(t, e.clock, nil)
	s, first, err := e.out.Create(ctx, e.ana, SubscriptionInput{Name: ptr("hook"), URL: ptr(rc.srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	rc.setSecret(first)
	post(t, e.svc, e.ana, e.general.ID, "one")
	got := rc.waitRequests(1)
	h := got[0].header
	if !got[0].verified || h.Get("X-Parley-Signature") != h.Get("X-Slack-Signature") ||
		h.Get("X-Parley-Request-Timestamp") != h.Get("X-Slack-Request-Timestamp") ||
		!strings.Contains(string(got[0].body), `"token":"`+s.Token+`"`) {
		t.Fatalf("first request: signed %v, headers %v, body %s", got[0].verified, h, got[0].body)
	}
	_, second, err := e.out.RotateSecret(ctx, e.ana, s.ID)
	if err != nil || second == first || !strings.HasPrefix(second, "pws_") {
		t.Fatalf("rotated to %q, %v", second, err)
	}
	rc.setSecret(second)
	post(t, e.svc, e.ana, e.general.ID, "two")
	got = rc.waitRequests(2)
	if !got[1].verified {
		t.Fatal("the rotated secret does not verify the next request")
	}
	v, err := slack.NewSecretsVerifier(got[1].header, first)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = v.Write(got[1].body)
	if v.Ensure() == nil {
		t.Fatal("the old secret still verifies requests")
	}
}

// Deleting a subscription drops its pending deliveries: they are not
// retried.
func TestOutgoing_DeleteDropsPending(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{Backoff: backoff})
	rc := newReceiver(t, e.clock, answer(503))
	s := e.subscribe(t, rc, SubscriptionInput{})
	post(t, e.svc, e.ana, e.general.ID, "retry me")
	d := delivery(t, e.out, e.ana, s.ID, "a first attempt", func(d Delivery) bool { return d.AttemptCount == 1 })
	if d.State != StatePending {
		t.Fatalf("delivery %+v", d)
	}
	if err := e.out.Delete(ctx, e.ana, s.ID); err != nil {
		t.Fatal(err)
	}
	ds, _, err := e.out.deliveries(ctx, s.ID, 0, 10)
	if err != nil || len(ds) != 1 || ds[0].State != StateFailed {
		t.Fatalf("after deletion: %+v, %v", ds, err)
	}
	// Past its retry time, another subscription's delivery goes out; the
	// dropped one does not.
	advance(e.out, e.clock, 2*backoff)
	other := newReceiver(t, e.clock, nil)
	e.subscribe(t, other, SubscriptionInput{})
	post(t, e.svc, e.ana, e.general.ID, "for the other")
	other.waitRequests(1)
	settled(t, e.out)
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("a deleted subscription's delivery was retried (%d requests)", n)
	}
}
