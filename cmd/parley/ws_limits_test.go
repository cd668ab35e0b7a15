package main

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestWS_ConnectionLimitUnderConcurrentUpgrades: many upgrades at once never
// open more sockets than the per-user limit.
func TestWS_ConnectionLimitUnderConcurrentUpgrades(t *testing.T) {
	const limit, attempts = 20, 200
	ts := newTestServer(t, func(c *Config) { c.MaxWSPerUser = limit })
	ada := ts.signup("ada")
	var mu sync.Mutex
	var open []*wsClient
	refused := 0
	var wg sync.WaitGroup
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, res, err := ada.tryDialWS("", nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				open = append(open, ws)
			case res != nil && res.StatusCode == http.StatusTooManyRequests:
				refused++
			default:
				t.Errorf("dial: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(open) > limit || len(open)+refused != attempts {
		t.Fatalf("%d sockets open and %d refused of %d upgrades, limit %d", len(open), refused, attempts, limit)
	}
	for _, ws := range open {
		ws.hello(ada.User.ID)
	}
	// The refused upgrades left no count behind: closing one socket frees
	// exactly one place.
	open[0].conn.Close()
	ada.waitForWSPlace()
}

// TestWS_ClosedWhenTokenExpires: a socket opened with a token that expires
// is closed with 4003 at its expiry, and the token opens no new one.
func TestWS_ClosedWhenTokenExpires(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	var tok struct {
		Token     string `json:"token"`
		ExpiresAt int64  `json:"expires_at"`
	}
	ada.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "short", "expires_in": 1}, &tok)
	short := &client{ts: ts, Token: tok.Token, User: ada.User, Header: http.Header{}}
	ws := short.dialWS("", nil)
	ws.hello(ada.User.ID)
	// A session that lives on keeps its socket.
	long := ada.dialWS("", nil)
	long.hello(ada.User.ID)

	code, _ := ws.closeCode()
	if code != 4003 {
		t.Fatalf("close code %d, want 4003", code)
	}
	if now := time.Now().UnixMilli(); now < tok.ExpiresAt {
		t.Fatalf("closed %d ms before the token expired", tok.ExpiresAt-now)
	}
	if _, res, err := short.tryDialWS("", nil); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an expired token opened a socket: %v", err)
	}
	long.ping()
}
