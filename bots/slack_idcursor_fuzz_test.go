package bots

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// idPrefixes are the prefix sets the Slack API parses ids with.
var idPrefixes = []string{"CDG", "UW", "U", "B", "F"}

// FuzzParseID checks Slack ids: every id Parley writes parses back to its
// number, and whatever parses names a positive id under an allowed letter.
func FuzzParseID(f *testing.F) {
	// The cases of TestSlackIDs_Parse, and the ids Parley writes.
	for _, s := range []string{"C12", "D3", "U3", "C", "C0", "general", "G9", "W5", "C+7", "C007", "C-1", "U9223372036854775808"} {
		f.Add(s, int64(12))
	}
	f.Add("", int64(0))
	f.Add("B1", int64(-1))
	f.Add("F9223372036854775807", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, s string, id int64) {
		for _, prefixes := range idPrefixes {
			got, ok := parseID(s, prefixes)
			if !ok {
				if got != 0 {
					t.Fatalf("parseID(%q, %q) = %d but not ok", s, prefixes, got)
				}
				continue
			}
			if got <= 0 || !strings.ContainsRune(prefixes, rune(s[0])) {
				t.Fatalf("parseID(%q, %q) = %d, ok", s, prefixes, got)
			}
			// What parses is the canonical id, give or take a sign or zeros.
			if digits := strings.TrimLeft(s[1:], "+0"); digits != strconv.FormatInt(got, 10) {
				t.Fatalf("parseID(%q, %q) = %d", s, prefixes, got)
			}
		}

		kinds := map[string]string{channels.ChannelPublic: "C", channels.ChannelPrivate: "C",
			channels.ChannelDM: "D", channels.ChannelGroupDM: "G"}
		for kind, letter := range kinds {
			written := channelID(&channels.Channel{ID: id, Kind: kind})
			if written != letter+strconv.FormatInt(id, 10) {
				t.Fatalf("channelID(%d, %s) = %q", id, kind, written)
			}
			wantIDParses(t, written, "CDG", id)
		}
		wantIDParses(t, userID(id), "UW", id)
		wantIDParses(t, botID(id), "B", id)
		wantIDParses(t, fileID(id), "F", id)
	})
}

// wantIDParses asserts that a written id parses back to id when id is
// positive, and does not parse otherwise.
func wantIDParses(t *testing.T, written, prefixes string, id int64) {
	t.Helper()
	got, ok := parseID(written, prefixes)
	if ok != (id > 0) || ok && got != id {
		t.Fatalf("parseID(%q, %q) = %d, %v; written from %d", written, prefixes, got, ok, id)
	}
}

// FuzzCursor checks paging cursors: a cursor round-trips to its id, works
// only for its own kind of list, and any other string is invalid_cursor.
func FuzzCursor(f *testing.F) {
	// The cases of TestSlackIDs_Cursor, and the kinds the API pages.
	f.Add("history", int64(77), "%%%")
	f.Add("history", int64(5), encodeCursor("users", 5))
	f.Add("history", int64(0), "bm9wZQ")
	f.Add("users", int64(0), "")
	f.Add("channels", int64(-3), encodeCursor("channels", -3))
	f.Add("replies", int64(9223372036854775807), "cmVwbGllczo5")
	f.Add("members", int64(1), "bWVtYmVyczorMDE")
	f.Fuzz(func(t *testing.T, kind string, id int64, cursor string) {
		if strings.Contains(kind, ":") {
			t.Skip("kinds are names without a colon")
		}
		c := encodeCursor(kind, id)
		got, err := decodeCursor(kind, c)
		if id >= 0 && (err != nil || got != id) {
			t.Fatalf("decodeCursor(%q, encodeCursor(%q, %d)) = %d, %v", kind, kind, id, got, err)
		}
		if id < 0 && (err == nil || toSlack(err).code != "invalid_cursor") {
			t.Fatalf("a cursor for id %d decodes to %d, %v", id, got, err)
		}
		if other := kind + "x"; err == nil {
			if _, err := decodeCursor(other, c); err == nil {
				t.Fatalf("a %q cursor %q is accepted for %q", kind, c, other)
			}
		}

		got, err = decodeCursor(kind, cursor)
		if err != nil {
			if code := toSlack(err).code; code != "invalid_cursor" || got != 0 {
				t.Fatalf("decodeCursor(%q, %q) = %d, %q", kind, cursor, got, code)
			}
			return
		}
		if got < 0 || cursor == "" && got != 0 {
			t.Fatalf("decodeCursor(%q, %q) = %d", kind, cursor, got)
		}
		if again, err := decodeCursor(kind, encodeCursor(kind, got)); err != nil || again != got {
			t.Fatalf("decodeCursor(%q, %q) = %d, which re-encodes to %d, %v", kind, cursor, got, again, err)
		}
	})
}
