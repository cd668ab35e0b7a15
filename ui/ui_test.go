package ui

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, c *Client, path string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	return w.Result()
}

func TestClient_Serving(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Version()) != 12 {
		t.Fatalf("version %q", c.Version())
	}

	res := get(t, c, "/", nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for header, want := range map[string]string{"Cache-Control": "no-cache", "Content-Security-Policy": ContentSecurityPolicy,
		"X-Content-Type-Options": "nosniff"} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
	if strings.Contains(string(body), `src="js/`) || strings.Contains(string(body), `href="css/`) {
		t.Errorf("index.html still points at unversioned assets:\n%s", body)
	}
	if !strings.Contains(string(body), "/assets/"+c.Version()+"/") && strings.Contains(string(body), "<script") {
		t.Errorf("index.html does not point at /assets/%s/", c.Version())
	}

	// Revalidation of the page.
	if res := get(t, c, "/", map[string]string{"If-None-Match": `"` + c.Version() + `"`}); res.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", res.StatusCode)
	}

	// Versioned assets are immutable, every one; other versions are gone.
	for name := range c.files {
		if name == "index.html" {
			continue
		}
		res := get(t, c, "/assets/"+c.Version()+"/"+name, nil)
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("asset %s = %d, Cache-Control %q", name, res.StatusCode, res.Header.Get("Cache-Control"))
		}
		if get(t, c, "/assets/000000000000/"+name, nil).StatusCode != http.StatusNotFound {
			t.Errorf("asset %s of another version is served", name)
		}
	}
	for _, path := range []string{"/nope.js", "/../ui.go", "/assets/", "/static/index.html"} {
		if res := get(t, c, path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
	}
	req := httptest.NewRequest("POST", "/", nil)
	w := httptest.NewRecorder()
	c.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d", w.Code)
	}
}

func TestClient_Gzip(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, c, "/", nil)
	want, _ := io.ReadAll(plain.Body)
	res := get(t, c, "/", map[string]string{"Accept-Encoding": "br, gzip"})
	if c.files["index.html"].gzipped == nil {
		t.Skip("index.html does not shrink with gzip")
	}
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("headers %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if !bytes.Equal(got, want) {
		t.Fatal("gzipped page differs from the plain one")
	}
	if res := get(t, c, "/", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}
}
