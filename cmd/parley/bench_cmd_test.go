package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestBench_Workloads runs every workload of "parley bench" once at smoke
// size against the real binary, checking that each produces a sane result
// (the suite's own figures are checked inside: stored counts, missing
// deliveries).
func TestBench_Workloads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts a server per workload")
	}
	bin := durBuildBinary(t)
	raiseFileLimit()
	for _, w := range benchWorkloads() {
		t.Run(w.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var log strings.Builder
			env := &benchEnv{bin: bin, smoke: true, cache: t.TempDir(), log: &log}
			res, err := runWorkload(ctx, w, env, 0, 1)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if res.Ops <= 0 || res.Throughput <= 0 || res.Errors != 0 {
				t.Fatalf("result %+v\n%s", res, log.String())
			}
			if res.CPUSeconds <= 0 || res.PeakRSSKiB <= 0 {
				t.Fatalf("server figures missing: %+v", res)
			}
		})
	}
}

func TestBench_MedianAndSelect(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	got := medianResult([]benchResult{
		{Workload: "post", Throughput: 100, P99: 9, Extra: map[string]float64{"missing": 0}},
		{Workload: "post", Throughput: 300, P99: 1, Extra: map[string]float64{"missing": 2}},
		{Workload: "post", Throughput: 200, P99: 5, Extra: map[string]float64{"missing": 1}},
	})
	if got.Throughput != 200 || got.P99 != 5 || got.Extra["missing"] != 1 || got.Runs != 3 {
		t.Errorf("medianResult = %+v", got)
	}
	if _, err := selectWorkloads(benchWorkloads(), "post,nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown workload accepted: %v", err)
	}
	ws, err := selectWorkloads(benchWorkloads(), " slack-api ,post")
	if err != nil || len(ws) != 2 || ws[0].name != "slack-api" {
		t.Errorf("selectWorkloads = %v, %v", ws, err)
	}
}
