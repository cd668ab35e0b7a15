package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The webhook-out workload: a healthy receiver in this process is
// subscribed to one channel through one event-format outgoing webhook;
// posters post through the API and the receiver notes when each delivery
// arrives. It reports deliveries/s (first post to last delivery) and the
// latency from a post's acknowledgement to its delivery, and checks that
// every message is delivered exactly once. Posting at the rate of 8
// clients bounds that rate, so a second phase measures how fast a backlog
// drains: the receiver holds its requests while more messages are posted
// and queued, then answers them all.

const benchOutPosters = 8

// benchReceiver is the subscribed receiver: message number n (its text is
// "out n") arrives at arrived[n] (UnixNano), got[n] times.
type benchReceiver struct {
	arrived []atomic.Int64
	got     []atomic.Int32
	count   atomic.Int64 // deliveries received, duplicates included
	strange atomic.Int64 // requests that were no delivery of ours
	last    atomic.Int64 // UnixNano of the latest delivery
	// gate, while set, holds deliveries until it is closed.
	gate atomic.Pointer[chan struct{}]
}

func (rc *benchReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if g := rc.gate.Load(); g != nil {
		select {
		case <-*g:
		case <-r.Context().Done():
			return // the sender gave up: a retry will come
		}
	}
	now := time.Now().UnixNano()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var in struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Event     struct {
			Text string `json:"text"`
		} `json:"event"`
	}
	if json.Unmarshal(body, &in) != nil {
		rc.strange.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if in.Type == "url_verification" {
		_, _ = io.WriteString(w, in.Challenge)
		return
	}
	n, err := strconv.Atoi(strings.TrimPrefix(in.Event.Text, "out "))
	if err != nil || n < 0 || n >= len(rc.got) {
		rc.strange.Add(1)
		return // 200 all the same: not worth a retry
	}
	if rc.got[n].Add(1) == 1 {
		rc.arrived[n].Store(now)
	}
	rc.count.Add(1)
	for {
		l := rc.last.Load()
		if now <= l || rc.last.CompareAndSwap(l, now) {
			break
		}
	}
}

// received counts the distinct messages in [from, to) that arrived.
func (rc *benchReceiver) received(from, to int) int {
	n := 0
	for i := from; i < to; i++ {
		if rc.got[i].Load() > 0 {
			n++
		}
	}
	return n
}

