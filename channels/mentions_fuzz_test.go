package channels

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// wellFormedName is what a parsed @username may look like: lower case, and
// no trailing punctuation (a sentence's full stop is not part of a name).
var wellFormedName = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$`)

// FuzzParseMentions checks mention extraction on any text: every name found
// is written in the text, mrkdwn finds what markdown finds and more, and
// what two texts mention, joined by a space, is what each mentions.
func FuzzParseMentions(f *testing.F) {
	for _, c := range mentionCases {
		f.Add(c.text, "", c.markup == MarkupMrkdwn)
	}
	f.Add("@ada.", "@Ada, <@U7|ada> <!everyone>", true)
	f.Add("mail ada@example.com", "<@12|", true)
	f.Fuzz(func(t *testing.T, a, b string, mrkdwn bool) {
		markup := MarkupMarkdown
		if mrkdwn {
			markup = MarkupMrkdwn
		}
		p := checkMentions(t, a, markup)
		q := checkMentions(t, b, markup)
		joined := checkMentions(t, a+" "+b, markup)

		if padded := parseMentions(" "+a+" ", markup); !reflect.DeepEqual(padded, p) {
			t.Fatalf("spaces around %q change its mentions: %+v, not %+v", a, padded, p)
		}
		// Names end at the space, so joining neither loses nor makes one.
		// (Slack's <@id|label> forms may run across it: "<@1| <@2>".)
		want := slices.Clone(p.Usernames)
		for _, n := range q.Usernames {
			if !slices.Contains(want, n) {
				want = append(want, n)
			}
		}
		if !slices.Equal(joined.Usernames, want) {
			t.Fatalf("%q + %q mentions %q, want %q", a, b, joined.Usernames, want)
		}
		if !mrkdwn && (joined.Channel != (p.Channel || q.Channel) || joined.Here != (p.Here || q.Here)) {
			t.Fatalf("%q + %q = %+v; apart %+v and %+v", a, b, joined, p, q)
		}
	})
}

// checkMentions parses text and asserts what holds for every result.
func checkMentions(t *testing.T, text, markup string) parsedMentions {
	t.Helper()
	p := parseMentions(text, markup)
	lower := strings.ToLower(text)
	seen := map[string]bool{}
	for _, n := range p.Usernames {
		switch {
		case !wellFormedName.MatchString(n):
			t.Fatalf("parseMentions(%q): malformed name %q", text, n)
		case n == "channel" || n == "here" || n == "everyone" || n == "all":
			t.Fatalf("parseMentions(%q): %q is a special mention, not a name", text, n)
		case seen[n]:
			t.Fatalf("parseMentions(%q): %q twice", text, n)
		case !strings.Contains(lower, "@"+n):
			t.Fatalf("parseMentions(%q): @%s is not in the text", text, n)
		}
		seen[n] = true
	}
	if markup != MarkupMrkdwn {
		if len(p.UserIDs) > 0 {
			t.Fatalf("parseMentions(%q, markdown) read Slack ids %v", text, p.UserIDs)
		}
		return p
	}
	for _, id := range p.UserIDs {
		// Leading zeros aside, the id's digits are in the text.
		if id < 0 || !strings.Contains(text, "<@") || !strings.Contains(text, strconv.FormatInt(id, 10)) {
			t.Fatalf("parseMentions(%q): id %d is not in the text", text, id)
		}
	}
	// mrkdwn reads everything markdown does, and Slack's forms besides.
	md := parseMentions(text, MarkupMarkdown)
	if !slices.Equal(md.Usernames, p.Usernames) || md.Channel && !p.Channel || md.Here && !p.Here {
		t.Fatalf("parseMentions(%q): mrkdwn %+v lost what markdown found, %+v", text, p, md)
	}
	return p
}
