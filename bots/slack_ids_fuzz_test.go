package bots

import "testing"

// FuzzParseTS checks that an accepted ts names a message id and survives
// formatting: the ts the API would write for that second and id reads back
// as the same second and id.
func FuzzParseTS(f *testing.F) {
	for _, tt := range parseTSTests {
		f.Add(tt.ts)
	}
	f.Fuzz(func(t *testing.T, ts string) {
		id, ok := parseTS(ts)
		if !ok {
			return
		}
		secs, _, _ := splitTS(ts)
		if id <= 0 || secs < 0 || secs > maxTSSeconds {
			t.Fatalf("parseTS(%q) = id %d, seconds %d", ts, id, secs)
		}
		again := formatTS(secs, id)
		id2, ok2 := parseTS(again)
		secs2, _, _ := splitTS(again)
		if !ok2 || id2 != id || secs2 != secs {
			t.Fatalf("parseTS(%q) = %d at %d; formatted %q reads back as %d at %d, %v", ts, id, secs, again, id2, secs2, ok2)
		}
	})
}

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
		if b.millis < 0 || b.millis > maxTSSeconds*1000+999 || b.id < 0 {
			t.Fatalf("parseBound(%q) = %+v", s, b)
		}
		again, ok := parseBound(millisTS(b.millis))
		if !ok || again.millis != b.millis {
			t.Fatalf("parseBound(%q) = %d ms; formatted %q reads back as %+v, %v", s, b.millis, millisTS(b.millis), again, ok)
		}
	})
}
