package bots

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzSlackArgs checks that a Slack method reads the same arguments however
// they are sent: a query string, a form, a multipart form, a JSON body of
// strings, and JSON with blocks as JSON rather than a string holding it.
// The body wins over the query string.
func FuzzSlackArgs(f *testing.F) {
	// The arguments of TestSlackArgs_Encodings, and a few awkward ones.
	f.Add("hi", `[{"type":"divider"}]`, "1", "")
	f.Add("hi", ` [ {"type": "section", "text": {"type": "mrkdwn", "text": "<b> & </b>"}} ] `, "true", "20")
	f.Add("", "", "yes", "-3")
	f.Add("a&b=c;d\r\n%zz", "null", "FALSE", "1e3")
	f.Add("x", `[{"type":`, "no", " 7")
	f.Add("x", `"[1]"`, "0", "9223372036854775808")
	f.Fuzz(func(t *testing.T, text, blocks, flag, limit string) {
		vals := map[string]string{"text": text, "blocks": blocks, "inclusive": flag, "limit": limit}
		for k, v := range vals {
			vals[k] = strings.ToValidUTF8(v, "\uFFFD") // JSON carries text only
		}
		form := url.Values{}
		for k, v := range vals {
			form.Set(k, v)
		}
		const query = "?text=from+the+query&q=1"
		encodings := map[string]*http.Request{
			"query": httptest.NewRequest(http.MethodGet, "/api/slack/x?"+form.Encode(), nil),
			"form":  argsRequest("application/x-www-form-urlencoded", query, []byte(form.Encode())),
		}
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		for k, v := range vals {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		encodings["multipart"] = argsRequest(w.FormDataContentType(), query, mp.Bytes())
		encodings["json strings"] = argsRequest("application/json; charset=utf-8", query, mustJSON(t, vals))
		// Blocks as JSON (a JSON string there would be read as holding JSON).
		rawBlocks := json.Valid([]byte(vals["blocks"])) && !strings.HasPrefix(strings.TrimSpace(vals["blocks"]), `"`)
		if rawBlocks {
			body := map[string]any{"blocks": json.RawMessage(vals["blocks"])}
			for _, k := range []string{"text", "inclusive", "limit"} {
				body[k] = vals[k]
			}
			encodings["json blocks"] = argsRequest("application/json", query, mustJSON(t, body))
		}

		want := argsView(t, "query", encodings["query"], vals)
		for name, req := range encodings {
			got := argsView(t, name, req, vals)
			if name == "json blocks" { // written as JSON, so not the same string
				got.strs["blocks"], got.bools["blocks"], got.ints["blocks"] = want.strs["blocks"], want.bools["blocks"], want.ints["blocks"]
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s reads\n %+v\nthe query string reads\n %+v", name, got, want)
			}
		}
		blocksView := want.blocks
		switch b := vals["blocks"]; {
		case b == "":
			if blocksView.raw != "" || !blocksView.ok || blocksView.err != "" {
				t.Fatalf("empty blocks read as %+v", blocksView)
			}
		case !json.Valid([]byte(b)):
			if blocksView.err != "invalid_blocks" {
				t.Fatalf("blocks %q read as %+v; want invalid_blocks", b, blocksView)
			}
		case blocksView.raw != normalJSON([]byte(b)) || blocksView.err != "":
			t.Fatalf("blocks %q read as %+v", b, blocksView)
		}
	})
}

// argView is what a method sees of its arguments.
type argView struct {
	strs   map[string]string
	bools  map[string][2]bool // default false, default true
	ints   map[string]string  // the number or the error code
	blocks rawView
}

type rawView struct {
	raw string // normalised; "" for none or null
	ok  bool
	err string
}

func argsView(t *testing.T, name string, req *http.Request, vals map[string]string) argView {
	t.Helper()
	a := parsedArgs(t, name, req)
	v := argView{strs: map[string]string{}, bools: map[string][2]bool{}, ints: map[string]string{}}
	for k, want := range vals {
		if !a.has(k) {
			t.Fatalf("%s: argument %s is missing", name, k)
		}
		v.strs[k] = a.str(k)
		if k != "blocks" && v.strs[k] != want {
			t.Fatalf("%s: %s is %q, sent %q", name, k, v.strs[k], want)
		}
		v.bools[k] = [2]bool{a.bool(k, false), a.bool(k, true)}
		if n, err := a.int(k, -1); err != nil {
			v.ints[k] = toSlack(err).code
		} else {
			v.ints[k] = strconv.Itoa(n)
		}
	}
	// Arguments only in the query string still count.
	if req.Method == http.MethodPost && a.str("q") != "1" {
		t.Fatalf("%s: the query string's q is %q", name, a.str("q"))
	}
	raw, ok, err := a.rawJSON("blocks")
	v.blocks = rawView{raw: normalJSON(raw), ok: ok}
	if err != nil {
		v.blocks.err = toSlack(err).code
	}
	return v
}

func parsedArgs(t *testing.T, name string, req *http.Request) *slackArgs {
	t.Helper()
	a, err := parseArgs(httptest.NewRecorder(), req, 1<<20)
	if err != nil {
		t.Fatalf("%s: parseArgs: %v", name, err)
	}
	return a
}

func argsRequest(contentType, query string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/api/slack/x"+query, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	return req
}

// normalJSON compacts and HTML-escapes JSON (as json.Marshal writes it), and
// reads null as nothing, as message validation does.
func normalJSON(raw []byte) string {
	var c, out bytes.Buffer
	if json.Compact(&c, raw) != nil {
		return string(raw)
	}
	if c.String() == "null" {
		return ""
	}
	json.HTMLEscape(&out, c.Bytes())
	return out.String()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParseArgsBody checks any request body in any content type: parseArgs
// never panics, refuses only with the Slack errors it documents, and reads
// every argument it accepts.
func FuzzParseArgsBody(f *testing.F) {
	f.Add(uint8(0), []byte(`{"text":"hi","inclusive":true,"blocks":[{"type":"divider"}]}`))
	f.Add(uint8(0), []byte(`{"blocks":"[{\"type\":\"divider\"}]"}`))
	f.Add(uint8(0), []byte(`[1]`))
	f.Add(uint8(0), []byte(`{"text":`))
	f.Add(uint8(0), []byte(`  `))
	f.Add(uint8(0), []byte(`{"limit":null,"a":1.5e3,"b":{"c":[]}}`))
	f.Add(uint8(1), []byte("text=hi&inclusive=1&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D"))
	f.Add(uint8(1), []byte("a=%zz"))
	f.Add(uint8(2), []byte("--X\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--X--\r\n"))
	f.Add(uint8(3), []byte("text=hi"))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		const limit = 512
		types := []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=X", "text/plain", ""}
		ct := types[int(kind)%len(types)]
		a, err := parseArgs(httptest.NewRecorder(), argsRequest(ct, "?q=1", body), limit)
		if err != nil {
			var se *slackError
			if !errors.As(err, &se) || !slices.Contains([]string{"invalid_json", "json_not_object", "invalid_form_data", "request_too_large"}, se.code) {
				t.Fatalf("%s %q: %v", ct, body, err)
			}
		}
		switch ct {
		case "application/json":
			var m map[string]json.RawMessage
			blank := len(bytes.TrimSpace(body)) == 0
			accept := len(body) <= limit && (blank || json.Unmarshal(body, &m) == nil)
			if (err == nil) != accept {
				t.Fatalf("JSON %q: accepted %v, error %v", body, accept, err)
			}
			if err != nil && len(body) <= limit && (toSlack(err).code == "json_not_object") != json.Valid(body) {
				t.Fatalf("JSON %q: %v", body, err)
			}
		case "application/x-www-form-urlencoded":
			if (err != nil && toSlack(err).code == "request_too_large") != (len(body) > limit) {
				t.Fatalf("form of %d bytes: %v", len(body), err)
			}
		}
		if err != nil {
			return
		}
		if !a.has("q") {
			t.Fatalf("%s %q: the query string is lost", ct, body)
		}
		names := slices.Collect(func(yield func(string) bool) {
			for k := range a.json {
				yield(k)
			}
			for k := range a.form {
				yield(k)
			}
		})
		for _, k := range names {
			if !a.has(k) {
				t.Fatalf("%s %q: %q is read but not there", ct, body, k)
			}
			s := a.str(k)
			if raw, ok := a.json[k]; ok {
				var want string
				if json.Unmarshal(raw, &want) != nil && string(raw) != "null" {
					want = string(raw)
				}
				if s != want {
					t.Fatalf("JSON %s = %s reads as %q", k, raw, s)
				}
			}
			if _, _, err := a.rawJSON(k); err != nil && toSlack(err).code != "invalid_"+k {
				t.Fatalf("%s %q: rawJSON(%q): %v", ct, body, k, err)
			}
			_, _ = a.int(k, 0)
		}
	})
}
