package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// fanPhaseSpec is one phase of the fan-out workload: n posts, at rate
// posts/s (open loop) or, when rate is 0, from benchPosters closed-loop
// posters as fast as the server answers (enough concurrent posts that
// several events reach a listener in one write).
type fanPhaseSpec struct {
	name string
	n    int
	rate int
}

const (
	fanPacedPosters = 8 // users posting in the paced phases, in turn
	// fanStall is how long a phase may go without a single new delivery
	// before it gives up and counts what is missing.
	fanStall = 30 * time.Second
)

var fanTextKey = []byte(`"text":"fo `)

// benchFanout: listeners WebSocket clients in one public channel. Posts go
// through the HTTP API at 50/s, then 200/s, then flat out; every listener
// timestamps each message.created it receives against the send time in
// the text. P50/P99/Max are the post-to-receive latency at 50 posts/s (the
// POST's durable commit included), the throughput is deliveries/s flat
// out (deliveries / first post to last delivery). Every listener must get
// every message exactly once in seq order ("missing" must be 0).
func benchFanout(ctx context.Context, env *benchEnv) (benchResult, error) {
	// Connecting costs about listeners²/2 presence frames (each new
	// connection is pushed to everyone online), which is why quick runs
	// fewer listeners.
	listeners := env.size(20, 300, 1000)
	phases := []fanPhaseSpec{
		{"paced50", env.size(10, 50, 250), 50},
		{"paced200", env.size(20, 100, 1000), 200},
		{"flat", env.size(50, 500, 3000), 0},
	}
	var (
		channelID int64
		tokens    []string
	)
	err := env.seed(ctx, env.tmp, func(w *Workspace) (err error) {
		if _, tokens, err = seedUsers(ctx, w, "fan", listeners); err != nil {
			return err
		}
		channelID, err = seedChannel(ctx, w, "fanout", tokens)
		return err
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("seed: %w", err)
	}
	srv, err := env.startServer(ctx, env.tmp)
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()

	f := &fanout{env: env, tokens: tokens, hc: benchHTTP(64), dialer: newWSDialer(srv.base, 16<<10),
		postURL: fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, channelID)}
	defer f.hc.CloseIdleConnections()
	defer f.stop()
	if err := f.connect(); err != nil {
		return benchResult{}, fmt.Errorf("connect listeners: %w", err)
	}

	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	res := benchResult{Unit: "deliveries/s", Extra: map[string]float64{}}
	var total, done int64
	for _, ph := range phases {
		total += int64(ph.n)
	}
	resumes0 := f.resumes()
	var missing int64
	var phaseErr error
	for id, ph := range phases {
		p, err := f.runPhase(ctx, id, ph, func() { done++; env.progress(done, total) })
		if p == nil {
			return res, err
		}
		lat := p.latencies()
		p50, p99, mx := latencyMillis(lat)
		res.Extra[ph.name+"_p50_ms"], res.Extra[ph.name+"_p99_ms"] = p50, p99
		missing += p.missing()
		res.Errors += p.postErrors.Load()
		switch {
		case ph.rate == 50:
			res.P50, res.P99, res.Max = p50, p99, mx
		case ph.rate == 0:
			elapsed := time.Duration(p.lastDelivery - p.firstPost.UnixNano())
			res.Ops, res.Seconds = p.delivered(), elapsed.Seconds()
			if elapsed > 0 {
				res.Throughput = float64(res.Ops) / elapsed.Seconds()
			}
			res.Extra["flat_posts_per_s"] = float64(ph.n) / p.postElapsed.Seconds()
		}
		if err != nil {
			phaseErr = err
			break
		}
	}
	res.Extra["missing"] = float64(missing)
	res.Extra["resumes"] = float64(f.resumes() - resumes0)
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	if phaseErr != nil {
		return res, phaseErr
	}
	if missing > 0 {
		return res, fmt.Errorf("%d (listener, message) deliveries missing", missing)
	}
	return res, nil
}

// fanout is the listeners of one run.
type fanout struct {
	env     *benchEnv
	tokens  []string // one per listener; the first few also post
	postURL string
	hc      *http.Client
	dialer  *wsDialer

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
	f.errs = append(f.errs, err)
}

