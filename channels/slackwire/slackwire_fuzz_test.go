package slackwire

import (
	"strconv"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// FuzzParseTS checks that an accepted ts is a second and an id (a residue
// below a million, or a legacy exact id) that names the messages it
// should: the message of that second whose id it is, which MessageTS
// writes back as a ts naming the same message.
func FuzzParseTS(f *testing.F) {
	for _, tt := range parseTSTests {
		f.Add(tt.ts, int64(3))
	}
	f.Fuzz(func(t *testing.T, ts string, k int64) {
		ref, ok := ParseTS(ts)
		if !ok {
			return
		}
		if ref.Second < 0 || ref.Second > MaxTSSeconds || ref.ID < 0 || !ref.Exact && ref.ID >= TSModulus || ref.Exact && ref.ID <= 0 {
			t.Fatalf("ParseTS(%q) = %+v", ts, ref)
		}
		id := ref.ID
		if !ref.Exact {
			id += (k & 0xffff) * TSModulus // any id of that residue
		}
		if id <= 0 {
			return // no message has id 0
		}
		m := &channels.Message{ID: id, CreatedAt: ref.Second*1000 + 999}
		if !ref.Names(m) {
			t.Fatalf("ParseTS(%q) = %+v does not name message %d", ts, ref, id)
		}
		again := MessageTS(m)
		back, ok := ParseTS(again)
		if !ok || !back.Names(m) || len(again) != len(strconv.FormatInt(ref.Second, 10))+7 {
			t.Fatalf("message %d at %d writes %q, which reads back as %+v, %v", id, ref.Second, again, back, ok)
		}
	})
}

// idPrefixes are the prefix sets the Slack API parses ids with.
var idPrefixes = []string{"CDG", "UW", "U", "B", "F"}

// FuzzParseID checks Slack ids: every id Parley writes parses back to its
// number, and whatever parses names a positive id under an allowed letter.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"C12", "D3", "U3", "C", "C0", "general", "G9", "W5", "C+7", "C007", "C-1", "U9223372036854775808"} {
		f.Add(s, int64(12))
	}
	f.Add("", int64(0))
	f.Add("B1", int64(-1))
	f.Add("F9223372036854775807", int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, s string, id int64) {
		for _, prefixes := range idPrefixes {
			got, ok := ParseID(s, prefixes)
			if !ok {
				if got != 0 {
					t.Fatalf("ParseID(%q, %q) = %d but not ok", s, prefixes, got)
				}
				continue
			}
			if got <= 0 || !strings.ContainsRune(prefixes, rune(s[0])) {
				t.Fatalf("ParseID(%q, %q) = %d, ok", s, prefixes, got)
			}
			// What parses is the canonical id, give or take a sign or zeros.
			if digits := strings.TrimLeft(s[1:], "+0"); digits != strconv.FormatInt(got, 10) {
				t.Fatalf("ParseID(%q, %q) = %d", s, prefixes, got)
			}
		}
		kinds := map[string]string{channels.ChannelPublic: "C", channels.ChannelPrivate: "C",
			channels.ChannelDM: "D", channels.ChannelGroupDM: "G"}
		for kind, letter := range kinds {
			written := ChannelID(&channels.Channel{ID: id, Kind: kind})
			if written != letter+strconv.FormatInt(id, 10) {
				t.Fatalf("ChannelID(%d, %s) = %q", id, kind, written)
			}
			wantIDParses(t, written, "CDG", id)
		}
		wantIDParses(t, UserID(id), "UW", id)
		wantIDParses(t, BotID(id), "B", id)
		wantIDParses(t, FileID(id), "F", id)
	})
}

// wantIDParses asserts that a written id parses back to id when id is
// positive, and does not parse otherwise.
func wantIDParses(t *testing.T, written, prefixes string, id int64) {
	t.Helper()
	got, ok := ParseID(written, prefixes)
	if ok != (id > 0) || ok && got != id {
		t.Fatalf("ParseID(%q, %q) = %d, %v; written from %d", written, prefixes, got, ok, id)
	}
}
