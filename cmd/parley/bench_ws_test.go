package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/channels"
)

// Fan-out workload: one public channel, fanListeners members each holding one
// WebSocket. Phase A posts fanPacedPosts messages at fanPacedRate posts/s;
// phase B posts fanFastPosts from fanFastPosters closed-loop posters as fast
// as the server answers.
const (
	fanListeners    = 1000
	fanPacedPosts   = 1000
	fanPacedPosters = 8 // users posting in phase A, in turn
	fanFastPosts    = 2000
	fanFastPosters  = 4
	// fanStall is how long a phase may go without a single new delivery
	// before it gives up and counts what is missing.
	fanStall = 30 * time.Second
)

// fanPacedRate is phase A's pace in posts/s: 200 unless
// PARLEY_BENCH_FANOUT_RATE says otherwise (to trace latency against load).
var fanPacedRate = func() int {
	if n, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_FANOUT_RATE")); err == nil && n > 0 {
		return n
	}
	return 200
}()

// BenchmarkFanout measures the realtime gateway with fanListeners WebSocket
// clients in one public channel of a real server on loopback (durable commits,
// no rate limit); the load generator, the clients and the server share the
// machine. One iteration is a fixed workload:
//
//   - phase A: fanPacedPosts posts through the HTTP API at fanPacedRate
//     posts/s, open loop (each post starts on time, whatever the earlier ones
//     are doing); every listener records post-to-receive latency (the send
//     time is in the message text) → p50_ms, p99_ms; a_posts/s is the pace
//     achieved and a_post_p99_ms the p99 of the POST requests themselves.
//   - phase B: fanFastPosts posts from fanFastPosters concurrent posters as
//     fast as the server accepts them → deliveries/s = message.created frames
//     received by all listeners / (last delivery − first post); b_posts/s is
//     how fast the posts were accepted, b_post_p50_ms the median POST, and
//     b_p50_ms / b_p99_ms the post-to-receive latency.
//
// Both phases check that every listener gets every message.created exactly
// once, in increasing seq order, with the same seq everywhere; missing counts
// the (listener, message) pairs never delivered and fails the benchmark when
// not 0. A listener closed as a slow consumer (4008) resumes with since like a
// real client; resumes counts those reconnections.
func BenchmarkFanout(b *testing.B) {
	f := newFanout(b)
	defer f.stop()

	var latA, latB, postA, postB []int64
	var missing, deliveries int64
	var elapsedB, sendA, sendB time.Duration
	resumes0 := f.resumes()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := f.runPhase(2*i, fanPacedPosts, 0)
		latA = append(latA, a.latencies()...)
		postA = append(postA, a.postLat...)
		missing += a.missing()
		sendA += a.sendElapsed

		p := f.runPhase(2*i+1, fanFastPosts, fanFastPosters)
		latB = append(latB, p.latencies()...)
		postB = append(postB, p.postLat...)
		missing += p.missing()
		deliveries += p.delivered()
		elapsedB += p.lastDelivery.Sub(p.firstPost)
		sendB += p.sendElapsed
		if b.Failed() || missing > 0 {
			break
		}
	}
	b.StopTimer()

	for _, l := range [][]int64{latA, latB, postA, postB} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	b.ReportMetric(fanPct(latA, 0.50), "p50_ms")
	b.ReportMetric(fanPct(latA, 0.99), "p99_ms")
	b.ReportMetric(float64(deliveries)/elapsedB.Seconds(), "deliveries/s")
	b.ReportMetric(float64(missing), "missing")
	b.ReportMetric(float64(f.resumes()-resumes0), "resumes")
	b.ReportMetric(float64(b.N*fanPacedPosts)/sendA.Seconds(), "a_posts/s")
	b.ReportMetric(fanPct(postA, 0.99), "a_post_p99_ms")
	b.ReportMetric(float64(b.N*fanFastPosts)/sendB.Seconds(), "b_posts/s")
	b.ReportMetric(fanPct(postB, 0.50), "b_post_p50_ms")
	b.ReportMetric(fanPct(latB, 0.50), "b_p50_ms")
	b.ReportMetric(fanPct(latB, 0.99), "b_p99_ms")
	if missing > 0 {
		b.Errorf("%d (listener, message) deliveries missing", missing)
	}
}

// fanPct is the p-quantile of sorted nanosecond latencies, in milliseconds.
func fanPct(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Millisecond)
}

