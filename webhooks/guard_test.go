package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSender_Allowed(t *testing.T) {
	s, err := NewSender(SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false,
		"::1": false, "::": false, "fe80::1": false, "fd00:ec2::254": false, "fc00::1": false, "ff02::1": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "::127.0.0.1": false, "::ffff:0:7f00:1": false,
		"64:ff9b::7f00:1": false, "64:ff9b::a9fe:a9fe": false, "2002:7f00:1::": false, "2002:a00:1::1": false,
		"::1%lo": false, "2001:0:4136:e378:8000:63bf:3fff:fdd2": false, "fe80::1%eth0": false, "fd00:ec2::254%eth0": false, "0:0:0:0:0:0:0:1%x": false,
		"2606:4700::1111%eth0": false, "93.184.216.34": true, "2606:4700::1111": true, "8.8.8.8": true, "::ffff:8.8.8.8": true,
	} {
		if got := s.Allowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", addr, got, want)
		}
	}
	if _, err := NewSender(SenderOptions{Allow: []string{"10.0.0.0/33"}}); err == nil {
		t.Error("a bad CIDR must be refused")
	}
}

// countingResolver fails every DNS query and counts them, so a test can
// tell whether the guard asked a resolver about a host.
func countingResolver() (*net.Resolver, *atomic.Int32) {
	var n atomic.Int32
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		n.Add(1)
		return nil, errors.New("no DNS in this test")
	}}, &n
}

