package bench

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

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