// fanout is the server, the channel and the listeners.
type fanout struct {
	b       *testing.B
	ts      *testServer
	ch      channels.Channel
	tokens  []string // one per listener; the first few also post
	wsURL   string
	postURL string
	hc      *http.Client
	dialer  *websocket.Dialer

	listeners []*fanListener
	wg        sync.WaitGroup
	stopping  atomic.Bool
	cur       atomic.Pointer[fanPhase]

	errMu sync.Mutex
	errs  []error
}

func (f *fanout) fail(err error) {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	if len(f.errs) < 20 {
		f.errs = append(f.errs, err)
	}
}

// checkErrs fails the benchmark with the errors listeners and posters met.
func (f *fanout) checkErrs() {
	f.errMu.Lock()
	errs := f.errs
	f.errs = nil
	f.errMu.Unlock()
	for _, err := range errs {
		f.b.Error(err)
	}
	if len(errs) > 0 {
		f.b.FailNow()
	}
}

func (f *fanout) resumes() int64 {
	var n int64
	for _, l := range f.listeners {
		n += l.resumes.Load()
	}
	return n
}

// newFanout starts the server, makes the users (through the service: sign-up
// is limited per IP), joins them to one public channel and connects one
// listener each.
func newFanout(b *testing.B) *fanout {
	ts := newTestServer(b, func(c *Config) {
		c.SQLiteSync = "full"
		c.RateLimit = 0
	})
	f := &fanout{b: b, ts: ts,
		wsURL: "ws" + strings.TrimPrefix(ts.URL, "http") + "/api/v1/ws",
		hc: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}},
		dialer: &websocket.Dialer{HandshakeTimeout: 15 * time.Second, ReadBufferSize: 16 << 10, WriteBufferSize: 1024},
	}
	b.Cleanup(f.hc.CloseIdleConnections)
	ctx := context.Background()
	f.tokens = make([]string, fanListeners)
	bwParallel(b, fanListeners, 8, func(i int) error {
		name := fmt.Sprintf("fan%d", i)
		if _, err := ts.app.svc.CreateUser(ctx, name, "password-"+name, i == 0); err != nil {
			return err
		}
		_, token, err := ts.app.svc.CreateTokenFor(ctx, name, "bench")
		f.tokens[i] = token
		return err
	})
	owner := &client{ts: ts, Token: f.tokens[0], Header: http.Header{}}
	f.ch = owner.createChannel("fanout", false)
	f.postURL = fmt.Sprintf("%s/api/v1/channels/%d/messages", ts.URL, f.ch.ID)
	joinURL := fmt.Sprintf("%s/api/v1/channels/%d/join", ts.URL, f.ch.ID)
	bwParallel(b, fanListeners-1, 8, func(i int) error {
		st, err := durCall(f.hc, "POST", joinURL, f.tokens[i+1], nil, nil)
		if err == nil && st != http.StatusOK {
			err = fmt.Errorf("join: status %d", st)
		}
		return err
	})

	// Connect everyone. Each connection makes its user online, which is
	// pushed to everyone already connected (about 500,000 presence frames
	// in all), so the readers start as soon as the hello has arrived.
	f.listeners = make([]*fanListener, fanListeners)
	for i := range f.listeners {
		f.listeners[i] = &fanListener{f: f, idx: i, token: f.tokens[i], verify: i == 0}
	}
	bwParallel(b, fanListeners, 8, func(i int) error {
		l := f.listeners[i]
		conn, hello, err := f.dial(l.token, -1)
		if err != nil {
			return err
		}
		l.conn, l.lastSeq = conn, hello
		f.wg.Add(1)
		go l.run()
		return nil
	})
	f.quiesce()
	f.checkErrs()
	return f
}

// bwParallel runs fn(0..n-1) on workers goroutines and fails b on the first
// error.
func bwParallel(b testing.TB, n, workers int, fn func(i int) error) {
	b.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errc <- fmt.Errorf("item %d: %w", i, err)
					next.Store(int64(n)) // stop the others
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
}

