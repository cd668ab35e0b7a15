package bots

import (
	"testing"

	"github.com/parley-chat/parley/channels/slackwire"
)

// FuzzParseBound checks that an accepted latest/oldest is a moment from
// 1970 to the end of year 9999 (never NaN, negative or overflowed) that
// reads back the same once formatted.
func FuzzParseBound(f *testing.F) {
	for _, tt := range parseBoundTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, ok := parseBound(s)
		if !ok || !b.set {
			return
		}
		if b.millis < 0 || b.millis > slackwire.MaxTSSeconds*1000+999 || b.ref.ID < 0 {
			t.Fatalf("parseBound(%q) = %+v", s, b)
		}
		again, ok := parseBound(slackwire.MillisTS(b.millis))
		if !ok || again.millis != b.millis {
			t.Fatalf("parseBound(%q) = %d ms; formatted %q reads back as %+v, %v", s, b.millis, slackwire.MillisTS(b.millis), again, ok)
		}
	})
}