// err is the first error a listener or poster met, with how many more.
func (f *fanout) err() error {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	switch len(f.errs) {
	case 0:
		return nil
	case 1:
		return f.errs[0]
	}
	return fmt.Errorf("%w (and %d more errors)", f.errs[0], len(f.errs)-1)
}

func (f *fanout) resumes() int64 {
	var n int64
	for _, l := range f.listeners {
		n += l.resumes.Load()
	}
	return n
}

// connect opens every listener's socket. Each connection makes its user
// online, which is pushed to everyone already connected (about n²/2
// presence frames), so the readers start as soon as the hello has arrived;
// then it waits for the pushes to end.
func (f *fanout) connect() error {
	f.listeners = make([]*fanListener, len(f.tokens))
	for i := range f.listeners {
		f.listeners[i] = &fanListener{f: f, idx: i, token: f.tokens[i], verify: i == 0}
	}
	err := benchParallel(len(f.listeners), 8, func(i int) error {
		l := f.listeners[i]
		conn, hello, err := f.dialer.dial(l.token, -1)
		if err != nil {
			return err
		}
		l.mu.Lock()
		l.conn, l.lastSeq = conn, hello
		l.mu.Unlock()
		f.wg.Add(1)
		go l.run()
		return nil
	})
	if err != nil {
		return err
	}
	f.quiesce()
	return f.err()
}

// quiesce waits until no frame has arrived for 300 ms (presence pushes
// after connecting, stragglers after a phase).
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
		l.mu.Lock()
		if l.conn != nil {
			l.conn.Close()
		}
		l.mu.Unlock()
	}
	f.wg.Wait()
}

// fanPhase is one phase: its posts and what each listener received.
type fanPhase struct {
	id    int
	n     int
	seqOf []atomic.Int64 // post index -> seq, as first seen by any listener
	rx    []fanRx        // per listener

	postErrors   atomic.Int64
	firstPost    time.Time
	lastDelivery int64         // UnixNano
	postElapsed  time.Duration // first post to the last answer

	badSeq atomic.Int64 // a listener saw a post under another seq
}

// fanRx is what one listener got in one phase. seq and lat are written
// only by the listener's goroutine before it bumps count.
type fanRx struct {
	seq      []int64 // post index -> seq received (0: not yet)
	lat      []time.Duration
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

func (p *fanPhase) latencies() []time.Duration {
	out := make([]time.Duration, 0, p.n*len(p.rx))
	for i := range p.rx {
		for j, s := range p.rx[i].seq {
			if s != 0 {
				out = append(out, p.rx[i].lat[j])
			}
		}
	}
	return out
}

// runPhase posts the phase's messages and waits for every listener to
// have received all of them (or for deliveries to stall). It returns a nil
// phase only when nothing was measured.
func (f *fanout) runPhase(ctx context.Context, id int, spec fanPhaseSpec, posted func()) (*fanPhase, error) {
	n := spec.n
	p := &fanPhase{id: id, n: n, seqOf: make([]atomic.Int64, n), rx: make([]fanRx, len(f.listeners))}
	for i := range p.rx {
		p.rx[i].seq = make([]int64, n)
		p.rx[i].lat = make([]time.Duration, n)
	}
	f.cur.Store(p)

	var (
		wg     sync.WaitGroup
		postMu sync.Mutex
	)
	post := func(who, idx int) {
		text := fmt.Sprintf("fo %d %d %d", id, idx, time.Now().UnixNano())
		if err := postJSON(f.hc, f.postURL, f.tokens[who], text); err != nil {
			p.postErrors.Add(1)
			f.fail(fmt.Errorf("%s post %d: %w", spec.name, idx, err))
		}
		postMu.Lock()
		posted()
		postMu.Unlock()
	}
	p.firstPost = time.Now()
	if spec.rate > 0 {
		// Open loop: each post starts at its time whatever the ones before
		// it are doing, so a slow server shows as latency, not as a lower
		// pace.
		interval := time.Second / time.Duration(spec.rate)
		posters := min(fanPacedPosters, len(f.tokens))
		for i := 0; i < n && ctx.Err() == nil; i++ {
			time.Sleep(time.Until(p.firstPost.Add(time.Duration(i) * interval)))
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				post(i%posters, i)
			}(i)
		}
	} else {
		var next atomic.Int64
		for w := 0; w < benchPosters; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for ctx.Err() == nil {
					idx := int(next.Add(1) - 1)
					if idx >= n {
						return
					}
					post(w%len(f.tokens), idx)
				}
			}(w)
		}
	}
	wg.Wait()
	p.postElapsed = time.Since(p.firstPost)
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Wait for every delivery of the posts that succeeded, giving up when
	// nothing new arrives for fanStall.
	want := (int64(n) - p.postErrors.Load()) * int64(len(p.rx))
	got, lastProgress := p.delivered(), time.Now()
	for got < want && time.Since(lastProgress) < fanStall && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
		if g := p.delivered(); g != got {
			got, lastProgress = g, time.Now()
		}
		if len(f.listeners) > 0 && f.listenerFailed() {
			break
		}
	}
	for i := range p.rx {
		p.lastDelivery = max(p.lastDelivery, p.rx[i].last.Load())
	}
	f.quiesce()
	if got < want {
		// Stop the listeners before anyone reads their per-phase slices.
		f.stop()
	}
	var dups, disorder int64
	for i := range p.rx {
		dups += p.rx[i].dups.Load()
		disorder += p.rx[i].disorder.Load()
	}
	if err := f.err(); err != nil {
		return p, err
	}
	if dups > 0 || disorder > 0 || p.badSeq.Load() > 0 {
		return p, fmt.Errorf("%s: %d duplicate deliveries, %d out of seq order, %d under a different seq",
			spec.name, dups, disorder, p.badSeq.Load())
	}
	if got < want {
		return p, fmt.Errorf("%s: %d of %d deliveries arrived; stalled for %v", spec.name, got, want, fanStall)
	}
	return p, nil
}