// dial opens a listener's socket (resuming after since when since >= 0) and
// reads its hello; it returns the hello's seq.
func (f *fanout) dial(token string, since int64) (*websocket.Conn, int64, error) {
	u := f.wsURL
	if since >= 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	conn, res, err := f.dialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if res != nil {
			err = fmt.Errorf("%w (status %d)", err, res.StatusCode)
		}
		return nil, 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("read hello: %w", err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	var hello fanFrame
	if err := json.Unmarshal(raw, &hello); err != nil || hello.Type != "hello" {
		conn.Close()
		return nil, 0, fmt.Errorf("first frame is not a hello: %s", raw)
	}
	return conn, hello.Seq, nil
}

// quiesce waits until no frame has arrived for 300 ms (presence pushes after
// connecting, stragglers after a phase).
func (f *fanout) quiesce() {
	total := func() int64 {
		var n int64
		for _, l := range f.listeners {
			n += l.frames.Load()
		}
		return n
	}
	last, lastChange := total(), time.Now()
	for time.Since(lastChange) < 300*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
		if n := total(); n != last {
			last, lastChange = n, time.Now()
		}
	}
}

// stop closes every listener and waits for their goroutines.
func (f *fanout) stop() {
	f.stopping.Store(true)
	for _, l := range f.listeners {
		if l == nil {
			continue
		}
		l.mu.Lock()
		if l.conn != nil {
			l.conn.Close()
		}
		l.mu.Unlock()
	}
	f.wg.Wait()
}

// fanPhase is one phase of one iteration: its posts and what each listener
// received of them.
type fanPhase struct {
	id    int
	n     int
	seqOf []atomic.Int64 // post index -> seq, as first seen by any listener
	rx    []fanRx        // per listener

	postLat []int64 // post index -> how long the POST took, in nanoseconds

	firstPost, lastDelivery time.Time
	postElapsed             time.Duration // first post to last answer
	sendElapsed             time.Duration // first post to the last one sent (paced) or answered

	badSeq atomic.Int64 // a listener saw a post under another seq
}

// fanRx is what one listener got in one phase. seq and lat are written only
// by the listener's goroutine before it bumps count.
type fanRx struct {
	seq      []int64 // post index -> seq received (0: not yet)
	lat      []int64 // post index -> post-to-receive nanoseconds
	count    atomic.Int64
	last     atomic.Int64 // UnixNano of the latest delivery
	dups     atomic.Int64
	disorder atomic.Int64
}

func (p *fanPhase) delivered() int64 {
	var n int64
	for i := range p.rx {
		n += p.rx[i].count.Load()
	}
	return n
}

func (p *fanPhase) missing() int64 { return int64(p.n*len(p.rx)) - p.delivered() }

func (p *fanPhase) latencies() []int64 {
	out := make([]int64, 0, p.n*len(p.rx))
	for i := range p.rx {
		for j, s := range p.rx[i].seq {
			if s != 0 {
				out = append(out, p.rx[i].lat[j])
			}
		}
	}
	return out
}

