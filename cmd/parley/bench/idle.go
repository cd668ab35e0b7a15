package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

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
