package main

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// badInputFixture is a workspace with something behind every kind of id.
type badInputFixture struct {
	ts       *testServer
	ada, bob *client
	ch       channels.Channel
	msg      channels.Message
}

func newBadInputFixture(t *testing.T, tweak ...func(*Config)) *badInputFixture {
	ts := newTestServer(t, tweak...)
	f := &badInputFixture{ts: ts, ada: ts.signup("ada"), bob: ts.signup("bob")}
	f.ch = f.ada.createChannel("general", false)
	f.bob.join(f.ch.ID)
	f.msg = f.ada.post(f.ch.ID, "hello", 0)
	return f
}

func TestAPI_BadInput_MalformedJSON(t *testing.T) {
	f := newBadInputFixture(t)
	routes := []struct{ method, path string }{
		{"POST", "/api/v1/signup"},
		{"POST", "/api/v1/login"},
		{"POST", "/api/v1/invites"},
		{"PATCH", "/api/v1/users/me"},
		{"POST", "/api/v1/tokens"},
		{"POST", "/api/v1/channels"},
		{"PATCH", channelPath(f.ch.ID, "")},
		{"POST", channelPath(f.ch.ID, "/members")},
		{"POST", channelPath(f.ch.ID, "/read")},
		{"POST", "/api/v1/dms"},
		{"POST", channelPath(f.ch.ID, "/messages")},
		{"PATCH", messagePath(f.msg.ID, "")},
	}
	bodies := []string{`{`, `{"text": "unterminated}`, `not json`, `{"text": "x"} trailing`, `{'text': 'x'}`}
	for _, r := range routes {
		for _, body := range bodies {
			t.Run(fmt.Sprintf("%s %s %s", r.method, r.path, body), func(t *testing.T) {
				wantError(t, f.ada.do(r.method, r.path, body), http.StatusBadRequest, "invalid_json")
			})
		}
	}
}

func TestAPI_BadInput_WrongJSONTypes(t *testing.T) {
	f := newBadInputFixture(t)
	tests := []struct {
		method, path string
		body         string
		field        string
	}{
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": 5}`, "text"},
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": "x", "thread_id": "1"}`, "thread_id"},
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": "x", "file_ids": 1}`, "file_ids"},
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": "x", "file_ids": ["1"]}`, "file_ids"},
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": ["x"]}`, "text"},
		{"POST", channelPath(f.ch.ID, "/messages"), `{"text": {"x": 1}}`, "text"},
		{"PATCH", messagePath(f.msg.ID, ""), `{"text": true}`, "text"},
		{"POST", "/api/v1/channels", `{"name": 7}`, "name"},
		{"POST", "/api/v1/channels", `{"name": "x", "private": "yes"}`, "private"},
		{"PATCH", channelPath(f.ch.ID, ""), `{"topic": 1}`, "topic"},
		{"PATCH", "/api/v1/users/me", `{"display_name": false}`, "display_name"},
		{"POST", "/api/v1/dms", `{"user_ids": 2}`, "user_ids"},
		{"POST", channelPath(f.ch.ID, "/members"), `{"user_id": "2"}`, "user_id"},
		{"POST", channelPath(f.ch.ID, "/read"), `{"message_id": 1.5}`, "message_id"},
		{"POST", "/api/v1/tokens", `{"name": "ci", "expires_in": "1h"}`, "expires_in"},
		{"POST", "/api/v1/signup", `{"username": 1, "password": "password-1"}`, "username"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %s", tt.method, tt.path, tt.body), func(t *testing.T) {
			res := f.ada.do(tt.method, tt.path, tt.body)
			wantError(t, res, http.StatusBadRequest, "invalid_field")
			if !strings.Contains(string(res.Body), `"field":"`+tt.field+`"`) {
				t.Errorf("error does not name field %q: %s", tt.field, res.Body)
			}
		})
	}

	t.Run("a JSON array instead of an object is 400", func(t *testing.T) {
		res := f.ada.do("POST", channelPath(f.ch.ID, "/messages"), `["text"]`)
		if res.Status != http.StatusBadRequest {
			t.Errorf("status %d, want 400: %s", res.Status, res.Body)
		}
	})
}

