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

// parseTS returns the message id of a ts ("1700000000.000042" → 42).
func parseTS(ts string) (int64, bool) {
	secs, frac, ok := strings.Cut(ts, ".")
	if !ok || secs == "" || frac == "" {
		return 0, false
	}
	if _, err := strconv.ParseUint(secs, 10, 64); err != nil {
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

func parseBound(s string) (tsBound, bool) {
	if s == "" {
		return tsBound{}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return tsBound{}, false
	}
	b := tsBound{set: true, millis: int64(f * 1000)}
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
