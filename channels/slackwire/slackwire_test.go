package slackwire

import (
	"testing"

	"github.com/parley-chat/parley/channels"
)

// parseTSTests are ParseTS's cases; they also seed FuzzParseTS.
var parseTSTests = []struct {
	ts  string
	ref TSRef
	ok  bool
}{
	{"1700000000.000042", TSRef{1700000000, 42, false}, true},
	{"1700000000.999999", TSRef{1700000000, 999999, false}, true},
	{"1700000000.000000", TSRef{1700000000, 0, false}, true}, // id 1,000,000 and every million on
	{"1700000000.42", TSRef{1700000000, 42, false}, true},
	{"1700000000.1234567", TSRef{1700000000, 1234567, true}, true}, // written before ids passed a million
	{"1700000000.0000042", TSRef{1700000000, 42, true}, true},
	{"0.000001", TSRef{0, 1, false}, true},
	{"253402300799.000001", TSRef{253402300799, 1, false}, true},
	{"1700000000.0000000", TSRef{}, false},
	{"1700000000", TSRef{}, false},
	{"1700000000.", TSRef{}, false},
	{".000042", TSRef{}, false},
	{"x.000042", TSRef{}, false},
	{"1700000000.-1", TSRef{}, false},
	{"1700000000.+42", TSRef{}, false},
	{"+1700000000.000042", TSRef{}, false},
	{" 1700000000.000042", TSRef{}, false},
	{"1700000000.000042.1", TSRef{}, false},
	{"253402300800.000001", TSRef{}, false},
	{"1700000000.99999999999999999999", TSRef{}, false},
	{"", TSRef{}, false},
}

func TestParseTS(t *testing.T) {
	for _, tt := range parseTSTests {
		ref, ok := ParseTS(tt.ts)
		if ref != tt.ref || ok != tt.ok {
			t.Errorf("ParseTS(%q) = %+v, %v; want %+v, %v", tt.ts, ref, ok, tt.ref, tt.ok)
		}
	}
}

// A message's ts keeps Slack's form past id 999,999 and names it, and
// only it: not in another second, not another id of the same residue.
func TestMessageTS(t *testing.T) {
	for _, tt := range []struct {
		id   int64
		want string
	}{
		{42, "1700000000.000042"},
		{999_999, "1700000000.999999"},
		{1_000_000, "1700000000.000000"},
		{1_234_567, "1700000000.234567"},
		{98_765_432_101, "1700000000.432101"},
	} {
		m := &channels.Message{ID: tt.id, CreatedAt: 1_700_000_000_123}
		ts := MessageTS(m)
		if ts != tt.want {
			t.Errorf("MessageTS(%d) = %q, want %q", tt.id, ts, tt.want)
		}
		ref, ok := ParseTS(ts)
		if !ok || !ref.Names(m) || ref.Modulus() != TSModulus {
			t.Errorf("ParseTS(%q) = %+v, %v: does not name message %d", ts, ref, ok, tt.id)
		}
		if later := (&channels.Message{ID: tt.id, CreatedAt: m.CreatedAt + 1000}); ref.Names(later) {
			t.Errorf("%q names message %d a second later", ts, tt.id)
		}
		if other := (&channels.Message{ID: tt.id + 1, CreatedAt: m.CreatedAt}); ref.Names(other) {
			t.Errorf("%q names message %d", ts, other.ID)
		}
	}
	legacy, _ := ParseTS("1700000000.1234567")
	if !legacy.Names(&channels.Message{ID: 1234567, CreatedAt: 1_700_000_000_500}) ||
		legacy.Names(&channels.Message{ID: 2234567, CreatedAt: 1_700_000_000_500}) || legacy.Modulus() != 0 {
		t.Errorf("a legacy seven-digit ts %+v names by residue", legacy)
	}
	if got := MillisTS(1_700_000_000_123); got != "1700000000.123000" {
		t.Errorf("MillisTS = %q", got)
	}
}

func TestIDs(t *testing.T) {
	for _, tt := range []struct {
		s, prefixes string
		id          int64
		ok          bool
	}{
		{"C12", "CDG", 12, true},
		{"D3", "CDG", 3, true},
		{"U3", "CDG", 0, false},
		{"C", "CDG", 0, false},
		{"C0", "CDG", 0, false},
		{"general", "CDG", 0, false},
	} {
		id, ok := ParseID(tt.s, tt.prefixes)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseID(%q) = %d, %v; want %d, %v", tt.s, id, ok, tt.id, tt.ok)
		}
	}
	for kind, want := range map[string][2]string{channels.ChannelPublic: {"C7", "channel"}, channels.ChannelPrivate: {"C7", "group"},
		channels.ChannelDM: {"D7", "im"}, channels.ChannelGroupDM: {"G7", "mpim"}} {
		c := &channels.Channel{ID: 7, Kind: kind}
		if ChannelID(c) != want[0] || ChannelType(c) != want[1] {
			t.Errorf("%s channel: %s, %s; want %v", kind, ChannelID(c), ChannelType(c), want)
		}
	}
}
