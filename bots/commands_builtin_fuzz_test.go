package bots

import (
	"testing"
	"time"
)

// FuzzParseDND checks that /dnd accepts only durations from a minute to
// maxDND, whatever it is given.
func FuzzParseDND(f *testing.F) {
	for _, tt := range parseDNDTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := parseDND(in)
		if err == nil && (d < time.Minute || d > maxDND) {
			t.Fatalf("parseDND(%q) = %v, outside [1m, %v]", in, d, maxDND)
		}
	})
}