// waitReceived waits until every message in [from, to) arrived, or
// until timeout, and returns how many did.
func (rc *benchReceiver) waitReceived(ctx context.Context, from, to int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		n := rc.received(from, to)
		if n == to-from || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func benchWebhookOut(ctx context.Context, env *benchEnv) (benchResult, error) {
	var (
		channelID int64
		tokens    []string
	)
	err := env.seed(ctx, env.tmp, func(w *Workspace) (err error) {
		_, tokens, err = seedUsers(ctx, w, "poster", benchOutPosters)
		if err != nil {
			return err
		}
		channelID, err = seedChannel(ctx, w, "bench", tokens)
		return err
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("seed: %w", err)
	}

	warm := env.size(benchOutPosters, benchOutPosters*25, benchOutPosters*50)
	total := env.size(100, 3_000, 20_000)
	// The backlog is posted while the receiver holds the first requests,
	// which must not time out meanwhile (the sender waits 10 s).
	backlog := env.size(50, 1_000, 2_000)
	all := warm + total + backlog
	rc := &benchReceiver{arrived: make([]atomic.Int64, all), got: make([]atomic.Int32, all)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return benchResult{}, fmt.Errorf("receiver: %w", err)
	}
	hs := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	srv, err := env.startServer(ctx, env.tmp, "--webhook-allow-hosts", "127.0.0.1")
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()
	hc := benchHTTP(benchOutPosters)
	defer hc.CloseIdleConnections()

	sub, err := json.Marshal(map[string]any{"url": "http://" + ln.Addr().String() + "/events", "name": "bench",
		"channel_ids": []int64{channelID}})
	if err != nil {
		return benchResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", srv.base+"/api/v1/outgoing-webhooks", strings.NewReader(string(sub)))
	if err != nil {
		return benchResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tokens[0])
	if err := call(hc, req, func(status int, _ []byte) bool { return status == http.StatusCreated }); err != nil {
		return benchResult{}, fmt.Errorf("create the outgoing webhook: %w", err)
	}

	acked := make([]int64, all) // UnixNano of each post's answer
	post := func(ctx context.Context, g, n int) error {
		body := fmt.Sprintf(`{"text":"out %d"}`, n)
		req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, channelID),
			strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tokens[g])
		if err := call(hc, req, func(status int, _ []byte) bool { return status == http.StatusCreated }); err != nil {
			return err
		}
		acked[n] = time.Now().UnixNano()
		return nil
	}

	// Warm up: the first deliveries open the sender's connections.
	st := drive(ctx, &benchEnv{progress: func(int64, int64) {}}, warm, benchOutPosters, post)
	if st.errors > 0 {
		return benchResult{}, fmt.Errorf("warm-up: %d errors, first: %v", st.errors, st.firstErr)
	}
	if got := rc.waitReceived(ctx, 0, warm, 30*time.Second); got < warm {
		return benchResult{}, fmt.Errorf("warm-up: %d of %d deliveries arrived within 30 s", got, warm)
	}

	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	start := time.Now()
	st = drive(ctx, env, total, benchOutPosters, func(ctx context.Context, g, i int) error { return post(ctx, g, warm+i) })
	// Every acknowledged post must arrive; the wait is bounded.
	undelivered := func() (n int) {
		for i := warm; i < warm+total; i++ {
			if acked[i] != 0 && rc.got[i].Load() == 0 {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); undelivered() > 0 && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(2 * time.Millisecond)
	}
	res := benchResult{Unit: "deliveries/s", Errors: st.errors}
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	drainRate, drainErr := benchOutBacklog(ctx, srv, rc, warm+total, backlog, post)
	// A short grace period lets a duplicate show.
	time.Sleep(100 * time.Millisecond)

	var (
		lat                 []time.Duration
		missing, duplicates int64
		delivered, posted   int64
		lastArrival         int64
	)
	for i := warm; i < warm+total; i++ {
		n := rc.got[i].Load()
		if n > 1 {
			duplicates += int64(n - 1)
		}
		if acked[i] != 0 {
			posted++
		}
		if n == 0 {
			if acked[i] != 0 {
				missing++
			}
			continue
		}
		delivered++
		at := rc.arrived[i].Load()
		lastArrival = max(lastArrival, at)
		if acked[i] != 0 {
			// A delivery may beat the post's answer to this process.
			lat = append(lat, max(0, time.Duration(at-acked[i])))
		}
	}
	for i := warm + total; i < all; i++ {
		if n := rc.got[i].Load(); n > 1 {
			duplicates += int64(n - 1)
		}
	}
	res.Ops = delivered
	if elapsed := time.Duration(lastArrival - start.UnixNano()); lastArrival > 0 && elapsed > 0 {
		res.Seconds = elapsed.Seconds()
		res.Throughput = float64(delivered) / elapsed.Seconds()
	}
	res.P50, res.P99, res.Max = latencyMillis(lat)
	// How fast the posters got their answers, and how long the last
	// deliveries took after the last answer: which side limited the run.
	lastAck := int64(0)
	for i := warm; i < warm+total; i++ {
		lastAck = max(lastAck, acked[i])
	}
	res.Extra = map[string]float64{"missing": float64(missing), "duplicates": float64(duplicates),
		"posted": float64(posted), "foreign_requests": float64(rc.strange.Load()),
		"posts_per_s": float64(posted) / st.elapsed.Seconds(), "drain_ms": max(0, ms(time.Duration(lastArrival-lastAck))),
		"backlog_deliveries_per_s": drainRate}
	if st.firstErr != nil {
		fmt.Fprintf(env.log, "  first post error: %v\n", st.firstErr)
	}
	errs := []error{drainErr}
	if missing > 0 {
		errs = append(errs, fmt.Errorf("%d of %d acknowledged posts were not delivered within 30 s of the last post", missing, posted))
	}
	if duplicates > 0 {
		errs = append(errs, fmt.Errorf("%d deliveries arrived more than once", duplicates))
	}
	if n := rc.strange.Load(); n > 0 {
		errs = append(errs, fmt.Errorf("the receiver got %d requests that were no delivery of this run", n))
	}
	return res, errors.Join(errs...)
}

// benchOutBacklog posts n messages (numbers from..from+n-1) while the
// receiver holds the deliveries, waits until the server has queued them
// all, lets them go and returns how fast they arrived (deliveries/s).
func benchOutBacklog(ctx context.Context, srv *benchServer, rc *benchReceiver, from, n int,
	post func(ctx context.Context, g, n int) error) (float64, error) {
	gate := make(chan struct{})
	rc.gate.Store(&gate)
	opened := false
	open := func() {
		if !opened {
			rc.gate.Store(nil)
			close(gate)
			opened = true
		}
	}
	defer open()
	st := drive(ctx, &benchEnv{progress: func(int64, int64) {}}, n, benchOutPosters,
		func(ctx context.Context, g, i int) error { return post(ctx, g, from+i) })
	if st.errors > 0 {
		return 0, fmt.Errorf("backlog: %d posts failed, first: %v", st.errors, st.firstErr)
	}
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		pending, err := benchMetric(hc, srv.metricsBase, "parley_webhook_deliveries_pending")
		if err != nil {
			return 0, fmt.Errorf("backlog: %w", err)
		}
		if pending >= float64(n) {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return 0, fmt.Errorf("backlog: %v of %d deliveries queued after 5 s", pending, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	open()
	if got := rc.waitReceived(ctx, from, from+n, 30*time.Second); got < n {
		return 0, fmt.Errorf("backlog: %d of %d deliveries arrived within 30 s", got, n)
	}
	var last int64
	for i := from; i < from+n; i++ {
		last = max(last, rc.arrived[i].Load())
	}
	return float64(n) / time.Duration(last-start.UnixNano()).Seconds(), nil
}

// benchMetric reads one unlabelled series of the server's /metrics, served
// at base (--metrics-listen).
func benchMetric(hc *http.Client, base, name string) (float64, error) {
	res, err := hc.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics (status %d)", name, res.StatusCode)
}
