package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// slowConn is a raw connection to the test server that sends a request's
// headers at once and its body slowly.
type slowConn struct {
	t    *testing.T
	conn net.Conn
}

// dialSlow sends head (the request line and headers, without the blank
// line that ends them) and returns the connection.
func dialSlow(t *testing.T, ts *testServer, head string) *slowConn {
	t.Helper()
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n")+"\r\nHost: "+u.Host+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return &slowConn{t: t, conn: conn}
}

// trickleUntilClosed sends a byte of body every 10 ms until the server
// closes the connection, reading whatever it answered; it fails the test if
// the connection is still open after limit.
func (s *slowConn) trickleUntilClosed(limit time.Duration) {
	s.t.Helper()
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := s.conn.Write([]byte("a")); err != nil {
					return
				}
			}
		}
	}()
	_ = s.conn.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, s.conn) // until EOF, a reset, or the deadline
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		s.t.Fatalf("the connection is still open after %v of a trickling body", limit)
	}
}

// sendSlowly writes body in chunks every 10 ms, then reads the response.
func (s *slowConn) sendSlowly(body []byte, chunks int) *http.Response {
	s.t.Helper()
	size := (len(body) + chunks - 1) / chunks
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for len(body) > 0 {
		<-tick.C // the trickle itself: the wait is what the test is about
		n := min(size, len(body))
		if _, err := s.conn.Write(body[:n]); err != nil {
			s.t.Fatalf("the server stopped reading the body: %v", err)
		}
		body = body[n:]
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	if err != nil {
		s.t.Fatalf("read response: %v", err)
	}
	return res
}

func TestServe_SlowBodiesAreCut(t *testing.T) {
	const bodyTimeout = 300 * time.Millisecond
	ts := newTestServer(t, func(c *Config) { c.BodyTimeout = bodyTimeout; c.UploadTimeout = time.Minute })
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	ws := ana.dialWS("", nil)
	ws.hello(ana.User.ID)
	var hook createdHook
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": ch.ID, "name": "ci"}, &hook)

	// Each request announces a body far larger than the trickle sends in the
	// time allowed: without a body deadline the connection stays open.
	tests := []struct{ name, head string }{
		{"a login", "POST /api/v1/login HTTP/1.1\nContent-Type: application/json\nContent-Length: 100000"},
		{"a message, signed in", fmt.Sprintf("POST /api/v1/channels/%d/messages HTTP/1.1\nAuthorization: Bearer %s\nContent-Type: application/json\nContent-Length: 100000", ch.ID, ana.Token)},
		{"a Slack API call", "POST /api/slack/chat.postMessage HTTP/1.1\nAuthorization: Bearer " + ana.Token + "\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 100000"},
		{"an incoming webhook post", "POST " + hook.path() + " HTTP/1.1\nContent-Type: application/json\nContent-Length: 100000"},
		{"an upload without a token", "POST /api/v1/files HTTP/1.1\nContent-Type: multipart/form-data; boundary=x\nContent-Length: 100000"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is cut off", func(t *testing.T) {
			// Ten times the deadline leaves room for a loaded machine; the
			// trickle itself would last 1,000 s.
			dialSlow(t, ts, tt.head).trickleUntilClosed(10 * bodyTimeout)
		})
	}

	// An authenticated upload gets --upload-timeout for its body.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "notes.txt")
	fw.Write(bytes.Repeat([]byte("slow but steady\n"), 200))
	mw.Close()
	t.Run("an upload signed in may take longer", func(t *testing.T) {
		sc := dialSlow(t, ts, fmt.Sprintf("POST /api/v1/files HTTP/1.1\nAuthorization: Bearer %s\nContent-Type: %s\nContent-Length: %d",
			ana.Token, mw.FormDataContentType(), form.Len()))
		start := time.Now()
		res := sc.sendSlowly(form.Bytes(), 100)
		if res.StatusCode != http.StatusCreated || time.Since(start) < 2*bodyTimeout {
			t.Fatalf("status %d after %v, want 201 after more than %v", res.StatusCode, time.Since(start), 2*bodyTimeout)
		}
	})
	t.Run("a Slack upload signed in may take longer", func(t *testing.T) {
		up, err := ts.slackAPI(ana.Token).GetUploadURLExternalContext(t.Context(),
			slack.GetUploadURLExternalParameters{FileName: "notes.txt", FileSize: form.Len()})
		must(t, err)
		u, err := url.Parse(up.UploadURL)
		must(t, err)
		sc := dialSlow(t, ts, fmt.Sprintf("POST %s HTTP/1.1\nAuthorization: Bearer %s\nContent-Type: %s\nContent-Length: %d",
			u.RequestURI(), ana.Token, mw.FormDataContentType(), form.Len()))
		start := time.Now()
		res := sc.sendSlowly(form.Bytes(), 100)
		if res.StatusCode != http.StatusOK || time.Since(start) < 2*bodyTimeout {
			t.Fatalf("status %d after %v, want 200 after more than %v", res.StatusCode, time.Since(start), 2*bodyTimeout)
		}
	})

	// The WebSocket opened before all this outlived the body deadline.
	m := ana.post(ch.ID, "still here", 0)
	if f := ws.nextOfType("message.created", 5*time.Second); dataID(f) != m.ID {
		t.Fatalf("frame %s, want message %d", f.Raw, m.ID)
	}
}
