package bots

import (
	"errors"
	"testing"
	"time"
)

// parseDNDTests are parseDND's cases; they also seed FuzzParseDND.
var parseDNDTests = []struct {
	in      string
	want    time.Duration
	wantErr error
}{
	{in: "", want: time.Hour},
	{in: "30", want: 30 * time.Minute},
	{in: "30m", want: 30 * time.Minute},
	{in: "1h30m", want: 90 * time.Minute},
	{in: "45 minutes", want: 45 * time.Minute},
	{in: "2 Hours", want: 2 * time.Hour},
	{in: "1 day", want: 24 * time.Hour},
	{in: "1 week", want: 7 * 24 * time.Hour},
	{in: "2\tHours", want: 2 * time.Hour},
	{in: "168h", want: 7 * 24 * time.Hour},

	{in: "forever", wantErr: errDNDSyntax},
	{in: "0", wantErr: errDNDSyntax},
	{in: "-5", wantErr: errDNDSyntax},
	{in: "+5", wantErr: errDNDSyntax},
	{in: "-1h", wantErr: errDNDSyntax},
	{in: "30s", wantErr: errDNDSyntax},
	{in: "5 call", wantErr: errDNDSyntax},
	{in: "5 minutes please", wantErr: errDNDSyntax},
	{in: "1e3", wantErr: errDNDSyntax},
	{in: "9999999999h", wantErr: errDNDSyntax},
	{in: "169h", wantErr: errDNDTooLong},
	{in: "30d", wantErr: errDNDSyntax},
	{in: "8 days", wantErr: errDNDTooLong},
	// Counts whose Duration wrapped around to a few seconds ("on for 0s").
	{in: "153722867281", wantErr: errDNDTooLong},
	{in: "99999999999999999999", wantErr: errDNDTooLong},
	{in: "15250284452472 weeks", wantErr: errDNDTooLong},
	{in: "2562047 hours", wantErr: errDNDTooLong},
}

func TestParseDND(t *testing.T) {
	for _, tt := range parseDNDTests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDND(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("parseDND(%q) = %v, %v; want error %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseDND(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
