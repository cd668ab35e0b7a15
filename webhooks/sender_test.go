package webhooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestSender_Guard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	tests := []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"refuses 127.0.0.1 without allowlist", nil, "http://127.0.0.1:" + port, false},
		{"refuses a name resolving to loopback", nil, "http://localhost:" + port, false},
		{"allows 127.0.0.1 with a CIDR", []string{"127.0.0.0/8"}, "http://127.0.0.1:" + port, true},
		{"allows 127.0.0.1 by address", []string{"127.0.0.1"}, "http://127.0.0.1:" + port, true},
		{"allows a name on the allowlist", []string{"localhost"}, "http://localhost:" + port, true},
		{"other CIDR does not help", []string{"10.0.0.0/8"}, "http://127.0.0.1:" + port, false},
		{"a named host does not open the address", []string{"example.invalid"}, "http://127.0.0.1:" + port, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSender(SenderOptions{Allow: tc.allow, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			r := s.Send(context.Background(), Request{URL: tc.url, Body: []byte("{}")})
			if r.OK() != tc.ok {
				t.Fatalf("OK = %v (err %v), want %v", r.OK(), r.Err, tc.ok)
			}
			if !tc.ok {
				if !errors.Is(r.Err, ErrForbiddenAddress) {
					t.Fatalf("err = %v, want ErrForbiddenAddress", r.Err)
				}
				if r.Retryable {
					t.Fatal("a refused address must not be retried")
				}
			}
		})
	}
}

func TestSender_Signature(t *testing.T) {
	const secret = "s3cret"
	var verified atomic.Bool
	var headers http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers = r.Header.Clone()
		v, err := slack.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			t.Errorf("verifier: %v", err)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = v.Write(body)
		if err := v.Ensure(); err != nil {
			t.Errorf("signature: %v", err)
			w.WriteHeader(401)
			return
		}
		verified.Store(true)
	}))
	defer srv.Close()
	s, _ := NewSender(SenderOptions{Allow: []string{"127.0.0.1"}})
	r := s.Send(context.Background(), Request{URL: srv.URL, Body: []byte(`{"a":1}`), ContentType: "application/json",
		Secret: secret, DeliveryID: "d1", Attempt: 2, RetryReason: "http_error"})
	if !r.OK() || !verified.Load() {
		t.Fatalf("not verified: %+v", r)
	}
	for k, want := range map[string]string{"X-Parley-Delivery": "d1", "X-Parley-Retry-Num": "2", "X-Slack-Retry-Num": "2",
		"X-Slack-Retry-Reason": "http_error", "Content-Type": "application/json"} {
		if got := headers.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if headers.Get("X-Parley-Signature") != headers.Get("X-Slack-Signature") || headers.Get("X-Parley-Request-Timestamp") == "" {
		t.Error("Parley and Slack signature headers differ")
	}
	// Wrong secret fails the independent verifier.
	v, _ := slack.NewSecretsVerifier(headers, "other")
	_, _ = v.Write([]byte(`{"a":1}`))
	if v.Ensure() == nil {
		t.Error("a wrong secret verified")
	}
}

func TestSender_Classify(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		retryable  bool
		retryAfter time.Duration
	}{
		{"200 is success", 200, nil, false, 0},
		{"500 retries", 500, nil, true, 0},
		{"503 with Retry-After", 503, map[string]string{"Retry-After": "7"}, true, 7 * time.Second},
		{"408 retries", 408, nil, true, 0},
		{"429 retries after", 429, map[string]string{"Retry-After": "3"}, true, 3 * time.Second},
		{"404 is permanent", 404, nil, false, 0},
		{"400 is permanent", 400, nil, false, 0},
		{"500 with X-Slack-No-Retry", 500, map[string]string{"X-Slack-No-Retry": "1"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
			}))
			defer srv.Close()
			s, _ := NewSender(SenderOptions{Allow: []string{"127.0.0.0/8"}})
			r := s.Send(context.Background(), Request{URL: srv.URL})
			if r.Status != tc.status || r.Retryable != tc.retryable || r.RetryAfter != tc.retryAfter {
				t.Fatalf("got status %d retryable %v after %v", r.Status, r.Retryable, r.RetryAfter)
			}
			if len(r.Body) != MaxResponseBody {
				t.Fatalf("kept %d bytes of the body", len(r.Body))
			}
		})
	}
	t.Run("network error retries", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		s, _ := NewSender(SenderOptions{Allow: []string{"127.0.0.0/8"}})
		r := s.Send(context.Background(), Request{URL: url})
		if r.Err == nil || !r.Retryable || r.Reason != "connection_failed" {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("redirect to a forbidden host is refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
		}))
		defer srv.Close()
		s, _ := NewSender(SenderOptions{Allow: []string{"127.0.0.1"}})
		r := s.Send(context.Background(), Request{URL: srv.URL})
		if !errors.Is(r.Err, ErrForbiddenAddress) {
			t.Fatalf("got %+v", r)
		}
	})
}
