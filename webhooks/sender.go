package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrForbiddenAddress is returned when a destination resolves to an address
// the SSRF guard refuses (loopback, private, link-local, metadata...).
var ErrForbiddenAddress = errors.New("destination address is not allowed")

// SenderOptions configure a Sender.
type SenderOptions struct {
	// Allow lists CIDRs (10.0.0.0/8, 127.0.0.1/32) or bare addresses and
	// host names that may be reached although the guard would refuse them.
	Allow []string
	// Timeout bounds one request, connect to last byte (default 10 s).
	Timeout time.Duration
	// Resolver resolves host names (default net.DefaultResolver); tests
	// replace it to make a name resolve to a private address.
	Resolver *net.Resolver
}

// Sender makes signed outbound HTTP calls (outgoing webhooks, slash
// commands) through an SSRF guard that checks the resolved address at
// connect time, so a DNS answer that changes between check and use does
// not get through.
type Sender struct {
	client   *http.Client
	resolver *net.Resolver
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// MaxRedirects is how many redirects a request may follow (Slack gives up
// after two: too_many_redirects).
const MaxRedirects = 2

// MaxResponseBody is how much of a response body a Result keeps.
const MaxResponseBody = 4 << 10

// ParseAllowlist splits a comma-separated --webhook-allow-hosts value.
func ParseAllowlist(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// NewSender builds a Sender; it fails on an allowlist entry that is neither
// a CIDR, an address nor a host name.
func NewSender(opts SenderOptions) (*Sender, error) {
	s := &Sender{hosts: map[string]bool{}}
	for _, a := range opts.Allow {
		if p, err := netip.ParsePrefix(a); err == nil {
			s.prefixes = append(s.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			s.prefixes = append(s.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		if strings.ContainsAny(a, "/ :") {
			return nil, fmt.Errorf("webhook allowlist: %q is not a CIDR, address or host name", a)
		}
		s.hosts[strings.ToLower(strings.TrimSuffix(a, "."))] = true
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	s.resolver = opts.Resolver
	if s.resolver == nil {
		s.resolver = net.DefaultResolver
	}
	guarded := &net.Dialer{Timeout: opts.Timeout, Resolver: s.resolver, Control: s.control}
	open := &net.Dialer{Timeout: opts.Timeout, Resolver: s.resolver}
	transport := &http.Transport{
		// No proxy from the environment: a proxy would connect for us and
		// the guard would only ever see the proxy's address.
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			if s.hosts[strings.ToLower(strings.TrimSuffix(host, "."))] {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
	}
	s.client = &http.Client{
		Transport: transport,
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return errTooManyRedirects
			}
			if _, err := s.checkHost(req.URL.Hostname()); err != nil {
				return err
			}
			// The signature is the receiver's credential: it does not
			// follow a redirect to another host.
			if !sameHost(req.URL, via[0].URL) {
				for _, h := range signatureHeaders {
					req.Header.Del(h)
				}
			}
			return nil
		},
	}
	return s, nil
}

var errTooManyRedirects = errors.New("too many redirects")

// signatureHeaders are the headers that sign a request for its receiver.
var signatureHeaders = []string{"X-Parley-Signature", "X-Parley-Request-Timestamp", "X-Slack-Signature", "X-Slack-Request-Timestamp"}

// sameHost compares the host and port of two URLs as a browser would.
func sameHost(a, b *url.URL) bool {
	return strings.EqualFold(strings.TrimRight(a.Hostname(), "."), strings.TrimRight(b.Hostname(), ".")) && a.Port() == b.Port()
}

// Close drops the sender's idle keep-alive connections.
func (s *Sender) Close() { s.client.CloseIdleConnections() }

// Sign returns the v0 signature of body at ts: "v0=" + hex HMAC-SHA256 of
// "v0:{ts}:{body}" keyed with secret, as Slack signs its requests.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// Request is one signed outbound POST.
type Request struct {
	URL string
	// Method is POST (the default) or GET, which sends Body as the URL's
	// query string (a form) and signs it as a POST's body is signed.
	Method      string
	Body        []byte
	ContentType string
	// Secret signs the request; empty sends it unsigned.
	Secret string
	// DeliveryID stays the same across the retries of one delivery.
	DeliveryID string
	// Attempt counts from 0; retries (Attempt > 0) carry the retry headers
	// with RetryReason (why the previous attempt failed).
	Attempt     int
	RetryReason string
	// Header holds extra headers (Accept, Authorization...).
	Header http.Header
	// Now is the signing time (default time.Now).
	Now time.Time
	// MaxBody is how much of the response Result.Body keeps (default
	// MaxResponseBody).
	MaxBody int
}

// Result is what one attempt came to.
type Result struct {
	Status  int           `json:"status"`
	Latency time.Duration `json:"-"`
	// Body is the first MaxResponseBody bytes of the response.
	Body   []byte      `json:"-"`
	Header http.Header `json:"-"`
	// Err is the transport error, or nil when a response came back.
	Err error `json:"-"`
	// Retryable is true for network errors, 5xx, 408 and 429, unless the
	// receiver said X-Slack-No-Retry: 1.
	Retryable bool `json:"retryable"`
	// RetryAfter is the receiver's Retry-After, 0 when absent.
	RetryAfter time.Duration `json:"-"`
	// Reason is the X-Slack-Retry-Reason a retry of this attempt carries:
	// http_timeout, connection_failed, too_many_redirects, ssl_error,
	// http_error or unknown_error; empty on success.
	Reason string `json:"reason,omitempty"`
}

// OK reports whether the receiver answered 2xx.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// Error describes a failed attempt ("" on success).
func (r Result) Error() string {
	switch {
	case r.Err != nil:
		return r.Err.Error()
	case !r.OK():
		return fmt.Sprintf("receiver answered %d", r.Status)
	}
	return ""
}

// Send makes one attempt. It never retries itself: the caller decides when
// from Result.Retryable and Result.RetryAfter.
func (s *Sender) Send(ctx context.Context, in Request) Result {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	var req *http.Request
	var err error
	if in.Method == http.MethodGet {
		target := in.URL
		if len(in.Body) > 0 {
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + string(in.Body)
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		in.ContentType = ""
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, in.URL, bytes.NewReader(in.Body))
	}
	if err != nil {
		return Result{Err: fmt.Errorf("build request: %w", err), Reason: "unknown_error"}
	}
	if _, err := s.checkHost(req.URL.Hostname()); err != nil {
		return Result{Err: err, Reason: errorReason(err)}
	}
	for k, vs := range in.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if in.ContentType != "" {
		req.Header.Set("Content-Type", in.ContentType)
	}
	req.Header.Set("User-Agent", "Parley-Webhooks/1")
	if in.Secret != "" {
		ts := strconv.FormatInt(now.Unix(), 10)
		sig := Sign(in.Secret, now.Unix(), in.Body)
		req.Header.Set("X-Parley-Request-Timestamp", ts)
		req.Header.Set("X-Parley-Signature", sig)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", sig)
	}
	if in.DeliveryID != "" {
		req.Header.Set("X-Parley-Delivery", in.DeliveryID)
	}
	req.Header.Set("X-Parley-Retry-Num", strconv.Itoa(in.Attempt))
	if in.Attempt > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(in.Attempt))
		reason := in.RetryReason
		if reason == "" {
			reason = "unknown_error"
		}
		req.Header.Set("X-Slack-Retry-Reason", reason)
	}

	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: err, Latency: time.Since(start), Retryable: !errors.Is(err, ErrForbiddenAddress), Reason: errorReason(err)}
	}
	defer resp.Body.Close()
	limit := in.MaxBody
	if limit <= 0 {
		limit = MaxResponseBody
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(limit)))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	r := Result{Status: resp.StatusCode, Latency: time.Since(start), Body: body, Header: resp.Header}
	r.classify(now)
	return r
}

func (r *Result) classify(now time.Time) {
	if r.OK() {
		return
	}
	r.Reason = "http_error"
	switch {
	case r.Status >= 500, r.Status == http.StatusRequestTimeout, r.Status == http.StatusTooManyRequests:
		r.Retryable = true
	}
	if r.Header.Get("X-Slack-No-Retry") == "1" {
		r.Retryable = false
	}
	r.RetryAfter = parseRetryAfter(r.Header.Get("Retry-After"), now)
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// errorReason names a transport error the way Slack's X-Slack-Retry-Reason does.
func errorReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, errTooManyRedirects):
		return "too_many_redirects"
	case errors.Is(err, ErrForbiddenAddress):
		return "connection_failed"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "http_timeout"
	case strings.Contains(err.Error(), "tls:"), strings.Contains(err.Error(), "x509:"):
		return "ssl_error"
	default:
		var op *net.OpError
		if errors.As(err, &op) {
			return "connection_failed"
		}
		return "unknown_error"
	}
}
