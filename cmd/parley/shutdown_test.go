package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// TestServe_SIGTERMIsGraceful sends SIGTERM to the real binary while clients
// are posting: the process must exit 0, say it stopped, and every post it
// acknowledged must be there after a restart.
func TestServe_SIGTERMIsGraceful(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds and runs the binary")
	}
	bin := durBuildBinary(t)
	dataDir := t.TempDir()
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	p := durStart(t, bin, dataDir)
	session, ch := durSignupWithChannel(t, client, p.base, "graceful")

	var mu sync.Mutex
	var acked []int64
	started := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for m := 0; m < 2000; m++ {
				var msg channels.Message
				st, err := durCall(client, "POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", p.base, ch.ID),
					session.Token, map[string]any{"text": fmt.Sprintf("g%d-m%d", g, m)}, &msg)
				if err != nil || st != http.StatusCreated {
					return // shutting down: refused or closed
				}
				mu.Lock()
				acked = append(acked, msg.ID)
				if len(acked) == 50 {
					once.Do(func() { close(started) })
				}
				mu.Unlock()
			}
		}(g)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("posts did not start")
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("parley did not exit after SIGTERM")
	}
	wg.Wait()
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, p.log.String())
	}
	if !strings.Contains(p.log.String(), "msg=stopped") {
		t.Errorf("no stopped line in the log:\n%s", p.log.String())
	}

	p2 := durStart(t, bin, dataDir)
	stored := map[int64]bool{}
	for _, m := range durAllMessages(t, client, p2.base, session.Token, ch.ID) {
		stored[m.ID] = true
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged message %d is missing after a graceful restart", id)
		}
	}
}