// listenerFailed tells whether a listener has recorded an error.
func (f *fanout) listenerFailed() bool {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return len(f.errs) > 0
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
	nums    [3]int64

	frames  atomic.Int64
	resumes atomic.Int64
}

func (l *fanListener) run() {
	defer l.f.wg.Done()
	for {
		l.mu.Lock()
		conn := l.conn
		l.mu.Unlock()
		err := readFrames(conn, &l.buf, l.handle)
		if l.f.stopping.Load() || errors.Is(err, errWSReported) {
			return
		}
		if !isSlowConsumer(err) {
			l.f.fail(fmt.Errorf("listener %d: %w", l.idx, err))
			return
		}
		// Closed as a slow consumer: resume after the last seq seen, as a
		// client must.
		l.resumes.Add(1)
		conn, _, err = l.f.dialer.dial(l.token, l.lastSeq)
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

// handle accounts for one frame.
func (l *fanListener) handle(raw []byte, now int64) error {
	l.frames.Add(1)
	if err := l.account(raw, now); err != nil {
		l.f.fail(fmt.Errorf("listener %d: %w; frame %.300s", l.idx, err, raw))
		return errWSReported
	}
	return nil
}

func (l *fanListener) account(raw []byte, now int64) error {
	seq, typ, ok := wsQuickParse(raw)
	if l.verify {
		var fr wsFrame
		if err := json.Unmarshal(raw, &fr); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if ok && (fr.Seq != seq || fr.Type != string(typ)) || !ok && fr.Seq != 0 && fr.Type != "hello" {
			return fmt.Errorf("quick parse gave seq %d type %q, JSON seq %d type %q", seq, typ, fr.Seq, fr.Type)
		}
	}
	if !ok {
		return wsOtherFrame(raw)
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
	if !bytes.Equal(typ, wsCreated) {
		return nil
	}
	if err := wsTextNumbers(raw, fanTextKey, l.nums[:]); err != nil {
		return err
	}
	phase, idx, stamp := int(l.nums[0]), int(l.nums[1]), l.nums[2]
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
	rx.seq[idx], rx.lat[idx] = seq, time.Duration(now-stamp)
	rx.last.Store(now)
	rx.count.Add(1)
	return nil
}
