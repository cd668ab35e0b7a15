package search

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// parseNow is the clock of the parser's tables (and its fuzz target's seeds).
var parseNow = time.Date(2024, 7, 15, 9, 30, 0, 0, time.UTC)

// dayMS is midnight UTC of a YYYY-MM-DD day in Unix milliseconds.
func dayMS(s string) int64 {
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return tm.UnixMilli()
}

// parseCases are queries that parse, with what they mean at parseNow.
var parseCases = []struct {
	name string
	q    string
	want Parsed
}{
	{"empty", "   ", Parsed{}},
	{"words", "deploy  failed", Parsed{Terms: []Term{{Text: "deploy"}, {Text: "failed"}}}},
	{"phrase", `"exact   phrase" word`, Parsed{Terms: []Term{{Text: "exact phrase", Phrase: true}, {Text: "word"}}}},
	{"excluded word and phrase", `-spam -"bad news"`, Parsed{Terms: []Term{{Text: "spam", Negated: true}, {Text: "bad news", Phrase: true, Negated: true}}}},
	{"prefix", "depl* -foo*", Parsed{Terms: []Term{{Text: "depl", Prefix: true}, {Text: "foo", Prefix: true, Negated: true}}}},
	{"punctuation alone is dropped", `- & "" ...`, Parsed{}},
	{"identifiers stay words", "build_id api-gateway v1.2.3", Parsed{Terms: []Term{{Text: "build_id"}, {Text: "api-gateway"}, {Text: "v1.2.3"}}}},
	{"a colon that is no operator is a word", "https://example.com/x 10:30 foo:bar", Parsed{Terms: []Term{{Text: "https://example.com/x"}, {Text: "10:30"}, {Text: "foo:bar"}}}},
	{"from", "from:@alice from:bob FROM:Me", Parsed{From: []string{"alice", "bob", "me"}}},
	{"in", "in:#general in:random In:@bob", Parsed{InChannels: []string{"general", "random"}, InDMs: []string{"bob"}}},
	{"before", "before:2024-03-01", Parsed{Before: dayMS("2024-03-01")}},
	{"after is from the next day", "after:2024-03-01", Parsed{After: dayMS("2024-03-02")}},
	{"on", "on:2024-02-29", Parsed{After: dayMS("2024-02-29"), Before: dayMS("2024-03-01")}},
	{"during a month", "during:2024-12", Parsed{After: dayMS("2024-12-01"), Before: dayMS("2025-01-01")}},
	{"during a year", "during:2023", Parsed{After: dayMS("2023-01-01"), Before: dayMS("2024-01-01")}},
	{"during a month by name this year", "during:March", Parsed{After: dayMS("2024-03-01"), Before: dayMS("2024-04-01")}},
	{"during a month by name last year", "during:dec", Parsed{After: dayMS("2023-12-01"), Before: dayMS("2024-01-01")}},
	{"yesterday", "on:yesterday", Parsed{After: dayMS("2024-07-14"), Before: dayMS("2024-07-15")}},
	{"dates intersect", "during:2024 after:2024-05-01 before:2024-06-01 before:2024-07-01", Parsed{After: dayMS("2024-05-02"), Before: dayMS("2024-06-01")}},
	{"has and is", "HAS:Link has:file has:reaction is:thread IS:bot", Parsed{HasLink: true, HasFile: true, HasReaction: true, IsThread: true, IsBot: true}},
	{"everything", `from:me in:#ops "rollback plan" -draft incident* on:today`, Parsed{
		Terms:      []Term{{Text: "rollback plan", Phrase: true}, {Text: "draft", Negated: true}, {Text: "incident", Prefix: true}},
		From:       []string{"me"},
		InChannels: []string{"ops"},
		After:      dayMS("2024-07-15"), Before: dayMS("2024-07-16"),
	}},
	{"CJK", "東京タワー", Parsed{Terms: []Term{{Text: "東京タワー"}}}},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.q, parseNow)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.q, err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("Parse(%q) =\n %+v\nwant\n %+v", c.q, *got, c.want)
			}
		})
	}
}

// parseErrorCases are malformed queries and the part each error names.
var parseErrorCases = []struct {
	name, q, part string
}{
	{"unclosed quote", `deploy "half open`, `"half open`},
	{"unclosed excluded quote", `-"half`, `-"half`},
	{"leading star", "*ploy", "*ploy"},
	{"inner star", "de*ploy", "de*ploy"},
	{"star alone", "*", "*"},
	{"double star", "de**", "de**"},
	{"bad date", "before:2024-13-40", "before:2024-13-40"},
	{"date not a date", "on:tomorrowish", "on:tomorrowish"},
	{"bad month", "during:2024-13", "during:2024-13"},
	{"bad period", "during:spring", "during:spring"},
	{"unknown has", "has:banana", "has:banana"},
	{"unknown is", "is:x", "is:x"},
	{"empty from", "from:", "from:"},
	{"from @ alone", "from:@", "from:@"},
	{"empty in", "IN:", "IN:"},
	{"in # alone", "in:#", "in:#"},
	{"in @ alone", "in:@", "in:@"},
	{"excluded operator", "-from:bob", "-from:bob"},
	{"after not before before", "after:2024-05-01 before:2024-05-01", "before:2024-05-01"},
	{"after the day before before", "after:2024-04-30 before:2024-05-01", "before:2024-05-01"},
	{"after yesterday before today", "after:yesterday before:today", "before:today"},
}

func TestParse_Errors(t *testing.T) {
	for _, c := range parseErrorCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.q, parseNow)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %+v, %v; want a *ParseError", c.q, got, err)
			}
			if pe.Part != c.part || pe.Reason == "" {
				t.Errorf("Parse(%q): Part %q, Reason %q; want Part %q and a reason", c.q, pe.Part, pe.Reason, c.part)
			}
		})
	}
}
