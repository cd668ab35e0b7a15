package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// The profiler answers on its own listener only.
func TestDebugListen_ServesProfilerApart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := serveDebug(ln)
	defer stop()
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, body := get("http://" + ln.Addr().String() + "/debug/pprof/"); status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("profiler index: %d %.200s", status, body)
	}
	ts := newTestServer(t)
	if _, body := get(ts.URL + "/debug/pprof/"); strings.Contains(body, "goroutine") {
		t.Fatalf("the public address serves the profiler: %.200s", body)
	}
}
