package search

import (
	"strings"
	"time"
	"unicode"
)

// Parse reads a query as typed into its terms and operators. The language
// is the same on every backend:
//
//	word other          both words (AND)
//	"exact phrase"      the words in this order
//	-word  -"phrase"    without them
//	pref*               words starting with pref (trailing * only)
//	from:@user  from:user  from:me
//	in:#channel  in:channel  in:@user (the DM with that person)
//	before:YYYY-MM-DD   before that day (UTC)
//	after:YYYY-MM-DD    after that day, i.e. from the next day on
//	on:YYYY-MM-DD       that day
//	during:YYYY-MM  during:YYYY  during:march
//	has:link  has:file  has:reaction  is:thread  is:bot
//
// Dates also accept today and yesterday, relative to now (UTC). Operator
// names and the values of has:, is: and during: are case-insensitive. A word
// with a colon whose prefix is not an operator (https://…, 10:30) is a plain
// word. A known operator with a bad value, an unclosed quote, a misplaced *
// and dates that leave no time between them are a *ParseError.
func Parse(q string, now time.Time) (*Parsed, error) {
	p := &Parsed{}
	var dateTok string // the last date operator, for the contradiction error
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		start := i
		negated := false
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			negated = true
			i++
		}
		if rs[i] == '"' {
			end := i + 1
			for end < len(rs) && rs[end] != '"' {
				end++
			}
			if end >= len(rs) {
				return nil, &ParseError{Part: string(rs[start:]), Reason: "the quote is not closed"}
			}
			text := strings.Join(strings.Fields(string(rs[i+1:end])), " ")
			i = end + 1
			if hasWordChar(text) {
				p.Terms = append(p.Terms, Term{Text: text, Phrase: true, Negated: negated})
			}
			continue
		}
		end := i
		for end < len(rs) && !unicode.IsSpace(rs[end]) {
			end++
		}
		word := string(rs[i:end])
		tok := string(rs[start:end])
		i = end

		if name, value, ok := strings.Cut(word, ":"); ok && isOperator(strings.ToLower(name)) {
			if negated {
				return nil, &ParseError{Part: tok, Reason: "operators cannot be excluded; only words and phrases can"}
			}
			isDate, err := p.operator(strings.ToLower(name), value, now)
			if err != nil {
				return nil, &ParseError{Part: tok, Reason: err.Error()}
			}
			if isDate {
				dateTok = tok
			}
			continue
		}

		prefix := false
		if strings.HasSuffix(word, "*") {
			prefix = true
			word = strings.TrimSuffix(word, "*")
		}
		if strings.Contains(word, "*") {
			return nil, &ParseError{Part: tok, Reason: "* is only allowed at the end of a word"}
		}
		if !hasWordChar(word) {
			if prefix {
				return nil, &ParseError{Part: tok, Reason: "* needs a word before it"}
			}
			continue // punctuation alone: nothing to search for
		}
		p.Terms = append(p.Terms, Term{Text: word, Prefix: prefix, Negated: negated})
	}
	if p.Before != 0 && p.After != 0 && p.After >= p.Before {
		return nil, &ParseError{Part: dateTok, Reason: "the dates leave no time to search (after is not before before)"}
	}
	return p, nil
}

var operators = map[string]bool{
	"from": true, "in": true, "before": true, "after": true, "on": true, "during": true, "has": true, "is": true,
}

func isOperator(name string) bool { return operators[name] }

type reason string

func (r reason) Error() string { return string(r) }

// operator applies one operator; it reports whether it was a date.
func (p *Parsed) operator(name, value string, now time.Time) (bool, error) {
	if value == "" {
		return false, reason(name + ": needs a value")
	}
	switch name {
	case "from":
		user := strings.TrimPrefix(value, "@")
		if user == "" {
			return false, reason("from: needs a username")
		}
		if strings.EqualFold(user, "me") {
			user = "me"
		}
		p.From = append(p.From, user)
	case "in":
		switch {
		case strings.HasPrefix(value, "@"):
			if value == "@" {
				return false, reason("in:@ needs a username")
			}
			p.InDMs = append(p.InDMs, value[1:])
		case strings.HasPrefix(value, "#"):
			if value == "#" {
				return false, reason("in:# needs a channel name")
			}
			p.InChannels = append(p.InChannels, value[1:])
		default:
			p.InChannels = append(p.InChannels, value)
		}
	case "has":
		switch strings.ToLower(value) {
		case "link":
			p.HasLink = true
		case "file":
			p.HasFile = true
		case "reaction":
			p.HasReaction = true
		default:
			return false, reason("has: is link, file or reaction")
		}
	case "is":
		switch strings.ToLower(value) {
		case "thread":
			p.IsThread = true
		case "bot":
			p.IsBot = true
		default:
			return false, reason("is: is thread or bot")
		}
	case "before", "after", "on":
		day, ok := parseDay(value, now)
		if !ok {
			return true, reason(name + ": needs a date as YYYY-MM-DD (or today, yesterday)")
		}
		next := day.AddDate(0, 0, 1)
		switch name {
		case "before":
			p.bound(0, day.UnixMilli())
		case "after":
			p.bound(next.UnixMilli(), 0)
		case "on":
			p.bound(day.UnixMilli(), next.UnixMilli())
		}
		return true, nil
	case "during":
		from, to, ok := parsePeriod(value, now)
		if !ok {
			return true, reason("during: needs a month (YYYY-MM or its name) or a year (YYYY)")
		}
		p.bound(from.UnixMilli(), to.UnixMilli())
		return true, nil
	}
	return false, nil
}

// bound narrows the date range: the latest After and the earliest Before
// win, so several date operators intersect.
func (p *Parsed) bound(after, before int64) {
	if after != 0 && after > p.After {
		p.After = after
	}
	if before != 0 && (p.Before == 0 || before < p.Before) {
		p.Before = before
	}
}

func parseDay(s string, now time.Time) (time.Time, bool) {
	today := time.Date(now.UTC().Year(), now.UTC().Month(), now.UTC().Day(), 0, 0, 0, 0, time.UTC)
	switch strings.ToLower(s) {
	case "today":
		return today, true
	case "yesterday":
		return today.AddDate(0, 0, -1), true
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

var months = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
	"oct": 10, "nov": 11, "dec": 12,
}

// parsePeriod reads YYYY, YYYY-MM or a month's name (the latest such month
// that has begun by now) into [from, to).
func parsePeriod(s string, now time.Time) (from, to time.Time, ok bool) {
	if t, err := time.Parse("2006-01", s); err == nil {
		return t, t.AddDate(0, 1, 0), true
	}
	if len(s) == 4 {
		if t, err := time.Parse("2006", s); err == nil {
			return t, t.AddDate(1, 0, 0), true
		}
	}
	if m, found := months[strings.ToLower(s)]; found {
		now = now.UTC()
		year := now.Year()
		if m > now.Month() {
			year--
		}
		t := time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
		return t, t.AddDate(0, 1, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// hasWordChar reports whether s has a letter or digit, i.e. anything a
// backend could match.
func hasWordChar(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
