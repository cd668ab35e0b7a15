package search

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzParse checks the query parser on any input: it never panics, fails
// only with a *ParseError naming a part of the query, keeps terms to what
// the query language allows, and what it reads renders back to a query that
// parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.q, int32(0))
	}
	for _, c := range parseErrorCases {
		f.Add(c.q, int32(0))
	}
	f.Add("on:today during:jan", int32(-200))
	f.Add("before:0001-01-02 after:9999-12-30", int32(1))
	f.Fuzz(func(t *testing.T, q string, days int32) {
		// Any clock from about 1900 years before to after parseNow.
		now := parseNow.AddDate(0, 0, int(days%700_000))
		p, err := Parse(q, now)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Reason == "" || pe.Part == "" {
				t.Fatalf("Parse(%q) = %v; want a *ParseError with a part and a reason", q, err)
			}
			if utf8.ValidString(q) && !strings.Contains(q, pe.Part) {
				t.Fatalf("Parse(%q): part %q is not in the query", q, pe.Part)
			}
			return
		}
		checkParsed(t, q, p)
		again, err := Parse(q, now)
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("Parse(%q) twice: %+v then %+v, %v", q, p, again, err)
		}
		r, ok := renderQuery(p)
		if !ok {
			return // a date bound past year 9999 has no YYYY-MM-DD form
		}
		back, err := Parse(r, now)
		if err != nil {
			t.Fatalf("Parse(%q) = %+v renders as %q, which fails: %v", q, p, r, err)
		}
		if !reflect.DeepEqual(p, back) {
			t.Fatalf("Parse(%q) =\n %+v\nrenders as %q, which parses to\n %+v", q, p, r, back)
		}
	})
}

// checkParsed asserts what every parsed query holds.
func checkParsed(t *testing.T, q string, p *Parsed) {
	t.Helper()
	for _, term := range p.Terms {
		if !hasWordChar(term.Text) || !utf8.ValidString(term.Text) {
			t.Fatalf("Parse(%q): term %q has nothing to match", q, term.Text)
		}
		if term.Phrase {
			if term.Prefix || strings.Contains(term.Text, `"`) || strings.Join(strings.Fields(term.Text), " ") != term.Text {
				t.Fatalf("Parse(%q): malformed phrase %+v", q, term)
			}
			continue
		}
		if strings.Contains(term.Text, "*") || strings.IndexFunc(term.Text, unicode.IsSpace) >= 0 {
			t.Fatalf("Parse(%q): malformed word %+v", q, term)
		}
		if utf8.ValidString(q) && !strings.Contains(q, term.Text) {
			t.Fatalf("Parse(%q): word %q is not in the query", q, term.Text)
		}
	}
	for _, names := range [][]string{p.From, p.InChannels, p.InDMs} {
		for _, n := range names {
			if n == "" || strings.IndexFunc(n, unicode.IsSpace) >= 0 {
				t.Fatalf("Parse(%q): bad name %q in %+v", q, n, p)
			}
		}
	}
	if p.After != 0 && p.Before != 0 && p.After >= p.Before {
		t.Fatalf("Parse(%q): empty date range %+v", q, p)
	}
}

// renderQuery writes a parsed query back in the query language; ok is false
// when a date bound cannot be written as YYYY-MM-DD.
func renderQuery(p *Parsed) (string, bool) {
	var parts []string
	for _, t := range p.Terms {
		s := t.Text
		if t.Phrase {
			s = `"` + s + `"`
		}
		if t.Prefix {
			s += "*"
		}
		if t.Negated {
			s = "-" + s
		}
		parts = append(parts, s)
	}
	for _, u := range p.From {
		parts = append(parts, "from:@"+u)
	}
	for _, c := range p.InChannels {
		parts = append(parts, "in:#"+c)
	}
	for _, u := range p.InDMs {
		parts = append(parts, "in:@"+u)
	}
	day := func(ms int64) (string, bool) {
		d := time.UnixMilli(ms).UTC()
		return d.Format("2006-01-02"), d.Year() >= 0 && d.Year() <= 9999
	}
	if p.Before != 0 {
		s, ok := day(p.Before)
		if !ok {
			return "", false
		}
		parts = append(parts, "before:"+s)
	}
	if p.After != 0 {
		// after:D starts at the day after D.
		s, ok := day(p.After - 24*time.Hour.Milliseconds())
		if !ok {
			return "", false
		}
		parts = append(parts, "after:"+s)
	}
	for _, flag := range []struct {
		on   bool
		text string
	}{
		{p.HasLink, "has:link"}, {p.HasFile, "has:file"}, {p.HasReaction, "has:reaction"},
		{p.IsThread, "is:thread"}, {p.IsBot, "is:bot"},
	} {
		if flag.on {
			parts = append(parts, flag.text)
		}
	}
	return strings.Join(parts, " "), true
}
