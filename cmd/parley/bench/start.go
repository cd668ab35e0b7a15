package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// benchStart measures cold starts on the corpus with its index caught up:
// from the exec of "parley serve" to the first successful GET /healthz,
// and to the first successful search. Several starts per run reuse one
// copy of the corpus (a start leaves it as it found it, indexed).
func benchStart(ctx context.Context, env *benchEnv) (benchResult, error) {
	dir, meta, err := searchCorpus(ctx, env, false)
	if err != nil {
		return benchResult{}, err
	}
	dataDir, err := corpusCopy(env, dir)
	if err != nil {
		return benchResult{}, err
	}
	starts := env.size(1, 3, 5)
	hc := benchHTTP(1)
	defer hc.CloseIdleConnections()
	var (
		ready, searchReady []time.Duration
		res                = benchResult{Unit: "starts/s"}
	)
	for i := 0; i < starts; i++ {
		hc.CloseIdleConnections()
		toHealthy, toSearch, cpu, hwm, err := coldStart(ctx, env, hc, dataDir, meta, i == 0)
		if errors.Is(err, errStaleCorpus) && i == 0 {
			fmt.Fprintf(env.log, "  %v: rebuilding it\n", err)
			if dir, meta, err = searchCorpus(ctx, env, true); err != nil {
				return res, err
			}
			if dataDir, err = corpusCopy(env, dir); err != nil {
				return res, err
			}
			i--
			continue
		}
		if err != nil {
			return res, err
		}
		ready, searchReady = append(ready, toHealthy), append(searchReady, toSearch)
		res.CPUSeconds += cpu
		res.PeakRSSKiB = max(res.PeakRSSKiB, hwm)
		env.progress(int64(i+1), int64(starts))
	}
	var sum time.Duration
	for _, d := range ready {
		sum += d
	}
	res.Ops, res.Seconds = int64(len(ready)), sum.Seconds()
	res.Throughput = float64(len(ready)) / sum.Seconds()
	res.P50, res.P99, res.Max = latencyMillis(ready)
	searchP50, _, searchMax := latencyMillis(searchReady)
	res.Extra = map[string]float64{"start_ms": res.P50, "search_ready_ms": searchP50, "search_ready_max_ms": searchMax}
	return res, nil
}

// coldStart starts a server on dataDir, times it to healthy and to a
// successful search, reads its CPU time and peak RSS, and stops it. The
// first start of a copy also checks the server takes the corpus as
// indexed.
func coldStart(ctx context.Context, env *benchEnv, hc *http.Client, dataDir string, meta searchCorpusMeta, check bool) (toHealthy, toSearch time.Duration, cpu float64, hwm int64, err error) {
	t0 := time.Now()
	srv, err := env.startServer(ctx, dataDir)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer srv.stop()
	poll := func(ok func() bool) (time.Duration, error) {
		for deadline := time.Now().Add(time.Minute); ; {
			if ok() {
				return time.Since(t0), nil
			}
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("not ready within a minute:\n%s", srv.log())
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
	toHealthy, err = poll(func() bool {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.base+"/healthz", nil)
		return call(hc, req, func(status int, _ []byte) bool { return status == http.StatusOK }) == nil
	})
	if err != nil {
		return
	}
	toSearch, err = poll(func() bool {
		n, err := searchCount(ctx, hc, srv.base, meta.Tokens[1], searchVocab()[1], "relevance")
		return err == nil && n > 0
	})
	if err != nil {
		return
	}
	if cpu, err = srv.cpuSeconds(); err != nil {
		return
	}
	if hwm, err = srv.memKiB("VmHWM"); err != nil {
		return
	}
	if check {
		err = checkCorpusServed(ctx, hc, srv.base, meta)
	}
	return
}
