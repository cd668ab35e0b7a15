// Package ui is Parley's web client, embedded in the binary and served as
// static files. It imports nothing of Parley's: it speaks HTTP and WebSocket.
package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
)

//go:embed static
var static embed.FS

// ContentSecurityPolicy allows only the client's own scripts, styles and
// connections (the WebSocket included): no inline script or style, no
// plugins, no framing. Images may come from anywhere over http(s), as bot
// and attachment icons do.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// asset is one file, ready to serve: its bytes, gzipped bytes (when that
// is smaller) and type.
type asset struct {
	body        []byte
	gzipped     []byte
	contentType string
}

// Client serves the web client. Files are served at their paths with
// revalidation, and under /assets/<version>/ with a year-long immutable
// cache: index.html points there, so a new build is fetched at once and
// an unchanged one never again. <version> hashes every file.
type Client struct {
	version string
	files   map[string]*asset
}

// assetRef finds the relative css/ and js/ references index.html makes.
var assetRef = regexp.MustCompile(`(href|src)="((?:css|js|img)/[^"]+)"`)

// New loads the embedded client.
func New() (*Client, error) {
	root, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	c := &Client{files: map[string]*asset{}}
	var names []string
	raw := map[string][]byte{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		names = append(names, p)
		raw[p] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load the web client: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(raw[n]))
		h.Write(raw[n])
	}
	c.version = hex.EncodeToString(h.Sum(nil))[:12]
	for _, n := range names {
		body := raw[n]
		if n == "index.html" {
			body = assetRef.ReplaceAll(body, []byte(`$1="/assets/`+c.version+`/$2"`))
		}
		c.files[n] = newAsset(n, body)
	}
	return c, nil
}

func newAsset(name string, body []byte) *asset {
	a := &asset{body: body, contentType: mime.TypeByExtension(path.Ext(name))}
	switch path.Ext(name) {
	case ".js", ".mjs":
		a.contentType = "text/javascript; charset=utf-8"
	case ".css":
		a.contentType = "text/css; charset=utf-8"
	case ".html":
		a.contentType = "text/html; charset=utf-8"
	case ".svg":
		a.contentType = "image/svg+xml"
	}
	if a.contentType == "" {
		a.contentType = "application/octet-stream"
	}
	if strings.HasPrefix(a.contentType, "text/") || strings.Contains(a.contentType, "svg") || strings.Contains(a.contentType, "json") {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			a.gzipped = buf.Bytes()
		}
	}
	return a
}

// Version is the hash of the client's files.
func (c *Client) Version() string { return c.version }

// ServeHTTP serves GET and HEAD for the client's files.
func (c *Client) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	immutable := false
	if rest, ok := strings.CutPrefix(name, "assets/"); ok {
		version, file, _ := strings.Cut(rest, "/")
		if version != c.version {
			// An old page asking for assets of a previous build: the
			// files it wants are gone, so it must reload.
			http.NotFound(w, r)
			return
		}
		name, immutable = file, true
	}
	if name == "" {
		name = "index.html"
	}
	a, ok := c.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", `"`+c.version+`"`)
		if match := r.Header.Get("If-None-Match"); match == `"`+c.version+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := a.body
	if a.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = a.gzipped
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
