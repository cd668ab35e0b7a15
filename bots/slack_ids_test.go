package bots

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// parseBoundTests are parseBound's cases; they also seed FuzzParseBound.
var parseBoundTests = []struct {
	in         string
	ok, set    bool
	millis, id int64 // id: the residue or id the ts names, 0 for none
}{
	{"", true, false, 0, 0},
	{"0", true, true, 0, 0},
	{"1700000000", true, true, 1_700_000_000_000, 0},
	{"1700000000.", true, true, 1_700_000_000_000, 0},
	{"1700000000.5", true, true, 1_700_000_000_500, 5},
	{"1700000000.999999", true, true, 1_700_000_000_999, 999999},
	{"1700000000.000042", true, true, 1_700_000_000_000, 42},
	{"253402300799.999", true, true, 253_402_300_799_999, 999},
	{"NaN", false, false, 0, 0},
	{"nan", false, false, 0, 0},
	{"Inf", false, false, 0, 0},
	{"+Inf", false, false, 0, 0},
	{"1e16", false, false, 0, 0},
	{"1.7e9", false, false, 0, 0},
	{"0x10", false, false, 0, 0},
	{"-1", false, false, 0, 0},
	{"+1700000000", false, false, 0, 0},
	{".5", false, false, 0, 0},
	{"10000000000000000", false, false, 0, 0},
	{"253402300800", false, false, 0, 0},
	{"1_700_000_000", false, false, 0, 0},
	{"now", false, false, 0, 0},
}

func TestSlackIDs_Bound(t *testing.T) {
	for _, tt := range parseBoundTests {
		b, ok := parseBound(tt.in)
		if ok != tt.ok || b.set != tt.set || b.millis != tt.millis || b.ref.ID != tt.id {
			t.Errorf("parseBound(%q) = %+v, %v; want set %v millis %d id %d, %v", tt.in, b, ok, tt.set, tt.millis, tt.id, tt.ok)
		}
	}
}

func TestSlackIDs_Cursor(t *testing.T) {
	c := encodeCursor("history", 77)
	if id, err := decodeCursor("history", c); err != nil || id != 77 {
		t.Fatalf("round trip = %d, %v", id, err)
	}
	for _, bad := range []string{"%%%", encodeCursor("users", 5), "bm9wZQ"} {
		if _, err := decodeCursor("history", bad); toSlack(err).code != "invalid_cursor" {
			t.Errorf("decodeCursor(%q) = %v, want invalid_cursor", bad, err)
		}
	}
	if id, err := decodeCursor("history", ""); err != nil || id != 0 {
		t.Fatalf("empty cursor = %d, %v", id, err)
	}
}

func TestSlackArgs_Encodings(t *testing.T) {
	parse := func(ct, body string) *slackArgs {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/api/slack/x?q=1", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		a, err := parseArgs(httptest.NewRecorder(), req, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	form := parse("application/x-www-form-urlencoded", "text=hi&inclusive=1&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D")
	js := parse("application/json; charset=utf-8", `{"text":"hi","inclusive":true,"blocks":[{"type":"divider"}]}`)
	for name, a := range map[string]*slackArgs{"form": form, "json": js} {
		if a.str("text") != "hi" || !a.bool("inclusive", false) || a.str("q") != "1" {
			t.Errorf("%s: text %q inclusive %v q %q", name, a.str("text"), a.bool("inclusive", false), a.str("q"))
		}
		raw, ok, err := a.rawJSON("blocks")
		if err != nil || !ok || string(raw) != `[{"type":"divider"}]` {
			t.Errorf("%s: blocks %s %v %v", name, raw, ok, err)
		}
	}
	// A JSON body may also carry blocks as a string holding JSON.
	str := parse("application/json", `{"blocks":"[{\"type\":\"divider\"}]"}`)
	if raw, _, err := str.rawJSON("blocks"); err != nil || string(raw) != `[{"type":"divider"}]` {
		t.Errorf("string blocks: %s %v", raw, err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/slack/x", strings.NewReader(`[1]`))
	req.Header.Set("Content-Type", "application/json")
	if _, err := parseArgs(httptest.NewRecorder(), req, 1<<20); toSlack(err).code != "json_not_object" {
		t.Errorf("array body: %v", err)
	}
}

func TestSlackErrors_Map(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{channels.NotFound("channel"), "channel_not_found"},
		{channels.Forbidden("not_in_channel", "x"), "not_in_channel"},
		{channels.Forbidden("channel_archived", "x"), "is_archived"},
		{channels.Invalid("text_too_long", "text", "x"), "msg_too_long"},
		{channels.Invalid("empty_message", "text", "x"), "no_text"},
		{channels.MissingScope(channels.ScopeChatWrite), "missing_scope"},
		{channels.ErrRateLimited, "ratelimited"},
		{channels.Invalid("something_else", "x", "x"), "invalid_arguments"},
		{http.ErrBodyNotAllowed, "internal_error"},
	}
	for _, tt := range tests {
		if got := toSlack(tt.err).code; got != tt.want {
			t.Errorf("toSlack(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if e := toSlack(channels.MissingScope(channels.ScopeChatWrite)); e.needed != "chat:write" {
		t.Errorf("missing_scope needed = %q", e.needed)
	}
}
