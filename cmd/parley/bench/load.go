package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// benchHTTP is a client for workers concurrent callers, keeping one
// connection per caller alive.
func benchHTTP(workers int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * workers, MaxIdleConnsPerHost: 2 * workers, IdleConnTimeout: time.Minute}}
}

// loadStats is what a closed-loop load run saw.
type loadStats struct {
	lat      []time.Duration // of the operations that succeeded
	errors   int64
	firstErr error
	elapsed  time.Duration
}

// drive runs total operations on workers goroutines, each taking the next
// operation number as soon as its previous one is done, and times each.
// It stops early (counting the rest as not done) once more than 1% fail.
func drive(ctx context.Context, env *benchEnv, total, workers int, op func(ctx context.Context, worker, seq int) error) loadStats {
	var (
		next   atomic.Int64
		failed atomic.Int64
		mu     sync.Mutex
		st     loadStats
		wg     sync.WaitGroup
	)
	lats := make([][]time.Duration, workers)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, total/workers+1)
			for ctx.Err() == nil && failed.Load()*100 <= int64(total) {
				i := int(next.Add(1) - 1)
				if i >= total {
					break
				}
				t0 := time.Now()
				if err := op(ctx, w, i); err != nil {
					failed.Add(1)
					mu.Lock()
					if st.firstErr == nil {
						st.firstErr = err
					}
					mu.Unlock()
					continue
				}
				lat = append(lat, time.Since(t0))
				if i%256 == 0 {
					env.progress(int64(i), int64(total))
				}
			}
			lats[w] = lat
		}(w)
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	st.errors = failed.Load()
	for _, l := range lats {
		st.lat = append(st.lat, l...)
	}
	if missing := int64(total) - int64(len(st.lat)) - st.errors; missing > 0 {
		st.errors += missing // never started: stopped by the error limit or ctx
	}
	return st
}

// result turns the stats into a result: throughput in unit per second.
func (st loadStats) result(unit string) benchResult {
	r := benchResult{Ops: int64(len(st.lat)), Seconds: st.elapsed.Seconds(), Unit: unit, Errors: st.errors}
	if st.elapsed > 0 {
		r.Throughput = float64(len(st.lat)) / st.elapsed.Seconds()
	}
	r.P50, r.P99, r.Max = latencyMillis(st.lat)
	return r
}

// latencyMillis gives the p50, p99 and max of lat in milliseconds
// (nearest-rank percentiles).
func latencyMillis(lat []time.Duration) (p50, p99, maxMs float64) {
	if len(lat) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return ms(percentile(s, 0.50)), ms(percentile(s, 0.99)), ms(s[len(s)-1])
}

// percentile of sorted values, nearest rank.
func percentile[T any](sorted []T, p float64) T {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// call sends req and checks the answer with ok, returning the body.
func call(hc *http.Client, req *http.Request, ok func(status int, body []byte) bool) error {
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if !ok(res.StatusCode, body) {
		return fmt.Errorf("%s %s: status %d: %.200s", req.Method, req.URL.Path, res.StatusCode, body)
	}
	return nil
}

// countMessages counts the messages stored in a channel of a stopped
// server's data folder.
func (e *benchEnv) countMessages(ctx context.Context, dataDir string, channelID int64) (n int64, err error) {
	err = e.seed(ctx, dataDir, func(w *Workspace) error {
		n, err = w.Core.CountMessages(ctx, channelID)
		return err
	})
	return n, err
}
