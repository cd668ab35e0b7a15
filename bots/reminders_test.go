package bots

import (
	"errors"
	"testing"
	"time"
)

// parseWhenNow is the "now" of parseWhenTests.
var parseWhenNow = time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)

// parseWhenTests are parseWhen's cases; they also seed FuzzParseWhen.
var parseWhenTests = func() []parseWhenCase {
	now := parseWhenNow
	at := func(y int, mo time.Month, d, h, m, s int) time.Time { return time.Date(y, mo, d, h, m, s, 0, time.UTC) }
	return []parseWhenCase{
		{in: "in 5 minutes ship it", want: now.Add(5 * time.Minute), wantWhat: "ship it"},
		{in: "in 2 hours call  mom ", want: now.Add(2 * time.Hour), wantWhat: "call  mom"},
		{in: "in 1 day renew", want: now.Add(24 * time.Hour), wantWhat: "renew"},
		{in: "in 2 weeks renew", want: now.Add(14 * 24 * time.Hour), wantWhat: "renew"},
		{in: "in 30 seconds tea", want: now.Add(30 * time.Second), wantWhat: "tea"},
		{in: "in 1 sec tea", want: now.Add(time.Second), wantWhat: "tea"},
		{in: "in 90s tea", want: now.Add(90 * time.Second), wantWhat: "tea"},
		{in: "in 10m tea", want: now.Add(10 * time.Minute), wantWhat: "tea"},
		{in: "IN 1h30m tea", want: now.Add(90 * time.Minute), wantWhat: "tea"},
		{in: "at 15:30 standup", want: at(2026, 11, 21, 15, 30, 0), wantWhat: "standup"},
		{in: "at 13:30 standup", want: at(2026, 11, 22, 13, 30, 0), wantWhat: "standup"},
		{in: "at 14:00 standup", want: at(2026, 11, 22, 14, 0, 0), wantWhat: "standup"},
		{in: "at 3pm standup", want: at(2026, 11, 21, 15, 0, 0), wantWhat: "standup"},
		{in: "at 3:15PM standup", want: at(2026, 11, 21, 15, 15, 0), wantWhat: "standup"},
		{in: "at 9am standup", want: at(2026, 11, 22, 9, 0, 0), wantWhat: "standup"},
		{in: "at 12am midnight", want: at(2026, 11, 22, 0, 0, 0), wantWhat: "midnight"},
		{in: "at 12pm noon", want: at(2026, 11, 22, 12, 0, 0), wantWhat: "noon"},
		{in: "tomorrow standup", want: at(2026, 11, 22, 9, 0, 0), wantWhat: "standup"},
		{in: "tomorrow at 10am standup", want: at(2026, 11, 22, 10, 0, 0), wantWhat: "standup"},
		{in: "tomorrow 17:45 standup", want: at(2026, 11, 22, 17, 45, 0), wantWhat: "standup"},
		{in: "on 2026-12-24 at 09:00 presents", want: at(2026, 12, 24, 9, 0, 0), wantWhat: "presents"},
		{in: "2026-12-24 18:00 presents", want: at(2026, 12, 24, 18, 0, 0), wantWhat: "presents"},
		{in: "2026-12-24 presents", want: at(2026, 12, 24, 9, 0, 0), wantWhat: "presents"},
		{in: "on 2027-11-21 at 13:59 just within a year", want: at(2027, 11, 21, 13, 59, 0), wantWhat: "just within a year"},

		{in: "", wantErr: errWhenSyntax},
		{in: "in 5 minutes", wantErr: errWhenSyntax},
		{in: "in 5 call mom", wantErr: errWhenSyntax},
		{in: "in five minutes x", wantErr: errWhenSyntax},
		{in: "in -5m x", wantErr: errWhenSyntax},
		{in: "in 0s x", wantErr: errWhenSyntax},
		{in: "at 25:00 x", wantErr: errWhenSyntax},
		{in: "at 15:60 x", wantErr: errWhenSyntax},
		{in: "at 13pm x", wantErr: errWhenSyntax},
		{in: "at 15 x", wantErr: errWhenSyntax},
		{in: "at noon x", wantErr: errWhenSyntax},
		{in: "tomorrow at x", wantErr: errWhenSyntax},
		{in: "tomorrow", wantErr: errWhenSyntax},
		{in: "on 2026-13-01 x", wantErr: errWhenSyntax},
		{in: "on 2026-12-24 at 9 x", wantErr: errWhenSyntax},
		{in: "next week x", wantErr: errWhenSyntax},
		{in: "2026-11-21 13:00 too late", wantErr: errWhenPast},
		{in: "on 2020-01-01 x", wantErr: errWhenPast},
		{in: "in 400 days x", wantErr: errWhenTooFar},
		{in: "2027-11-21 14:01 x", wantErr: errWhenTooFar},
		// Counts too large for a Duration once wrapped around to "now".
		{in: "in 18446744074 seconds x", wantErr: errWhenTooFar},
		{in: "in 99999999999999999999 seconds x", wantErr: errWhenTooFar},
		{in: "in 153722867281 minutes x", wantErr: errWhenTooFar},
		{in: "in 9223372036854775807 weeks x", wantErr: errWhenTooFar},
		{in: "in 2562047h x", wantErr: errWhenTooFar},
		{in: "in 2562048h x", wantErr: errWhenSyntax}, // time.ParseDuration refuses it
		// Any white space separates words; a number still needs a unit.
		{in: "in 5\f call mom", wantErr: errWhenSyntax},
		{in: "in 5\u00a0call mom", wantErr: errWhenSyntax},
		{in: "in 5\fminutes call\u2003mom", want: now.Add(5 * time.Minute), wantWhat: "call\u2003mom"},
		{in: "in +5 minutes x", wantErr: errWhenSyntax},
		{in: "in 5 x", wantErr: errWhenSyntax},
	}
}()

type parseWhenCase struct {
	in       string
	want     time.Time
	wantWhat string
	wantErr  error
}

func TestParseWhen(t *testing.T) {
	now := parseWhenNow
	for _, tt := range parseWhenTests {
		t.Run(tt.in, func(t *testing.T) {
			got, what, err := parseWhen(tt.in, now)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("parseWhen(%q) = %v, %q, %v; want error %v", tt.in, got, what, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseWhen(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || what != tt.wantWhat {
				t.Errorf("parseWhen(%q) = %v, %q; want %v, %q", tt.in, got, what, tt.want, tt.wantWhat)
			}
			if got.Location() != time.UTC {
				t.Errorf("parseWhen(%q) is in %v, want UTC", tt.in, got.Location())
			}
		})
	}
}

func TestFormatDue(t *testing.T) {
	got := formatDue(time.Date(2026, 11, 21, 15, 30, 12, 0, time.FixedZone("X", 3600)))
	if want := "2026-11-21 14:30 UTC"; got != want {
		t.Errorf("formatDue = %q, want %q", got, want)
	}
}