func TestAPI_BadInput_BodyTooLarge(t *testing.T) {
	t.Run("over a configured limit", func(t *testing.T) {
		f := newBadInputFixture(t, func(c *Config) { c.MaxBodyBytes = 2048 })
		fits := fmt.Sprintf(`{"text": %q}`, strings.Repeat("a", 2048-12))
		if len(fits) != 2048 {
			t.Fatalf("body of %d bytes", len(fits))
		}
		f.ada.mustJSON(http.StatusCreated, "POST", channelPath(f.ch.ID, "/messages"), fits, nil)
		over := fmt.Sprintf(`{"text": %q}`, strings.Repeat("a", 2048-11))
		wantError(t, f.ada.do("POST", channelPath(f.ch.ID, "/messages"), over), http.StatusRequestEntityTooLarge, "body_too_large")
		wantError(t, f.ada.do("PATCH", "/api/v1/users/me", fmt.Sprintf(`{"status_text": %q}`, strings.Repeat("x", 4096))),
			http.StatusRequestEntityTooLarge, "body_too_large")
	})

	t.Run("over the default 1 MiB", func(t *testing.T) {
		f := newBadInputFixture(t)
		body := `{"text": "x", "props": {"pad": "` + strings.Repeat("p", 1<<20) + `"}}`
		wantError(t, f.ada.do("POST", channelPath(f.ch.ID, "/messages"), body), http.StatusRequestEntityTooLarge, "body_too_large")
		if n := len(f.ada.messages(f.ch.ID, "").Items); n != 1 {
			t.Errorf("channel holds %d messages, want 1", n)
		}
	})
}

func TestAPI_BadInput_TextTooLong(t *testing.T) {
	f := newBadInputFixture(t)
	for _, r := range []string{"a", "é", "🙂"} {
		text := strings.Repeat(r, channels.MaxTextRunes+1)
		t.Run(fmt.Sprintf("posting 40001 characters of %q", r), func(t *testing.T) {
			res := f.ada.do("POST", channelPath(f.ch.ID, "/messages"), map[string]any{"text": text})
			wantError(t, res, http.StatusBadRequest, "text_too_long")
		})
		t.Run(fmt.Sprintf("editing to 40001 characters of %q", r), func(t *testing.T) {
			res := f.ada.do("PATCH", messagePath(f.msg.ID, ""), map[string]any{"text": text})
			wantError(t, res, http.StatusBadRequest, "text_too_long")
		})
	}
	if got := f.ada.getMessage(f.msg.ID).Text; got != "hello" {
		t.Errorf("text after refused edits = %q", got)
	}
}

