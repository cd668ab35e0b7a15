package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// The realtime workloads: fan-out of posts to many WebSocket listeners,
// idle connections, and clients resuming after a burst. The listeners run
// in this process and parse frames by hand (the server marshals events
// with seq and type first), so the load generator costs little next to the
// server.

// wsDialer opens authenticated WebSockets to one server.
type wsDialer struct {
	url string // ws://127.0.0.1:PORT/api/v1/ws
	d   *websocket.Dialer
}

func newWSDialer(base string, readBuf int) *wsDialer {
	return &wsDialer{url: "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws",
		d: &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: readBuf, WriteBufferSize: 1024}}
}

// dial opens a socket for token (resuming after since when since >= 0) and
// reads its hello; it returns the hello's seq.
func (w *wsDialer) dial(token string, since int64) (*websocket.Conn, int64, error) {
	u := w.url
	if since >= 0 {
		u += "?since=" + strconv.FormatInt(since, 10)
	}
	conn, res, err := w.d.Dial(u, http.Header{"Authorization": {"Bearer " + token}})
	if err != nil {
		if res != nil {
			err = fmt.Errorf("%w (status %d)", err, res.StatusCode)
		}
		return nil, 0, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, raw, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, 0, fmt.Errorf("read hello: %w", err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	var hello wsFrame
	if err := json.Unmarshal(raw, &hello); err != nil || hello.Type != "hello" {
		conn.Close()
		return nil, 0, fmt.Errorf("first frame is not a hello: %.200s", raw)
	}
	return conn, hello.Seq, nil
}

// readFrames reads conn's frames into buf (reused) and hands each to fn
// with its arrival time, until an error.
func readFrames(conn *websocket.Conn, buf *[]byte, fn func(raw []byte, now int64) error) error {
	if *buf == nil {
		*buf = make([]byte, 0, 4096)
	}
	for {
		_, r, err := conn.NextReader()
		if err != nil {
			return err
		}
		b := (*buf)[:0]
		for {
			if len(b) == cap(b) {
				b = append(b, 0)[:len(b)]
			}
			n, err := r.Read(b[len(b):cap(b)])
			b = b[:len(b)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		*buf = b
		if err := fn(b, time.Now().UnixNano()); err != nil {
			return err
		}
	}
}

// wsFrame is the part of a server frame decoded as JSON when the quick
// parse does not apply.
type wsFrame struct {
	Seq  int64  `json:"seq"`
	Type string `json:"type"`
}

var (
	wsSeqPrefix = []byte(`{"seq":`)
	wsTypeKey   = []byte(`,"type":"`)
	wsCreated   = []byte(channels.EventMessageCreated)
)

// wsQuickParse reads the seq and type of a frame that starts with
// {"seq":N,"type":"T"; ok is false for any other frame.
func wsQuickParse(raw []byte) (seq int64, typ []byte, ok bool) {
	if !bytes.HasPrefix(raw, wsSeqPrefix) {
		return 0, nil, false
	}
	rest := raw[len(wsSeqPrefix):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		seq = seq*10 + int64(rest[j]-'0')
		j++
	}
	if j == 0 || !bytes.HasPrefix(rest[j:], wsTypeKey) {
		return 0, nil, false
	}
	rest = rest[j+len(wsTypeKey):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, nil, false
	}
	return seq, rest[:end], true
}

// wsTextNumbers reads the count space-separated numbers that follow
// "text":"<key> in a message.created frame (the benchmark's own texts).
func wsTextNumbers(raw []byte, key []byte, out []int64) error {
	i := bytes.Index(raw, key)
	if i < 0 {
		return fmt.Errorf("message.created without a benchmark text")
	}
	rest := raw[i+len(key):]
	for k := range out {
		out[k] = 0
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			out[k] = out[k]*10 + int64(rest[j]-'0')
			j++
		}
		if j == 0 || j == len(rest) {
			return fmt.Errorf("bad benchmark text")
		}
		rest = rest[j+1:]
	}
	return nil
}

// wsOtherFrame checks a frame without a seq: the ones a listener may get
// besides events.
func wsOtherFrame(raw []byte) error {
	var fr wsFrame
	if err := json.Unmarshal(raw, &fr); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	switch fr.Type {
	case "hello", "presence.changed":
		return nil
	}
	return fmt.Errorf("unexpected frame")
}

// errWSReported ends a reader whose error is already recorded.
var errWSReported = errors.New("reported")

// isSlowConsumer tells whether err is the server closing a connection
// whose buffer filled up: the client must resume with since.
func isSlowConsumer(err error) bool {
	var ce *websocket.CloseError
	return errors.As(err, &ce) && ce.Code == realtime.CloseSlowConsumer
}

// postJSON posts a message with text to postURL as token.
func postJSON(hc *http.Client, postURL, token, text string) error {
	body, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequest("POST", postURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return call(hc, req, func(status int, _ []byte) bool { return status == http.StatusCreated })
}

// ---- fanout ----

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

// ---- idle ----

// benchIdle opens conns authenticated WebSockets that only read (answering
// the server's pings) and reports the server's RSS growth per connection:
// the users share no channel, so a connection's presence goes to its own
// user only. VmRSS is read with a few warm-up connections open and again
// once every new connection has its hello and the server has settled.
// P50/P99/Max are the time from dial to hello; the throughput is
// connections opened per second (32 at a time).
func benchIdle(ctx context.Context, env *benchEnv) (benchResult, error) {
	conns := env.size(100, 2000, 10000)
	const perUser, warm = 20, 20 // the server's default --max-ws-per-user
	users := (conns + perUser - 1) / perUser
	var tokens []string
	err := env.seed(ctx, env.tmp, func(w *Workspace) (err error) {
		_, tokens, err = seedUsers(ctx, w, "idle", users+1)
		return err
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("seed: %w", err)
	}
	warmToken, tokens := tokens[users], tokens[:users]
	srv, err := env.startServer(ctx, env.tmp)
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()

	dialer := newWSDialer(srv.base, 1024)
	var (
		mu      sync.Mutex
		open    []*websocket.Conn
		readers sync.WaitGroup
		opened  atomic.Int64
	)
	defer func() {
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		readers.Wait()
	}()
	lat := make([]time.Duration, conns)
	connect := func(token string, i int) error {
		t0 := time.Now()
		c, _, err := dialer.dial(token, -1)
		if err != nil {
			return err
		}
		if i >= 0 {
			lat[i] = time.Since(t0)
			if n := opened.Add(1); n%64 == 0 {
				env.progress(n, int64(conns))
			}
		}
		mu.Lock()
		open = append(open, c)
		mu.Unlock()
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
	if err := benchParallel(warm, 4, func(int) error { return connect(warmToken, -1) }); err != nil {
		return benchResult{}, fmt.Errorf("warm-up connections: %w", err)
	}
	settle := time.Duration(env.size(300, 1500, 2000)) * time.Millisecond
	time.Sleep(settle)
	rssBefore, err := srv.memKiB("VmRSS")
	if err != nil {
		return benchResult{}, err
	}
	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	t0 := time.Now()
	if err := benchParallel(conns, 32, func(i int) error { return connect(tokens[i%users], i) }); err != nil {
		return benchResult{}, fmt.Errorf("open connections: %w", err)
	}
	elapsed := time.Since(t0)
	time.Sleep(settle) // the presence pushes end and the server settles
	rssAfter, err := srv.memKiB("VmRSS")
	if err != nil {
		return benchResult{}, err
	}
	res := benchResult{Ops: int64(conns), Seconds: elapsed.Seconds(), Unit: "conns/s",
		Throughput: float64(conns) / elapsed.Seconds(),
		Extra:      map[string]float64{"kib_per_conn": float64(rssAfter-rssBefore) / float64(conns)}}
	res.P50, res.P99, res.Max = latencyMillis(lat)
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	return res, nil
}

// ---- resume ----

var resumeTextKey = []byte(`"text":"rs `)

// benchResume: clients connect, read their hello and disconnect; msgs
// messages are posted to their channel by another user (32 posters); then
// every client reconnects with ?since=<its hello's seq> at once. catch_up_s
// is the time from the first reconnect to the last client having every
// message; the throughput is events delivered per second of it and
// P50/P99/Max each client's own time to catch up. Every client must get
// every message exactly once, in seq order.
func benchResume(ctx context.Context, env *benchEnv) (benchResult, error) {
	clients := env.size(5, 100, 100)
	msgs := env.size(100, 2000, 10000)
	var (
		channelID int64
		tokens    []string
	)
	err := env.seed(ctx, env.tmp, func(w *Workspace) (err error) {
		if _, tokens, err = seedUsers(ctx, w, "resume", clients+1); err != nil {
			return err
		}
		channelID, err = seedChannel(ctx, w, "resume", tokens)
		return err
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("seed: %w", err)
	}
	poster, tokens := tokens[0], tokens[1:]
	srv, err := env.startServer(ctx, env.tmp)
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()
	dialer := newWSDialer(srv.base, 16<<10)

	// Connect and disconnect, remembering where each client was.
	rc := make([]*resumeClient, clients)
	err = benchParallel(clients, 8, func(i int) error {
		conn, hello, err := dialer.dial(tokens[i], -1)
		if err != nil {
			return err
		}
		conn.Close()
		rc[i] = &resumeClient{idx: i, token: tokens[i], since: hello, lastSeq: hello, got: make([]bool, msgs)}
		return nil
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("connect: %w", err)
	}

	postURL := fmt.Sprintf("%s/api/v1/channels/%d/messages", srv.base, channelID)
	hc := benchHTTP(benchPosters)
	defer hc.CloseIdleConnections()
	st := drive(ctx, &benchEnv{progress: func(int64, int64) {}}, msgs, benchPosters, func(_ context.Context, _, i int) error {
		return postJSON(hc, postURL, poster, fmt.Sprintf("rs %d", i))
	})
	if st.errors > 0 {
		return benchResult{}, fmt.Errorf("post: %d errors, first: %v", st.errors, st.firstErr)
	}

	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	var (
		delivered atomic.Int64
		wg        sync.WaitGroup
		errMu     sync.Mutex
		firstErr  error
		closing   atomic.Bool
	)
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
	}
	want := int64(clients * msgs)
	t0 := time.Now()
	for _, c := range rc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(dialer, t0, &delivered, &closing); err != nil {
				fail(err)
			}
		}()
	}
	// Wait until every client has every message, giving up when nothing
	// new arrives for fanStall.
	got, lastProgress := delivered.Load(), time.Now()
	for got < want && time.Since(lastProgress) < fanStall && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
		if g := delivered.Load(); g != got {
			got, lastProgress = g, time.Now()
			env.progress(g, want)
		}
		errMu.Lock()
		failed := firstErr != nil
		errMu.Unlock()
		if failed {
			break
		}
	}
	var last int64
	for _, c := range rc {
		last = max(last, c.doneAt.Load())
	}
	catchUp := time.Duration(last - t0.UnixNano())
	// Anything arriving now would be a duplicate: give it a moment.
	time.Sleep(200 * time.Millisecond)
	closing.Store(true)
	for _, c := range rc {
		c.close()
	}
	wg.Wait()

	res := benchResult{Ops: delivered.Load(), Unit: "events/s", Extra: map[string]float64{}}
	var dups, resumes int64
	lat := make([]time.Duration, 0, clients)
	for _, c := range rc {
		dups += c.dups
		resumes += c.resumes
		if d := c.doneAt.Load(); d > 0 {
			lat = append(lat, time.Duration(d-t0.UnixNano()))
		}
	}
	missing := want - delivered.Load()
	res.Extra["missing"], res.Extra["duplicates"], res.Extra["resumes"] = float64(missing), float64(dups), float64(resumes)
	if missing == 0 {
		res.Seconds = catchUp.Seconds()
		res.Throughput = float64(want) / catchUp.Seconds()
		res.Extra["catch_up_s"] = catchUp.Seconds()
	}
	res.P50, res.P99, res.Max = latencyMillis(lat)
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	switch {
	case firstErr != nil:
		return res, firstErr
	case missing > 0:
		return res, fmt.Errorf("%d (client, message) deliveries missing", missing)
	case dups > 0:
		return res, fmt.Errorf("%d duplicate or out-of-order deliveries", dups)
	}
	return res, nil
}

// resumeClient is one resuming client; after start only its goroutine
// touches its fields, but for doneAt and conn.
type resumeClient struct {
	idx     int
	token   string
	since   int64
	lastSeq int64
	got     []bool // message index -> received
	count   int
	dups    int64 // duplicates and frames out of seq order
	resumes int64
	buf     []byte
	nums    [1]int64
	doneAt  atomic.Int64 // UnixNano when it had every message

	mu   sync.Mutex
	conn *websocket.Conn
}

// run connects with since and reads until closed, resuming again when
// closed as a slow consumer.
func (c *resumeClient) run(dialer *wsDialer, t0 time.Time, delivered *atomic.Int64, closing *atomic.Bool) error {
	for since := c.since; ; since = c.lastSeq {
		conn, _, err := dialer.dial(c.token, since)
		if err != nil {
			return fmt.Errorf("client %d: resume after %d: %w", c.idx, since, err)
		}
		c.mu.Lock()
		c.conn = conn
		c.mu.Unlock()
		if closing.Load() {
			conn.Close()
			return nil
		}
		err = readFrames(conn, &c.buf, func(raw []byte, now int64) error {
			seq, typ, ok := wsQuickParse(raw)
			if !ok {
				return wsOtherFrame(raw)
			}
			if seq <= c.lastSeq {
				c.dups++
				return nil
			}
			c.lastSeq = seq
			if !bytes.Equal(typ, wsCreated) {
				return nil
			}
			if err := wsTextNumbers(raw, resumeTextKey, c.nums[:]); err != nil {
				return err
			}
			i := int(c.nums[0])
			if i >= len(c.got) {
				return fmt.Errorf("message index %d out of range", i)
			}
			if c.got[i] {
				c.dups++
				return nil
			}
			c.got[i] = true
			c.count++
			delivered.Add(1)
			if c.count == len(c.got) {
				c.doneAt.Store(now)
			}
			return nil
		})
		if closing.Load() {
			return nil
		}
		if !isSlowConsumer(err) {
			return fmt.Errorf("client %d: %w", c.idx, err)
		}
		c.resumes++
	}
}

func (c *resumeClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
	}
}