// runPhase posts n messages, paced at fanPacedRate when posters is 0, else
// from that many closed-loop posters, and waits for every listener to have
// received all of them (or for deliveries to stall).
func (f *fanout) runPhase(id, n, posters int) *fanPhase {
	b := f.b
	p := &fanPhase{id: id, n: n, seqOf: make([]atomic.Int64, n), rx: make([]fanRx, len(f.listeners)),
		postLat: make([]int64, n)}
	for i := range p.rx {
		p.rx[i].seq = make([]int64, n)
		p.rx[i].lat = make([]int64, n)
	}
	f.cur.Store(p)

	var wg sync.WaitGroup
	post := func(who, idx int) {
		t0 := time.Now()
		text := fmt.Sprintf("fo %d %d %d", id, idx, t0.UnixNano())
		st, err := durCall(f.hc, "POST", f.postURL, f.tokens[who], map[string]any{"text": text}, nil)
		p.postLat[idx] = int64(time.Since(t0))
		if err == nil && st != http.StatusCreated {
			err = fmt.Errorf("status %d", st)
		}
		if err != nil {
			f.fail(fmt.Errorf("phase %d post %d: %w", id, idx, err))
		}
	}
	p.firstPost = time.Now()
	if posters == 0 {
		// Open loop: each post starts at its time whatever the ones before
		// it are doing, so a slow server shows as latency, not as a lower
		// pace.
		interval := time.Second / time.Duration(fanPacedRate)
		for i := 0; i < n; i++ {
			time.Sleep(time.Until(p.firstPost.Add(time.Duration(i) * interval)))
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				post(i%fanPacedPosters, i)
			}(i)
		}
		p.sendElapsed = time.Since(p.firstPost)
	} else {
		var next atomic.Int64
		for w := 0; w < posters; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for {
					idx := int(next.Add(1) - 1)
					if idx >= n {
						return
					}
					post(w, idx)
				}
			}(w)
		}
	}
	wg.Wait()
	p.postElapsed = time.Since(p.firstPost)
	if posters != 0 {
		p.sendElapsed = p.postElapsed
	}
	f.checkErrs()

	// Wait for every delivery, giving up when nothing new arrives for fanStall.
	want := int64(n * len(p.rx))
	got, lastProgress := p.delivered(), time.Now()
	for got < want && time.Since(lastProgress) < fanStall {
		time.Sleep(2 * time.Millisecond)
		if g := p.delivered(); g != got {
			got, lastProgress = g, time.Now()
		}
		f.errMu.Lock()
		failed := len(f.errs) > 0
		f.errMu.Unlock()
		if failed {
			break
		}
	}
	var last int64
	for i := range p.rx {
		last = max(last, p.rx[i].last.Load())
	}
	p.lastDelivery = time.Unix(0, last)
	f.quiesce()
	if got < want {
		// Stop the listeners before anyone reads their per-phase slices.
		f.stop()
	}
	f.checkErrs()
	var dups, disorder int64
	for i := range p.rx {
		dups += p.rx[i].dups.Load()
		disorder += p.rx[i].disorder.Load()
	}
	if dups > 0 || disorder > 0 || p.badSeq.Load() > 0 {
		b.Errorf("phase %d: %d duplicate deliveries, %d out of seq order, %d under a different seq",
			id, dups, disorder, p.badSeq.Load())
	}
	if got < want {
		b.Errorf("phase %d: %d of %d deliveries arrived; stalled for %v", id, got, want, fanStall)
	}
	return p
}

// fanListener is one WebSocket client; its goroutine reads every frame.
type fanListener struct {
	f      *fanout
	idx    int
	token  string
	verify bool // also decode every frame fully and compare with the quick parse

	mu   sync.Mutex // guards conn against stop while a resume swaps it
	conn *websocket.Conn

	lastSeq int64 // of the last frame with a seq; owned by the goroutine
	buf     []byte

	frames  atomic.Int64
	resumes atomic.Int64
}

