package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// scrapeMetrics reads the server's metrics the way Prometheus would, from a
// listener of their own as --metrics-listen serves them.
func (ts *testServer) scrapeMetrics() string {
	ts.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.t.Fatal(err)
	}
	defer serveMetrics(ln, ts.app.metrics.registry)()
	status, body := httpGet(ts.t, "http://"+ln.Addr().String()+"/metrics")
	if status != http.StatusOK {
		ts.t.Fatalf("GET /metrics: status %d: %.200s", status, body)
	}
	return body
}

// httpGet fetches url and returns the status and body.
func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// lockedBuffer is a log the server writes from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The metrics (route names and counts) are served on --metrics-listen only,
// never on the public listener; without the flag nothing serves them.
func TestServe_MetricsOnTheirOwnListener(t *testing.T) {
	cliClearEnv(t)
	tests := []struct {
		name  string
		flags []string
	}{
		{"with --metrics-listen", []string{"--metrics-listen", "127.0.0.1:0"}},
		{"off by default", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			log := &lockedBuffer{}
			served := make(chan error, 1)
			args := append([]string{"--listen", "127.0.0.1:0", "--data-dir", t.TempDir(), "--bcrypt-cost", "4"}, tt.flags...)
			go func() { served <- serveCommand(ctx, args, log) }()
			defer func() {
				cancel()
				if err := <-served; err != nil {
					t.Errorf("serve: %v\n%s", err, log.String())
				}
			}()
			var base, metricsAt string
			waitFor(t, "the listening line", func() bool {
				for _, line := range strings.Split(log.String(), "\n") {
					if a, ok := logAddr(line); ok && strings.Contains(line, `msg="metrics listening"`) {
						metricsAt = "http://" + a
					} else if ok && strings.Contains(line, "msg=listening") {
						base = "http://" + a
					}
				}
				return base != ""
			})
			if status, _ := httpGet(t, base+"/healthz"); status != http.StatusOK {
				t.Fatalf("GET /healthz: %d", status)
			}
			if status, body := httpGet(t, base+"/metrics"); status != http.StatusNotFound || strings.Contains(body, "parley_") {
				t.Fatalf("the public listener serves /metrics: %d %.200s", status, body)
			}
			if tt.flags == nil {
				if metricsAt != "" {
					t.Fatalf("metrics served at %s without --metrics-listen", metricsAt)
				}
				return
			}
			if metricsAt == "" {
				t.Fatalf("no metrics listening line:\n%s", log.String())
			}
			status, body := httpGet(t, metricsAt+"/metrics")
			want := `parley_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`
			if status != http.StatusOK || !strings.Contains(body, want) {
				t.Fatalf("GET /metrics on its own listener: %d, want %s in:\n%.2000s", status, want, body)
			}
		})
	}
}
