package bots

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// The one workspace a Parley server is, in Slack's terms.
const (
	teamID   = "T1"
	teamName = "Parley"
)

// Slack IDs are Parley ids with a letter in front: U users, B bots, C
// channels, D DMs, G group DMs, F files.
func userID(id int64) string { return "U" + strconv.FormatInt(id, 10) }
func botID(id int64) string  { return "B" + strconv.FormatInt(id, 10) }
func fileID(id int64) string { return "F" + strconv.FormatInt(id, 10) }

// channelID is a channel's Slack ID by its kind.
func channelID(c *channels.Channel) string {
	prefix := "C"
	switch c.Kind {
	case channels.ChannelDM:
		prefix = "D"
	case channels.ChannelGroupDM:
		prefix = "G"
	}
	return prefix + strconv.FormatInt(c.ID, 10)
}

// parseID reads a Slack ID whose first letter is one of prefixes.
func parseID(s, prefixes string) (int64, bool) {
	if len(s) < 2 || !strings.ContainsRune(prefixes, rune(s[0])) {
		return 0, false
	}
	id, err := strconv.ParseInt(s[1:], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// messageTS is a message's Slack ts: the second it was posted, then its id
// as the six-digit fraction. It never changes and is unique in a channel
// (and beyond), and parsing the fraction gives the id back.
func messageTS(m *channels.Message) string {
	return formatTS(m.CreatedAt/1000, m.ID)
}

func formatTS(secs, frac int64) string { return fmt.Sprintf("%d.%06d", secs, frac) }

// millisTS is a ts for a moment rather than a message (edits, ephemeral
// messages): seconds and microseconds.
func millisTS(ms int64) string { return formatTS(ms/1000, ms%1000*1000) }

// maxTSSeconds bounds the seconds of a ts: the last second of year 9999,
// beyond any message, and small enough that its milliseconds fit an int64.
const maxTSSeconds = 253402300799

// splitTS reads a ts, SECONDS[.FRACTION] in ASCII digits (no sign,
// exponent, NaN or infinity), with SECONDS at most maxTSSeconds. frac is
// the digits after the dot ("" without one).
func splitTS(ts string) (secs int64, frac string, ok bool) {
	whole, frac, _ := strings.Cut(ts, ".")
	if !isDigits(whole) || frac != "" && !isDigits(frac) {
		return 0, "", false
	}
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || secs > maxTSSeconds {
		return 0, "", false
	}
	return secs, frac, true
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseTS returns the message id of a ts ("1700000000.000042" → 42).
func parseTS(ts string) (int64, bool) {
	_, frac, ok := splitTS(ts)
	if !ok || frac == "" {
		return 0, false
	}
	id, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// tsBound is a latest/oldest argument: a moment in Unix milliseconds, and
// the message id its fraction would name (checked against the channel by
// the caller, since a client may also send a plain time).
type tsBound struct {
	set    bool
	id     int64
	millis int64
}

// parseBound reads latest or oldest: empty (no bound) or a ts, whose
// fraction's first three digits are the milliseconds.
func parseBound(s string) (tsBound, bool) {
	if s == "" {
		return tsBound{}, true
	}
	secs, frac, ok := splitTS(s)
	if !ok {
		return tsBound{}, false
	}
	ms, _ := strconv.ParseInt((frac + "000")[:3], 10, 64)
	b := tsBound{set: true, millis: secs*1000 + ms}
	b.id, _ = parseTS(s)
	return b, true
}

// Cursors are opaque to clients: a kind and an id, base64-encoded.
func encodeCursor(kind string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(id, 10)))
}

// decodeCursor reads a cursor of the kind; empty is the first page (0).
func decodeCursor(kind, cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, slackFail("invalid_cursor")
	}
	k, v, ok := strings.Cut(string(raw), ":")
	id, perr := strconv.ParseInt(v, 10, 64)
	if !ok || k != kind || perr != nil || id < 0 {
		return 0, slackFail("invalid_cursor")
	}
	return id, nil
}
