package bots

import (
	"strings"
	"testing"
)

// FuzzParseWhen checks that a reminder parseWhen accepts is due after now
// and at most a year ahead, in UTC, with something to say.
func FuzzParseWhen(f *testing.F) {
	for _, tt := range parseWhenTests {
		f.Add(tt.in)
	}
	now := parseWhenNow
	f.Fuzz(func(t *testing.T, in string) {
		due, what, err := parseWhen(in, now)
		if err != nil {
			return
		}
		if !due.After(now) || due.After(now.AddDate(1, 0, 0)) {
			t.Fatalf("parseWhen(%q) = %v, not within a year after %v", in, due, now)
		}
		if due.Location() != now.Location() {
			t.Fatalf("parseWhen(%q) is in %v", in, due.Location())
		}
		if what == "" || strings.TrimSpace(what) != what {
			t.Fatalf("parseWhen(%q) says %q", in, what)
		}
	})
}
