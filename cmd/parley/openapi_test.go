package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// ginParam matches a gin path parameter (":id"); OpenAPI writes it "{id}".
var ginParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func TestOpenAPI_DescribesEveryRoute(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t)
	engine := ts.router

	registered := map[string]bool{}
	for _, r := range engine.Routes() {
		registered[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}

	for _, route := range sortedKeys(registered) {
		if !documented[route] {
			t.Errorf("%s is registered but missing from openapi.yaml", route)
		}
	}
	for _, op := range sortedKeys(documented) {
		if !registered[op] {
			t.Errorf("%s is in openapi.yaml but no such route is registered", op)
		}
	}
	for _, must := range []string{"GET /healthz", "GET /api/v1/openapi.json"} {
		if !registered[must] || !documented[must] {
			t.Errorf("%s: registered %v, documented %v; want both", must, registered[must], documented[must])
		}
	}
}

func TestOpenAPI_ServedAsJSON(t *testing.T) {
	ts := newTestServer(t)
	res, err := http.Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatalf("served document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("served document is not valid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if doc.Paths.Find("/api/v1/channels/{id}/messages") == nil {
		t.Errorf("served document lacks /api/v1/channels/{id}/messages")
	}
}

// failures is a testing.TB that records failures instead of failing.
type failures struct {
	testing.TB
	msgs []string
}

func (f *failures) Helper() {}
func (f *failures) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}
func (f *failures) Fatalf(format string, args ...any) { f.Errorf(format, args...) }

func TestOpenAPI_ResponseCheck(t *testing.T) {
	const channel = `{"id":5,"name":"general","kind":"public","private":false,"topic":"","purpose":"","creator_id":1,
		"archived":false,"archived_at":null,"created_at":1,"updated_at":1,"member_count":1,"is_member":true,
		"last_read_id":0,"unread_count":0,"mention_count":0}`
	const notFound = `{"error":{"code":"channel_not_found","message":"channel not found"}}`
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantFailure        bool
	}{
		{"valid channel", "GET", "/api/v1/channels/5", 200, jsonHeader, channel, false},
		{"valid error", "GET", "/api/v1/channels/5", 404, jsonHeader, notFound, false},
		{"extra field", "GET", "/api/v1/channels/5", 200, jsonHeader, strings.Replace(channel, `"id":5`, `"id":5,"secret":1`, 1), true},
		{"missing field", "GET", "/api/v1/channels/5", 200, jsonHeader, strings.Replace(channel, `"archived_at":null,`, "", 1), true},
		{"null where not nullable", "GET", "/api/v1/channels/5", 200, jsonHeader, strings.Replace(channel, `"topic":""`, `"topic":null`, 1), true},
		{"undocumented status", "GET", "/api/v1/channels/5", 418, jsonHeader, notFound, true},
		{"wrong content type", "GET", "/api/v1/channels/5", 200, http.Header{"Content-Type": {"text/html"}}, channel, true},
		{"429 without Retry-After", "GET", "/api/v1/channels/5", 429, jsonHeader, notFound, true},
		{"429 with Retry-After", "GET", "/api/v1/channels/5", 429,
			http.Header{"Content-Type": {"application/json"}, "Retry-After": {"3"}}, notFound, false},
		{"undocumented API route", "GET", "/api/v1/nothing", 200, jsonHeader, `{}`, true},
		{"unknown API route answered 404", "GET", "/api/v1/nothing", 404, jsonHeader, `{"error":{"code":"route_not_found","message":"x"}}`, false},
		{"wrong method answered 405", "PUT", "/api/v1/channels/5", 405, jsonHeader, `{"error":{"code":"method_not_allowed","message":"x"}}`, false},
		{"not the API", "GET", "/some/page", 200, http.Header{"Content-Type": {"text/html"}}, "<p>hi", false},
		{"file download", "GET", "/api/v1/files/3", 200, http.Header{"Content-Type": {"application/json"}}, `[1,2]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://127.0.0.1"+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := &failures{TB: t}
			checkOpenAPI(rec, req, &http.Response{StatusCode: tt.status, Header: tt.header}, []byte(tt.body))
			if failed := len(rec.msgs) > 0; failed != tt.wantFailure {
				t.Errorf("failed = %v, want %v; messages: %q", failed, tt.wantFailure, rec.msgs)
			}
		})
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
