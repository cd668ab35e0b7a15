package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Hook bodies from the end-to-end tests (cmd/parley/incoming_test.go).
var incomingSeeds = []string{
	`{"text":"Build *42* passed"}`,
	`{"text":"from a form","icon_emoji":":ghost:"}`,
	`{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*block*"}}]}`,
	`{"attachments":[{"fallback":"fb","color":"#36a64f","pretext":"pre","title_link":"https://example.com/t","text":"body",` +
		`"fields":[{"title":"Priority","value":"High","short":false}]}]}`,
	`{"text":"x","username":"deploy-bot","icon_url":"https://example.com/bot.png"}`,
	`{"text":"x","props":{"card":"more","from_webhook":"false","override_username":"evil"},"type":"custom_ci"}`,
	"{\"text\":\"line one\nline two\"}",
	`{"text":"x","replace_original":false,"delete_original":false,"unfurl_links":true,"mrkdwn":true,"link_names":1}`,
	`{"text":`, ``, `not json`, `{"text":42}`, `{"text":"x","thread_ts":"abc"}`, `{"text":"x","root_id":12,"thread_ts":null}`,
	`{"text":"x","channel":"#nowhere"}`, `{"text":"x","channel":"@nobody"}`,
}

// FuzzIncomingPayload checks the decoding of any hook body: it is refused
// only as invalid_payload (or too large), JSON decodes as encoding/json
// decodes it, the retry for raw newlines changes only what it must, and a
// decoded payload encodes and decodes to itself.
func FuzzIncomingPayload(f *testing.F) {
	for _, s := range incomingSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte("{\"text\":\"tab\there\", \"props\":{\"k\":\"a\r\nb\"}}\n"))
	f.Add([]byte(`{"text":"\"quoted\" \\","blocks":null,"attachments":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		escaped := incomingEscapeControl(body)
		if json.Valid(body) && !bytes.Equal(escaped, body) {
			t.Fatalf("escaping changed valid JSON %q to %q", body, escaped)
		}
		if again := incomingEscapeControl(escaped); !bytes.Equal(again, escaped) {
			t.Fatalf("escaping %q twice: %q then %q", body, escaped, again)
		}

		var p IncomingPayload
		err := decodeIncomingPayload(body, &p)
		var direct IncomingPayload
		directErr := json.Unmarshal(body, &direct)
		switch {
		case err != nil:
			wantIncomingError(t, body, err, http.StatusBadRequest)
			if directErr == nil && len(bytes.TrimSpace(body)) > 0 {
				t.Fatalf("%q decodes as JSON but is refused: %v", body, err)
			}
			return
		case directErr == nil && !reflect.DeepEqual(p, direct):
			t.Fatalf("%q decodes to %+v; encoding/json reads %+v", body, p, direct)
		case directErr != nil && bytes.Equal(escaped, body):
			t.Fatalf("%q is accepted, though it is not JSON and has nothing to escape", body)
		}
		enc, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("encode %+v: %v", p, err)
		}
		var back IncomingPayload
		if err := decodeIncomingPayload(enc, &back); err != nil {
			t.Fatalf("%+v encodes to %s, which is refused: %v", p, enc, err)
		}
		if a, b := normalPayload(p), normalPayload(back); !reflect.DeepEqual(a, b) {
			t.Fatalf("%q decodes to\n %+v\nwhich encodes to %s and decodes to\n %+v", body, a, enc, b)
		}

		// The whole reader, for every kind of body: refusals are the hook's.
		for _, ct := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=X", "text/plain"} {
			if _, err := readHookBody(ct, body); err != nil {
				wantIncomingError(t, body, err, http.StatusBadRequest)
			}
		}
	})
}

// FuzzIncomingEncodings checks that a payload reads the same in each body
// a hook accepts: JSON, a form with payload=JSON, a multipart form with
// payload=JSON, and a multipart (or plain) form whose fields are the
// payload's fields, with attachments, blocks and props as JSON strings.
func FuzzIncomingEncodings(f *testing.F) {
	f.Add("from a *multipart* form", "mm-bot", "", `[{"text":"att","fields":[{"title":"n","value":3}]}]`, "", `{"card":"details"}`, "")
	f.Add("Build *42* passed", "", "#alerts", "", `[{"type":"section","text":{"type":"mrkdwn","text":"*block*"}}]`, "", "1700000000.000042")
	f.Add("line one\nline two", "a&b=c", "@bob", " [ ] ", "null", "null", "12")
	f.Add("<x> & \u2028", "", "C12", `{"not":"an array"}`, `"str"`, `[1]`, "")
	f.Add("", "", "", `[{`, "", `{"a":1,"a":{"b" : [ ]}}`, "")
	f.Fuzz(func(t *testing.T, text, username, channel, atts, blocks, props, threadTS string) {
		fields := map[string]string{"text": text, "username": username, "channel": channel, "icon_emoji": ":ghost:",
			"thread_ts": threadTS, "type": "custom"}
		raws := map[string]string{"attachments": atts, "blocks": blocks, "props": props}
		for k, v := range fields {
			fields[k] = strings.ToValidUTF8(v, "\uFFFD") // JSON carries text only
		}
		for k, v := range raws {
			if v = strings.ToValidUTF8(v, "\uFFFD"); v == "" || !json.Valid([]byte(v)) {
				delete(raws, k) // the form reader refuses it, and JSON cannot carry it (see below)
				continue
			}
			raws[k] = v
		}
		payload := map[string]any{}
		form := url.Values{}
		for k, v := range fields {
			payload[k] = v
			form.Set(k, v)
		}
		for k, v := range raws {
			payload[k] = json.RawMessage(v)
			form.Set(k, v)
		}
		js, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		mpPayloadType, mpPayload := multipartOf(t, url.Values{"payload": {string(js)}})
		mpFieldsType, mpFields := multipartOf(t, form)
		bodies := []struct{ name, ct, body string }{
			{"JSON", "application/json", string(js)},
			{"no content type", "", string(js)},
			{"form payload", "application/x-www-form-urlencoded", url.Values{"payload": {string(js)}}.Encode()},
			{"multipart payload", mpPayloadType, mpPayload},
			{"multipart fields", mpFieldsType, mpFields},
			{"form fields", "application/x-www-form-urlencoded", form.Encode()},
		}
		want, wantErr := readHookBody(bodies[0].ct, []byte(bodies[0].body))
		for _, b := range bodies[1:] {
			got, err := readHookBody(b.ct, []byte(b.body))
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("%s: %v; as JSON: %v (payload %s)", b.name, err, wantErr, js)
			}
			if err != nil {
				wantIncomingError(t, []byte(b.body), err, http.StatusBadRequest)
				continue
			}
			if a, w := normalPayload(got), normalPayload(want); !reflect.DeepEqual(a, w) {
				t.Fatalf("%s reads\n %+v\nJSON reads\n %+v", b.name, a, w)
			}
		}
		if wantErr == nil && (want.Text != fields["text"] || string(want.ThreadTS) != fields["thread_ts"] || want.Channel != fields["channel"]) {
			t.Fatalf("payload %s reads as %+v", js, want)
		}

		// Fields holding what is not JSON are refused, not dropped.
		for _, k := range []string{"attachments", "blocks", "props"} {
			bad := url.Values{"text": {"x"}, k: {"nope" + text}}
			if _, err := readHookBody("application/x-www-form-urlencoded", []byte(bad.Encode())); err == nil {
				t.Fatalf("form field %s=%q is accepted", k, bad.Get(k))
			}
		}
	})
}

// FuzzIncomingFieldValues checks that attachment field values become
// strings, whatever the attachments look like: JSON stays JSON, nothing
// else changes, and doing it twice changes nothing more.
func FuzzIncomingFieldValues(f *testing.F) {
	f.Add([]byte(`[{"text":"att","fields":[{"title":"n","value":3}]}]`))
	f.Add([]byte(`[{"fields":[{"title":"up","value":true},{"value":null},{"value":"s"},{"value":{"a":[1]}},null]},null,{"fields":5}]`))
	f.Add([]byte(`[{"fields":[{"\u0076alue":1.5e3}]}]`))
	f.Add([]byte(`[{"fields":[{"value" :  -0}]}]`))
	f.Add([]byte(`{"fields":[{"value":1}]}`))
	f.Add([]byte(`[{"fields":[{"value":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := incomingFieldValues(raw)
		if json.Valid(raw) && !json.Valid(out) {
			t.Fatalf("%s became %s, which is not JSON", raw, out)
		}
		if again := incomingFieldValues(out); !bytes.Equal(again, out) {
			t.Fatalf("%s became %s, then %s", raw, out, again)
		}
		var before, after []map[string]json.RawMessage
		if json.Unmarshal(raw, &before) != nil {
			if !bytes.Equal(out, raw) {
				t.Fatalf("%s is not attachments but became %s", raw, out)
			}
			return
		}
		if err := json.Unmarshal(out, &after); err != nil || len(after) != len(before) {
			t.Fatalf("%s became %s (%v)", raw, out, err)
		}
		for i := range before {
			if !sameKeys(before[i], after[i], "fields") {
				t.Fatalf("attachment %d of %s became %s", i, raw, out)
			}
			var fb, fa []map[string]json.RawMessage
			if json.Unmarshal(before[i]["fields"], &fb) != nil {
				if normalRaw(before[i]["fields"]) != normalRaw(after[i]["fields"]) {
					t.Fatalf("attachment %d's fields of %s became %s", i, raw, out)
				}
				continue
			}
			if json.Unmarshal(after[i]["fields"], &fa) != nil || len(fa) != len(fb) {
				t.Fatalf("attachment %d's fields of %s became %s", i, raw, out)
			}
			for j := range fb {
				if !sameKeys(fb[j], fa[j], "value") {
					t.Fatalf("field %d.%d of %s became %s", i, j, raw, out)
				}
				v, w := fb[j]["value"], fa[j]["value"]
				var s string
				switch {
				case v == nil || string(v) == "null" || v[0] == '"':
					if normalRaw(v) != normalRaw(w) {
						t.Fatalf("field %d.%d's value %s became %s", i, j, v, w)
					}
				case json.Unmarshal(w, &s) != nil || utf8.Valid(v) && s != string(v):
					t.Fatalf("field %d.%d's value %s became %s, not the string %q", i, j, v, w, v)
				}
			}
		}
	})
}

// sameKeys reports whether two JSON objects hold the same values, but for
// the key skip.
func sameKeys(a, b map[string]json.RawMessage, skip string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || k != skip && normalRaw(v) != normalRaw(w) {
			return false
		}
	}
	return true
}

// hookReader is an incoming webhook handler with the default body limit;
// reading a payload needs nothing else.
var hookReader = &IncomingHandler{opts: IncomingHTTPOptions{MaxBodyBytes: 1 << 20}}

var hookEngine = func() *gin.Engine {
	gin.SetMode(gin.TestMode)
	return gin.New()
}()

// readHookBody reads a hook post's payload as POST /hooks/{secret} does.
func readHookBody(contentType string, body []byte) (IncomingPayload, error) {
	c := gin.CreateTestContextOnly(httptest.NewRecorder(), hookEngine)
	c.Request = httptest.NewRequest(http.MethodPost, "/hooks/plh_x", bytes.NewReader(body))
	if contentType != "" {
		c.Request.Header.Set("Content-Type", contentType)
	}
	return hookReader.readPayload(c)
}

func wantIncomingError(t *testing.T, body []byte, err error, status int) {
	t.Helper()
	var ie *IncomingError
	if !errors.As(err, &ie) || ie.Status != status || ie.Code != "invalid_payload" {
		t.Fatalf("%q: %v; want %d invalid_payload", body, err, status)
	}
}

// normalPayload writes a payload's JSON parts as encoding/json writes them,
// and null as nothing (message validation reads them so).
func normalPayload(p IncomingPayload) IncomingPayload {
	p.Blocks = json.RawMessage(normalRaw(p.Blocks))
	p.Attachments = json.RawMessage(normalRaw(p.Attachments))
	if p.Props != nil {
		props := make(map[string]json.RawMessage, len(p.Props))
		for k, v := range p.Props {
			props[k] = json.RawMessage(normalRaw(v))
		}
		p.Props = props
	}
	return p
}

// normalRaw compacts and HTML-escapes JSON; null and nothing are "".
func normalRaw(raw json.RawMessage) string {
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

func multipartOf(t *testing.T, form url.Values) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}