func TestSender_CheckURL(t *testing.T) {
	resolver, queries := countingResolver()
	s, err := NewSender(SenderOptions{Resolver: resolver, Allow: []string{"hooks.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	refused := []string{
		// zoned IPv6 literals, as written in URLs (%25) and as a dialer sees them
		"http://[::1%25lo]:8080/", "http://[::1%25eth0]/", "http://[0:0:0:0:0:0:0:1%25x]/",
		"http://[fe80::1%25eth0]/", "http://[fd00:ec2::254%25eth0]/latest/meta-data/",
		// IPv4-mapped, NAT64 and 6to4 embedding private IPv4
		"http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:169.254.169.254]/",
		"http://[64:ff9b::10.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:c0a8:101::1]/", "http://[2002:7f00:1::]/",
		// IPv4 in the spellings inet_aton reads
		"http://2130706433/", "http://0177.1/", "http://127.1/", "http://0x7f.1/", "http://0x7f000001/",
		"http://0177.0.0.1/", "http://127.000.000.001/", "http://017700000001/", "http://10.1/", "http://169.254.43518/",
		"http://0/", "http://0.0.0.0/", "http://[::]/", "http://[::1]/",
		// loopback names and trailing dots
		"http://localhost/", "http://localhost./", "http://LOCALHOST../", "http://api.localhost/", "http://a.b.localhost./",
		"http://127.0.0.1./", "http://169.254.169.254./",
		// numeric hosts that are no address at all
		"http://1.2.3.4.5/", "http://4294967296/", "http://256.1.1.1/", "http://08.1/",
		// no host
		"http:///path",
	}
	for _, u := range refused {
		if err := s.CheckURL(u); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("CheckURL(%s) = %v, want ErrForbiddenAddress", u, err)
		}
	}
	if n := queries.Load(); n != 0 {
		t.Errorf("the guard asked a resolver %d times about IP literals", n)
	}
	// Host names pass unresolved: the dialer checks what they resolve to.
	allowed := []string{"http://93.184.216.34/", "http://[2606:4700::1111]/", "http://134744072/", "http://8.8.8.8./",
		"http://hooks.internal/", "http://HOOKS.internal./", "https://example.com/hook", "http://127.example.com/"}
	for _, u := range allowed {
		if err := s.CheckURL(u); err != nil {
			t.Errorf("CheckURL(%s) = %v, want nil", u, err)
		}
	}
	if n := queries.Load(); n != 0 {
		t.Errorf("the guard asked a resolver %d times before connecting", n)
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "0177.1": "127.0.0.1", "127.1": "127.0.0.1", "0x7f.1": "127.0.0.1",
		"0x7f.0.0.1": "127.0.0.1", "10.1.258": "10.1.1.2", "0": "0.0.0.0", "0x": "0.0.0.0", "1.2.3.4": "1.2.3.4",
		"4294967295": "255.255.255.255", "017700000001": "127.0.0.1",
	} {
		got, ok := parseLegacyIPv4(in)
		if !ok || got.String() != want {
			t.Errorf("parseLegacyIPv4(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "1.2.3.4.5", "4294967296", "256.1", "1.16777216", "08", "0x1g", "1..2", "-1", "1.2.3.256"} {
		if got, ok := parseLegacyIPv4(in); ok {
			t.Errorf("parseLegacyIPv4(%q) = %v, want refused", in, got)
		}
	}
}

// TestSender_GuardForms sends to a live loopback receiver through each
// disguise of its address: none may reach it.
func TestSender_GuardForms(t *testing.T) {
	var hits atomic.Int32
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	v4 := httptest.NewServer(count)
	defer v4.Close()
	port := v4.URL[strings.LastIndex(v4.URL, ":")+1:]
	urls := []string{"http://2130706433:" + port, "http://0177.1:" + port, "http://127.1:" + port, "http://0x7f.1:" + port,
		"http://localhost.:" + port, "http://127.0.0.1.:" + port, "http://[::ffff:127.0.0.1]:" + port, "http://0.0.0.0:" + port}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		v6 := &httptest.Server{Listener: ln, Config: &http.Server{Handler: count}}
		v6.Start()
		defer v6.Close()
		p6 := v6.URL[strings.LastIndex(v6.URL, ":")+1:]
		urls = append(urls, "http://[::1%25lo]:"+p6, "http://[::1%25eth0]:"+p6, "http://[0:0:0:0:0:0:0:1%25x]:"+p6,
			"http://[::1]:"+p6, "http://[::]:"+p6)
	}
	s, err := NewSender(SenderOptions{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range urls {
		r := s.Send(context.Background(), Request{URL: u, Body: []byte("{}")})
		if !errors.Is(r.Err, ErrForbiddenAddress) || r.Retryable {
			t.Errorf("Send(%s): err %v, retryable %v; want a final ErrForbiddenAddress", u, r.Err, r.Retryable)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver was reached %d times", n)
	}
}

// TestSender_RedirectSignature: a redirect to another host neither reaches a
// refused address nor carries the signature; one within the host keeps it.
func TestSender_RedirectSignature(t *testing.T) {
	var mu sync.Mutex
	got := map[string]http.Header{}
	record := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got[name+r.URL.Path] = r.Header.Clone()
			mu.Unlock()
		})
	}
	other := httptest.NewServer(record("other"))
	defer other.Close()
	otherPort := other.URL[strings.LastIndex(other.URL, ":")+1:]
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, "http://localhost:"+otherPort+"/landed", http.StatusTemporaryRedirect)
		case "/zoned":
			http.Redirect(w, r, "http://[::1%25lo]:"+otherPort+"/landed", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/stay", http.StatusTemporaryRedirect)
		default:
			record("origin").ServeHTTP(w, r)
		}
	}))
	defer origin.Close()
	s, err := NewSender(SenderOptions{Allow: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(path string) Result {
		return s.Send(context.Background(), Request{URL: origin.URL + path, Body: []byte("{}"), Secret: "s3cret"})
	}
	if r := send("/away"); !r.OK() {
		t.Fatalf("redirect away: %+v", r)
	}
	if r := send("/here"); !r.OK() {
		t.Fatalf("redirect within the host: %+v", r)
	}
	if r := send("/zoned"); !errors.Is(r.Err, ErrForbiddenAddress) {
		t.Fatalf("redirect to a zoned address: %v", r.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	away, here := got["other/landed"], got["origin/stay"]
	if away == nil || here == nil {
		t.Fatalf("requests seen: %v", got)
	}
	for _, h := range signatureHeaders {
		if away.Get(h) != "" {
			t.Errorf("%s followed the redirect to another host", h)
		}
		if here.Get(h) == "" {
			t.Errorf("%s was dropped on a redirect within the host", h)
		}
	}
}