func TestAPI_BadInput_UnknownIDs(t *testing.T) {
	f := newBadInputFixture(t)
	const none = 999999
	tests := []struct {
		method, path string
		body         any
		code         string
	}{
		{"GET", channelPath(none, ""), nil, "channel_not_found"},
		{"PATCH", channelPath(none, ""), map[string]any{"topic": "x"}, "channel_not_found"},
		{"POST", channelPath(none, "/archive"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/unarchive"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/join"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/leave"), nil, "channel_not_found"},
		{"GET", channelPath(none, "/members"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/members"), map[string]any{"user_id": 1}, "channel_not_found"},
		{"DELETE", channelPath(none, "/members/1"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/read"), map[string]any{"message_id": 1}, "channel_not_found"},
		{"GET", channelPath(none, "/messages"), nil, "channel_not_found"},
		{"POST", channelPath(none, "/messages"), map[string]any{"text": "x"}, "channel_not_found"},
		{"GET", messagePath(none, ""), nil, "message_not_found"},
		{"PATCH", messagePath(none, ""), map[string]any{"text": "x"}, "message_not_found"},
		{"DELETE", messagePath(none, ""), nil, "message_not_found"},
		{"GET", messagePath(none, "/replies"), nil, "message_not_found"},
		{"PUT", messagePath(none, "/reactions/eyes"), nil, "message_not_found"},
		{"DELETE", messagePath(none, "/reactions/eyes"), nil, "message_not_found"},
		{"POST", channelPath(f.ch.ID, "/read"), map[string]any{"message_id": none}, "message_not_found"},
		{"POST", channelPath(f.ch.ID, "/messages"), map[string]any{"text": "x", "thread_id": none}, "thread_not_found"},
		{"GET", fmt.Sprintf("/api/v1/users/%d", none), nil, "user_not_found"},
		{"POST", fmt.Sprintf("/api/v1/users/%d/deactivate", none), nil, "user_not_found"},
		{"POST", fmt.Sprintf("/api/v1/users/%d/reactivate", none), nil, "user_not_found"},
		{"POST", channelPath(f.ch.ID, "/members"), map[string]any{"user_id": none}, "user_not_found"},
		{"DELETE", channelPath(f.ch.ID, fmt.Sprintf("/members/%d", none)), nil, "member_not_found"},
		{"POST", "/api/v1/dms", map[string]any{"user_ids": []int64{none}}, "user_not_found"},
		{"GET", filePath(none), nil, "file_not_found"},
		{"POST", channelPath(f.ch.ID, "/messages"), map[string]any{"text": "x", "file_ids": []int64{none}}, "file_not_found"},
		{"DELETE", fmt.Sprintf("/api/v1/tokens/%d", none), nil, "token_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			wantError(t, f.ada.do(tt.method, tt.path, tt.body), http.StatusNotFound, tt.code)
		})
	}
}

func TestAPI_BadInput_NonNumericIDs(t *testing.T) {
	f := newBadInputFixture(t)
	routes := []struct {
		method, path string // %s is the bad id
		code         string
	}{
		{"GET", "/api/v1/channels/%s", "channel_not_found"},
		{"PATCH", "/api/v1/channels/%s", "channel_not_found"},
		{"POST", "/api/v1/channels/%s/join", "channel_not_found"},
		{"GET", "/api/v1/channels/%s/messages", "channel_not_found"},
		{"POST", "/api/v1/channels/%s/messages", "channel_not_found"},
		{"GET", "/api/v1/channels/%s/members", "channel_not_found"},
		{"DELETE", fmt.Sprintf("/api/v1/channels/%d/members/%%s", f.ch.ID), "member_not_found"},
		{"GET", "/api/v1/messages/%s", "message_not_found"},
		{"PATCH", "/api/v1/messages/%s", "message_not_found"},
		{"DELETE", "/api/v1/messages/%s", "message_not_found"},
		{"GET", "/api/v1/messages/%s/replies", "message_not_found"},
		{"PUT", "/api/v1/messages/%s/reactions/eyes", "message_not_found"},
		{"GET", "/api/v1/users/%s", "user_not_found"},
		{"POST", "/api/v1/users/%s/deactivate", "user_not_found"},
		{"GET", "/api/v1/files/%s", "file_not_found"},
		{"DELETE", "/api/v1/tokens/%s", "token_not_found"},
	}
	ids := []string{"abc", "0", "-1", "1.5", "1e3", "0x10", "99999999999999999999999", "%20", "1%00"}
	for _, r := range routes {
		for _, id := range ids {
			path := fmt.Sprintf(r.path, id)
			t.Run(r.method+" "+path, func(t *testing.T) {
				var body any
				if r.method != "GET" && r.method != "DELETE" {
					body = map[string]any{"text": "x"}
				}
				wantError(t, f.ada.do(r.method, path, body), http.StatusNotFound, r.code)
			})
		}
	}
}

func TestAPI_BadInput_ChannelNames(t *testing.T) {
	f := newBadInputFixture(t)
	bad := []struct{ why, name string }{
		{"uppercase", "General"},
		{"a space", "two words"},
		{"81 characters", strings.Repeat("a", 81)},
		{"empty", ""},
		{"a hash", "#general"},
		{"a dot", "v1.2"},
		{"non-ASCII letters", "ünïcode"},
		{"a slash", "a/b"},
		{"a newline", "a\nb"},
	}
	for _, tt := range bad {
		t.Run("creating a name with "+tt.why, func(t *testing.T) {
			wantError(t, f.ada.do("POST", "/api/v1/channels", map[string]any{"name": tt.name}), http.StatusBadRequest, "invalid_name")
		})
		t.Run("renaming to a name with "+tt.why, func(t *testing.T) {
			wantError(t, f.ada.do("PATCH", channelPath(f.ch.ID, ""), map[string]any{"name": tt.name}), http.StatusBadRequest, "invalid_name")
		})
	}
	t.Run("the name field missing entirely", func(t *testing.T) {
		wantError(t, f.ada.do("POST", "/api/v1/channels", map[string]any{"private": true}), http.StatusBadRequest, "invalid_name")
	})
	for _, name := range []string{strings.Repeat("a", 80), "a", "ops_alerts-2"} {
		t.Run(fmt.Sprintf("accepts %.12q", name), func(t *testing.T) {
			f.ada.createChannel(name, false)
		})
	}
}

func TestAPI_BadInput_Emoji(t *testing.T) {
	f := newBadInputFixture(t)
	bad := []string{"Thumbsup", "thumbs%20up", "%3Cscript%3E", "%F0%9F%9A%80%F0%9F%9A%80", ":", "::", "a:b", strings.Repeat("a", 65), "eyes::skin-tone-9", "%2E%2E"}
	for _, e := range bad {
		t.Run("reaction "+e, func(t *testing.T) {
			for _, method := range []string{"PUT", "DELETE"} {
				wantError(t, f.bob.do(method, messagePath(f.msg.ID, "/reactions/"+e), nil), http.StatusBadRequest, "invalid_emoji")
			}
		})
	}
	if got := f.ada.getMessage(f.msg.ID).Reactions; len(got) != 0 {
		t.Errorf("refused reactions were stored: %+v", got)
	}
	for _, e := range []string{"Palm_Tree", "palm tree", "<b>", "party-parrot", "palm_tree::"} {
		t.Run(fmt.Sprintf("status emoji %q", e), func(t *testing.T) {
			wantError(t, f.bob.do("PATCH", "/api/v1/users/me", map[string]any{"status_emoji": e}), http.StatusBadRequest, "invalid_emoji")
		})
	}
}

// patternChunk is what patternReader repeats.
var patternChunk = []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz012345", 2048))

// patternReader yields left bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := copy(b, patternChunk)
	p.left -= int64(n)
	return n, nil
}

// streamUpload sends a multipart upload of size generated bytes over a raw
// connection, reading the response while the body is still being written:
// the server answers 413 before it has read everything, and an http.Client
// may report the write error instead of that answer.
func streamUpload(t *testing.T, ts *testServer, token string, size int64) *http.Response {
	t.Helper()
	addr := strings.TrimPrefix(ts.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "huge.bin")
		if err == nil {
			_, err = io.Copy(fw, &patternReader{left: size})
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", ts.URL+"/api/v1/files", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	go func() {
		// A write error here is expected once the server has answered and
		// closed; the response is what the test checks.
		_ = req.Write(conn)
		pr.CloseWithError(io.ErrClosedPipe)
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return res
}

func TestAPI_BadInput_UploadTooLarge(t *testing.T) {
	f := newBadInputFixture(t)
	if f.ts.cfg.MaxUploadBytes != 50<<20 {
		t.Fatalf("default upload limit is %d, want 50 MiB", f.ts.cfg.MaxUploadBytes)
	}
	res := streamUpload(t, f.ts, f.ada.Token, 51<<20)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	got := &response{Status: res.StatusCode, Header: res.Header, Body: body}
	wantError(t, got, http.StatusRequestEntityTooLarge, "file_too_large")

	t.Run("a smaller limit applies too, and a file at the limit fits", func(t *testing.T) {
		g := newBadInputFixture(t, func(c *Config) { c.MaxUploadBytes = 1000 })
		if res := g.ada.upload("fits.bin", make([]byte, 1000)); res.Status != http.StatusCreated {
			t.Errorf("1000 bytes: status %d: %s", res.Status, res.Body)
		}
		wantError(t, g.ada.upload("over.bin", make([]byte, 1001)), http.StatusRequestEntityTooLarge, "file_too_large")
	})
}

func TestAPI_BadInput_FileIDs(t *testing.T) {
	f := newBadInputFixture(t)
	carol := f.ts.signup("carol")
	hidden := carol.uploadFile("hidden.txt", []byte("carol's"))
	secret := carol.createChannel("secret", true)
	shared := carol.uploadFile("shared.txt", []byte("in secret"))
	carol.mustJSON(http.StatusCreated, "POST", channelPath(secret.ID, "/messages"), map[string]any{"file_ids": []int64{shared.ID}}, nil)

	for _, tt := range []struct {
		name string
		ids  []int64
	}{
		{"someone else's unshared file", []int64{hidden.ID}},
		{"a file in a private channel the caller is not in", []int64{shared.ID}},
		{"a file that does not exist", []int64{999999}},
		{"one bad id among good ones", []int64{f.ada.uploadFile("ok.txt", []byte("ok")).ID, hidden.ID}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := f.ada.do("POST", channelPath(f.ch.ID, "/messages"), map[string]any{"text": "see", "file_ids": tt.ids})
			wantError(t, res, http.StatusNotFound, "file_not_found")
		})
	}
	t.Run("more than 10 files", func(t *testing.T) {
		ids := make([]int64, 11)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		wantError(t, f.ada.do("POST", channelPath(f.ch.ID, "/messages"), map[string]any{"file_ids": ids}), http.StatusBadRequest, "too_many_files")
	})
	if n := len(f.ada.messages(f.ch.ID, "").Items); n != 1 {
		t.Errorf("refused posts left %d messages, want 1", n)
	}
}

func TestAPI_BadInput_HostileText(t *testing.T) {
	f := newBadInputFixture(t)
	texts := []struct{ name, text string }{
		{"a script tag", `<script>alert("x")</script><img src=x onerror=alert(1)>`},
		{"control characters", "bell\a back\b esc\x1b[31mred\x1b[0m del\x7f vt\v ff\f \x01\x02\x1f"},
		{"bidi overrides", "abc\u202Egnp.exe\u202C \u2066isolate\u2069 \u200F"},
		{"zero-width and BOM", "a\u200Bb\u200Dc\uFEFFd"},
		{"a very long single word", strings.Repeat("x", channels.MaxTextRunes)},
		{"line endings and tabs", "one\r\ntwo\rthree\n\tfour  "},
		{"quotes and backslashes", `"double" 'single' \n \\ \u0000 ` + "`tick`"},
		{"SQL and templates", `'); DROP TABLE messages; -- {{.Secret}} ${jndi:ldap://x} %s %n`},
		{"combining marks and emoji sequences", "Z\u0351\u0352\u0353a\u0300 👩\u200D👩\u200D👧 🏳️\u200D🌈"},
		{"JSON and HTML entities", `{"a":1} &lt;b&gt; &amp; </textarea>`},
	}
	for _, tt := range texts {
		t.Run(tt.name, func(t *testing.T) {
			m := f.bob.post(f.ch.ID, tt.text, 0)
			if m.Text != tt.text {
				t.Errorf("post returned %q, want %q", m.Text, tt.text)
			}
			if got := f.ada.getMessage(m.ID).Text; got != tt.text {
				t.Errorf("GET returned %q, want %q", got, tt.text)
			}
			if list := f.ada.messages(f.ch.ID, "?limit=1").Items; len(list) != 1 || list[0].Text != tt.text {
				t.Errorf("list returned %+v", list)
			}
		})
	}
	t.Run("in a topic too", func(t *testing.T) {
		topic := "<script>x</script>\u202Eevil\x1b"
		var ch channels.Channel
		f.bob.mustJSON(http.StatusOK, "PATCH", channelPath(f.ch.ID, ""), map[string]any{"topic": topic}, &ch)
		f.bob.mustJSON(http.StatusOK, "GET", channelPath(f.ch.ID, ""), nil, &ch)
		if ch.Topic != topic {
			t.Errorf("topic = %q, want %q", ch.Topic, topic)
		}
	})
}

func TestAPI_BadInput_RateLimits(t *testing.T) {
	t.Run("API calls past the burst are 429 with Retry-After", func(t *testing.T) {
		ts := newTestServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 0.01, 3 })
		ada := ts.signup("ada")
		for i := range 3 {
			if res := ada.do("GET", "/api/v1/users/me", nil); res.Status != http.StatusOK {
				t.Fatalf("request %d: status %d", i+1, res.Status)
			}
		}
		res := ada.do("GET", "/api/v1/users/me", nil)
		wantError(t, res, http.StatusTooManyRequests, "rate_limited")
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		// The limit is per user: someone else is not slowed down.
		bob := ts.signup("bob")
		bob.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	})

	t.Run("login attempts are limited per address", func(t *testing.T) {
		// The login limiter is on whenever rate limiting is.
		ts := newTestServer(t, func(c *Config) { c.RateLimit = 1000 })
		ts.signup("ada")
		var last *response
		for range 30 {
			last = ts.anon().do("POST", "/api/v1/login", map[string]any{"username": "ada", "password": "guess-guess"})
			if last.Status == http.StatusTooManyRequests {
				break
			}
			if last.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password: status %d", last.Status)
			}
		}
		wantError(t, last, http.StatusTooManyRequests, "rate_limited")
		if last.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
	})
}

func TestAPI_BadInput_UnknownRoutes(t *testing.T) {
	f := newBadInputFixture(t)
	for _, tt := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/api/v1/nothing-here", http.StatusNotFound, "route_not_found"},
		{"GET", "/api/v2/channels", http.StatusNotFound, "route_not_found"},
		{"DELETE", "/api/v1/channels", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT", "/api/v1/users/me", http.StatusMethodNotAllowed, "method_not_allowed"},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			wantError(t, f.ada.do(tt.method, tt.path, nil), tt.status, tt.code)
		})
	}
}