func (l *fanListener) run() {
	defer l.f.wg.Done()
	for {
		err := l.readLoop()
		if l.f.stopping.Load() {
			return
		}
		if errors.Is(err, errFanReported) {
			return
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != channels.CloseSlowConsumer {
			l.f.fail(fmt.Errorf("listener %d: %w", l.idx, err))
			return
		}
		// Closed as a slow consumer: resume after the last seq seen, as a
		// client must.
		l.resumes.Add(1)
		conn, _, err := l.f.dial(l.token, l.lastSeq)
		if err != nil {
			l.f.fail(fmt.Errorf("listener %d: resume after %d: %w", l.idx, l.lastSeq, err))
			return
		}
		l.mu.Lock()
		l.conn = conn
		l.mu.Unlock()
		if l.f.stopping.Load() {
			conn.Close()
			return
		}
	}
}

func (l *fanListener) readLoop() error {
	l.mu.Lock()
	conn := l.conn
	l.mu.Unlock()
	if l.buf == nil {
		l.buf = make([]byte, 0, 4096)
	}
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		l.buf = l.buf[:0]
		for {
			if len(l.buf) == cap(l.buf) {
				l.buf = append(l.buf, 0)[:len(l.buf)]
			}
			n, err := r.Read(l.buf[len(l.buf):cap(l.buf)])
			l.buf = l.buf[:len(l.buf)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		now := time.Now().UnixNano()
		l.frames.Add(1)
		if err := l.handle(l.buf, now); err != nil {
			l.f.fail(fmt.Errorf("listener %d: %w; frame %s", l.idx, err, l.buf))
			return errFanReported
		}
	}
}

// errFanReported ends a listener whose error is already recorded.
var errFanReported = errors.New("reported")

// fanFrame is the part of a server frame the listeners decode as JSON.
type fanFrame struct {
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
}

var (
	fanSeqPrefix = []byte(`{"seq":`)
	fanTypeKey   = []byte(`,"type":"`)
	fanTextKey   = []byte(`"text":"fo `)
	fanCreated   = []byte(channels.EventMessageCreated)
)

// handle accounts for one frame. Frames with a seq are parsed by hand (the
// server marshals events with seq and type first); the rest are rare and
// decoded as JSON.
func (l *fanListener) handle(raw []byte, now int64) error {
	seq, typ, ok := fanQuickParse(raw)
	if l.verify {
		var fr fanFrame
		if err := json.Unmarshal(raw, &fr); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if ok && (fr.Seq != seq || fr.Type != string(typ)) || !ok && fr.Seq != 0 {
			return fmt.Errorf("quick parse gave seq %d type %q, JSON seq %d type %q", seq, typ, fr.Seq, fr.Type)
		}
	}
	if !ok {
		var fr fanFrame
		if err := json.Unmarshal(raw, &fr); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		switch fr.Type {
		case "hello", "presence.changed":
			return nil
		default:
			return fmt.Errorf("unexpected frame")
		}
	}
	if seq <= l.lastSeq {
		// The log is replayed and fanned out in seq order, to each
		// connection and across a resume.
		if p := l.f.cur.Load(); p != nil {
			p.rx[l.idx].disorder.Add(1)
		}
		return nil
	}
	l.lastSeq = seq
	if !bytes.Equal(typ, fanCreated) {
		return nil
	}
	i := bytes.Index(raw, fanTextKey)
	if i < 0 {
		return fmt.Errorf("message.created without a benchmark text")
	}
	var fields [3]int64
	rest := raw[i+len(fanTextKey):]
	for k := range fields {
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			fields[k] = fields[k]*10 + int64(rest[j]-'0')
			j++
		}
		if j == 0 || j == len(rest) {
			return fmt.Errorf("bad benchmark text")
		}
		rest = rest[j+1:]
	}
	phase, idx, stamp := int(fields[0]), int(fields[1]), fields[2]
	p := l.f.cur.Load()
	if p == nil || p.id != phase || idx >= p.n {
		return fmt.Errorf("message of phase %d index %d outside the current phase", phase, idx)
	}
	rx := &p.rx[l.idx]
	if rx.seq[idx] != 0 {
		rx.dups.Add(1)
		return nil
	}
	if !p.seqOf[idx].CompareAndSwap(0, seq) && p.seqOf[idx].Load() != seq {
		p.badSeq.Add(1)
	}
	rx.seq[idx], rx.lat[idx] = seq, now-stamp
	rx.last.Store(now)
	rx.count.Add(1)
	return nil
}

// fanQuickParse reads the seq and type of a frame that starts with
// {"seq":N,"type":"T"; ok is false for any other frame.
func fanQuickParse(raw []byte) (seq int64, typ []byte, ok bool) {
	if !bytes.HasPrefix(raw, fanSeqPrefix) {
		return 0, nil, false
	}
	rest := raw[len(fanSeqPrefix):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		seq = seq*10 + int64(rest[j]-'0')
		j++
	}
	if j == 0 || !bytes.HasPrefix(rest[j:], fanTypeKey) {
		return 0, nil, false
	}
	rest = rest[j+len(fanTypeKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, nil, false
	}
	return seq, rest[:end], true
}

// Idle workload: idleConns connections spread over idleUsers users (the
// default limit of 20 per user), after idleWarm warm-up connections of other
// users.
const (
	idleConns = 10000
	idleUsers = 500
	idleWarm  = 20
)

// BenchmarkIdleConnections starts the real binary, signs up idleUsers users
// (open sign-up, rate limit off, so sign-up is not limited per IP), opens
// idleWarm warm-up connections, reads the server's VmRSS, opens idleConns more
// authenticated connections, waits for every hello, lets the server settle
// and reads VmRSS again: KiB/conn = (after − before) / idleConns. From the
// server's /metrics it also reports goroutines/conn and the Go stack and heap
// in use per connection. The clients read (and answer pings) but send
// nothing. ns/op is the time to open the idleConns connections.
func BenchmarkIdleConnections(b *testing.B) {
	bin := durBuildBinary(b)
	var kib, stackKiB, heapKiB, goroutines float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r := idleRun(b, bin)
		kib += r.kib
		stackKiB += r.stackKiB
		heapKiB += r.heapKiB
		goroutines += r.goroutines
	}
	n := float64(b.N)
	b.ReportMetric(kib/n, "KiB/conn")
	b.ReportMetric(stackKiB/n, "stack_KiB/conn")
	b.ReportMetric(heapKiB/n, "heap_KiB/conn")
	b.ReportMetric(goroutines/n, "goroutines/conn")
}

type idleResult struct {
	kib, stackKiB, heapKiB, goroutines float64
}

func idleRun(b *testing.B, bin string) idleResult {
	p := durStart(b, bin, b.TempDir(), "--sqlite-sync", "normal")
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()

	// The users share no channel, so a connection's presence is pushed to
	// its own user only.
	tokens := make([]string, idleUsers+1)
	bwParallel(b, len(tokens), 8, func(i int) error {
		name := fmt.Sprintf("idle%d", i)
		var out struct {
			Token string `json:"token"`
		}
		st, err := durCall(hc, "POST", p.base+"/api/v1/signup", "",
			map[string]any{"username": name, "password": "password-" + name}, &out)
		if err == nil && st != http.StatusCreated {
			err = fmt.Errorf("signup: status %d", st)
		}
		tokens[i] = out.Token
		return err
	})
	warmTokens, tokens := tokens[idleUsers:], tokens[:idleUsers]

	wsURL := "ws" + strings.TrimPrefix(p.base, "http") + "/api/v1/ws"
	dialer := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	var (
		mu      sync.Mutex
		conns   []*websocket.Conn
		readers sync.WaitGroup
	)
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		readers.Wait()
		p.kill()
	}()
	open := func(token string) error {
		c, res, err := dialer.Dial(wsURL, http.Header{"Authorization": {"Bearer " + token}})
		if err != nil {
			if res != nil {
				err = fmt.Errorf("%w (status %d)", err, res.StatusCode)
			}
			return err
		}
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, raw, err := c.ReadMessage()
		if err != nil {
			return fmt.Errorf("read hello: %w", err)
		}
		if !bytes.Contains(raw, []byte(`"type":"hello"`)) {
			return fmt.Errorf("first frame is not a hello: %s", raw)
		}
		_ = c.SetReadDeadline(time.Time{})
		// Keep reading, as a client does: that answers the server's pings.
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := c.NextReader(); err != nil {
					return
				}
			}
		}()
		return nil
	}

	bwParallel(b, idleWarm, 4, func(i int) error { return open(warmTokens[0]) })
	time.Sleep(time.Second)
	rssBefore := procRSSKiB(b, p.cmd.Process.Pid)
	mBefore := serverMetrics(b, hc, p.base)

	b.StartTimer()
	bwParallel(b, idleConns, 32, func(i int) error { return open(tokens[i%idleUsers]) })
	b.StopTimer()
	time.Sleep(2 * time.Second) // let the server finish the presence pushes and settle
	rssAfter := procRSSKiB(b, p.cmd.Process.Pid)
	mAfter := serverMetrics(b, hc, p.base)
	b.Logf("server VmRSS %d KiB with %d warm-up connections, %d KiB with %d more; goroutines %.0f -> %.0f",
		rssBefore, idleWarm, rssAfter, idleConns, mBefore["go_goroutines"], mAfter["go_goroutines"])

	delta := func(name string) float64 { return (mAfter[name] - mBefore[name]) / idleConns }
	return idleResult{
		kib:        float64(rssAfter-rssBefore) / idleConns,
		stackKiB:   delta("go_memstats_stack_inuse_bytes") / 1024,
		heapKiB:    delta("go_memstats_heap_inuse_bytes") / 1024,
		goroutines: delta("go_goroutines"),
	}
}

// procRSSKiB reads VmRSS from /proc/PID/status.
func procRSSKiB(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("read process status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(v) // "12345 kB"
			if len(fields) == 2 && fields[1] == "kB" {
				if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return n
				}
			}
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// serverMetrics reads the unlabelled samples of the server's /metrics.
func serverMetrics(b *testing.B, hc *http.Client, base string) map[string]float64 {
	b.Helper()
	res, err := hc.Get(base + "/metrics")
	if err != nil {
		b.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		if name, v, ok := strings.Cut(line, " "); ok {
			if x, err := strconv.ParseFloat(v, 64); err == nil {
				out[name] = x
			}
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatalf("read /metrics: %v", err)
	}
	return out
}
