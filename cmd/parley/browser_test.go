package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests drive Debian's headless Chromium with chromedp against a
// real server. Without Chromium they are skipped with a message that says
// how to get it; CI installs it (.ci/run).

// chromiumPath finds a Chromium or Chrome binary, or "" when none is
// installed.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser opens headless Chromium windows for a test. Each newTab is a
// Chromium of its own (its own profile and cookies), so two tabs are two
// people.
type browser struct {
	t    *testing.T
	path string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("headless Chromium not found: install it (Debian: apt-get install -y chromium) to run the browser tests")
	}
	return &browser{t: t, path: path}
}

// newTab starts a Chromium and returns its tab; every action in it is
// bounded by timeout.
func (b *browser) newTab(timeout time.Duration) context.Context {
	b.t.Helper()
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile as the test ends, which would fail that cleanup.
	profile, err := os.MkdirTemp("", "parley-chromium-")
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { _ = os.RemoveAll(profile) }) // best effort, after the browser is gone
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(b.path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(profile),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b.t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	b.t.Cleanup(cancel)
	if err := chromedp.Run(ctx); err != nil {
		b.t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	b.t.Cleanup(cancelTimeout)
	return ctx
}

// browse runs browser actions, failing the test with what was being done.
func browse(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// screenshot saves the page to docs/<name>.png when PARLEY_SCREENSHOTS is
// set (make screenshots), for the README.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("PARLEY_SCREENSHOTS") == "" {
		return
	}
	var png []byte
	browse(t, ctx, "screenshot "+name, chromedp.FullScreenshot(&png, 100)) // quality 100 makes a PNG
	dir := filepath.Join("..", "..", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The message renderers' own test page: Markdown, mrkdwn, attachments and
// Block Kit rendered as DOM, hostile input inert.
func TestBrowser_RenderPage(t *testing.T) {
	ts := newTestServer(t)
	b := newBrowser(t)
	tab := b.newTab(60 * time.Second)
	var result, details string
	browse(t, tab, "open the render test page",
		chromedp.Navigate(ts.URL+"/js/render/render_test.html"),
		chromedp.WaitVisible(`body[data-result]`, chromedp.ByQuery),
		chromedp.AttributeValue(`body`, "data-result", &result, nil, chromedp.ByQuery),
		chromedp.Text(`body`, &details, chromedp.ByQuery),
	)
	if result != "pass" {
		t.Fatalf("render tests: %s\n%s", result, details)
	}
	if strings.TrimSpace(details) == "" {
		t.Fatal("the render test page shows nothing")
	}
}

// The router serves the client with 200s (gin presets 404 for unmatched
// routes), its security headers and the API's 404s next to it.
func TestWebClient_Served(t *testing.T) {
	ts := newTestServer(t)
	for path, want := range map[string]int{"/": 200, "/js/render/message.js": 200, "/nope.js": 404, "/api/v1/nope": 404} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, res.StatusCode, want)
		}
		if want == 200 && res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s has no Content-Security-Policy", path)
		}
	}
}
