package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels"
)

// testServer is the whole application on a real SQLite file in a temp
// folder, served by httptest on loopback.
type testServer struct {
	t   testing.TB
	URL string
	app *app
	cfg Config
	// router is the engine the server runs (its routes, its hub).
	router *gin.Engine
	// observer is a user in no channel, for settle.
	observer *client
}

// newTestServer starts Parley with test-friendly settings; tweak adjusts
// the configuration first.
func newTestServer(t testing.TB, tweak ...func(*Config)) *testServer {
	t.Helper()
	return startTestServer(t, nil, tweak...)
}

// startTestServer is newTestServer with the listener wrapped by wrap, when
// not nil (to shape the server's sockets).
func startTestServer(t testing.TB, wrap func(net.Listener) net.Listener, tweak ...func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.BcryptCost = bcrypt.MinCost
	cfg.OpenSignup = true
	cfg.RateLimit = 0
	cfg.BotPostRate = 0
	cfg.SQLiteSync = "normal"
	for _, f := range tweak {
		f(&cfg)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := openApp(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	// The router learns the listener's URL, which browsers' Origin matches.
	srv := httptest.NewUnstartedServer(nil)
	err = a.Start(context.Background(), "http://"+srv.Listener.Addr().String())
	var router *gin.Engine
	if err == nil {
		router, err = newRouter(a)
	}
	if err != nil {
		srv.Close()
		a.Close()
		t.Fatalf("router: %v", err)
	}
	srv.Config = newHTTPServer(cfg, router)
	if wrap != nil {
		srv.Listener = wrap(srv.Listener)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &testServer{t: t, URL: srv.URL, app: a, cfg: cfg, router: router}
}

// client calls the API as one user (or anonymously with an empty token).
type client struct {
	ts    *testServer
	Token string
	User  channels.User
	// Header is sent with every request.
	Header http.Header
}

// anon is a client without credentials.
func (ts *testServer) anon() *client { return &client{ts: ts, Header: http.Header{}} }

// signup creates a user (the first becomes admin) and returns its client.
func (ts *testServer) signup(name string) *client {
	ts.t.Helper()
	var out struct {
		User  channels.User `json:"user"`
		Token string        `json:"token"`
	}
	ts.anon().mustJSON(http.StatusCreated, "POST", "/api/v1/signup",
		map[string]any{"username": name, "password": "password-" + name}, &out)
	return &client{ts: ts, Token: out.Token, User: out.User, Header: http.Header{}}
}

// response is a finished request.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Error is the error code of an error envelope ("" if there is none).
func (r *response) Error() string {
	var env struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &env)
	return env.Error.Code
}

// do sends a request. body may be nil, []byte / string (sent as is) or any
// value (sent as JSON).
func (c *client) do(method, path string, body any) *response {
	c.ts.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.ts.t.Fatalf("encode body: %v", err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.ts.URL+path, r)
	if err != nil {
		c.ts.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.ts.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.ts.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	checkOpenAPI(c.ts.t, req, res, raw)
	return &response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// mustJSON sends a request, requires the status and decodes the body into out
// (when out is not nil).
func (c *client) mustJSON(status int, method, path string, body, out any) *response {
	c.ts.t.Helper()
	res := c.do(method, path, body)
	if res.Status != status {
		c.ts.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, res.Status, status, res.Body)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			c.ts.t.Fatalf("%s %s: decode %s: %v", method, path, res.Body, err)
		}
	}
	return res
}

// createChannel makes a public or private channel.
func (c *client) createChannel(name string, private bool) channels.Channel {
	c.ts.t.Helper()
	var ch channels.Channel
	c.mustJSON(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": name, "private": private}, &ch)
	return ch
}

// join joins a public channel.
func (c *client) join(channelID int64) {
	c.ts.t.Helper()
	c.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/join", channelID), nil, nil)
}

// addMember adds another user to a channel.
func (c *client) addMember(channelID, userID int64) {
	c.ts.t.Helper()
	c.mustJSON(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/channels/%d/members", channelID),
		map[string]any{"user_id": userID}, nil)
}

// post posts a message (a reply when threadID is not 0).
func (c *client) post(channelID int64, text string, threadID int64) channels.Message {
	c.ts.t.Helper()
	var m channels.Message
	body := map[string]any{"text": text}
	if threadID != 0 {
		body["thread_id"] = threadID
	}
	c.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", channelID), body, &m)
	return m
}

// wantError requires res to be an error envelope with the status and code.
func wantError(t testing.TB, res *response, status int, code string) {
	t.Helper()
	if res.Status != status || res.Error() != code {
		t.Fatalf("got status %d code %q, want %d %q; body: %s", res.Status, res.Error(), status, code, res.Body)
	}
}

// withHeader returns a copy of c that also sends the header.
func (c *client) withHeader(key, value string) *client {
	cp := *c
	cp.Header = c.Header.Clone()
	cp.Header.Set(key, value)
	return &cp
}

// upload sends content as a multipart upload in the field "file".
func (c *client) upload(name string, content []byte) *response {
	c.ts.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.ts.t.Fatalf("multipart: %v", err)
	}
	fw.Write(content)
	mw.Close()
	cp := c.withHeader("Content-Type", mw.FormDataContentType())
	return cp.do("POST", "/api/v1/files", body.Bytes())
}

// poll calls cond every 5 ms until it holds, failing the test after
// timeout.
func poll(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	poll(t, 10*time.Second, what, cond)
}
