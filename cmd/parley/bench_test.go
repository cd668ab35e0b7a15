package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/parley-chat/parley/cmd/parley/bench"
)

// TestBench_Workloads runs every workload of "parley bench" once at smoke
// size with the real binary, checking that each produces a sane result
// (the suite's own figures are checked inside: stored counts, missing
// deliveries).
func TestBench_Workloads(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts a server per workload")
	}
	bin := durBuildBinary(t)
	for _, name := range bench.WorkloadNames() {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var out, log bytes.Buffer
			cmd := exec.CommandContext(ctx, bin, "bench", "--smoke", "--runs", "1", "--only", name, "--cache", t.TempDir())
			cmd.Stdout, cmd.Stderr = &out, &log
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			var res struct {
				Ops        int64   `json:"ops"`
				Throughput float64 `json:"throughput"`
				Errors     int64   `json:"errors"`
				CPUSeconds float64 `json:"server_cpu_s"`
				PeakRSSKiB int64   `json:"server_peak_rss_kib"`
			}
			line, _, _ := bytes.Cut(out.Bytes(), []byte("\n")) // the JSON line, then the table
			if err := json.Unmarshal(line, &res); err != nil {
				t.Fatalf("result line %q: %v\n%s", line, err, log.String())
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
