// Package slackwire is Slack's wire format for Parley's workspace, written
// once for every surface that speaks it (the Slack-compatible Web API,
// slash commands, outgoing webhooks, the Events API): the workspace's team,
// Slack IDs, channel types, and message timestamps (ts).
package slackwire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// The one workspace a Parley server is, in Slack's terms.
const (
	TeamID   = "T1"
	TeamName = "Parley"
	// TeamDomain is the team's domain as slash commands and outgoing
	// webhooks send it.
	TeamDomain = "parley"
)

// Slack IDs are Parley ids with a letter in front: U users, B bots, C
// channels, D DMs, G group DMs, F files.

// UserID is a user's Slack ID.
func UserID(id int64) string { return "U" + strconv.FormatInt(id, 10) }

// BotID is a bot's Slack bot ID (its user's id behind a B).
func BotID(id int64) string { return "B" + strconv.FormatInt(id, 10) }

// FileID is a file's Slack ID.
func FileID(id int64) string { return "F" + strconv.FormatInt(id, 10) }

// ChannelID is a channel's Slack ID by its kind.
func ChannelID(c *channels.Channel) string {
	prefix := "C"
	switch c.Kind {
	case channels.ChannelDM:
		prefix = "D"
	case channels.ChannelGroupDM:
		prefix = "G"
	}
	return prefix + strconv.FormatInt(c.ID, 10)
}

// ChannelType is a channel's type as Slack's events name it: channel
// (public), group (private), im (DM) or mpim (group DM).
func ChannelType(c *channels.Channel) string {
	switch c.Kind {
	case channels.ChannelPrivate:
		return "group"
	case channels.ChannelDM:
		return "im"
	case channels.ChannelGroupDM:
		return "mpim"
	}
	return "channel"
}

// ParseID reads a Slack ID whose first letter is one of prefixes.
func ParseID(s, prefixes string) (int64, bool) {
	if len(s) < 2 || !strings.ContainsRune(prefixes, rune(s[0])) {
		return 0, false
	}
	id, err := strconv.ParseInt(s[1:], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// TSModulus is what a message's ts keeps of its id: the id modulo a
// million, as the six digits of the fraction that Slack's ts always has.
const TSModulus = 1_000_000

// MessageTS is a message's Slack ts: the second it was posted, then its id
// modulo a million as the six-digit fraction. It never changes, and the
// second with the fraction names one message of its channel (two messages
// of a channel would need ids a million apart posted in one second).
func MessageTS(m *channels.Message) string {
	return FormatTS(m.CreatedAt/1000, m.ID%TSModulus)
}

// FormatTS writes SECONDS.FRACTION with a six-digit fraction.
func FormatTS(secs, frac int64) string { return fmt.Sprintf("%d.%06d", secs, frac) }

// MillisTS is a ts for a moment rather than a message (edits, ephemeral
// messages): seconds and microseconds.
func MillisTS(ms int64) string { return FormatTS(ms/1000, ms%1000*1000) }

// MaxTSSeconds bounds the seconds of a ts: the last second of year 9999,
// beyond any message, and small enough that its milliseconds fit an int64.
const MaxTSSeconds = 253402300799

// SplitTS reads a ts, SECONDS[.FRACTION] in ASCII digits (no sign,
// exponent, NaN or infinity), with SECONDS at most MaxTSSeconds. frac is
// the digits after the dot ("" without one).
func SplitTS(ts string) (secs int64, frac string, ok bool) {
	whole, frac, _ := strings.Cut(ts, ".")
	if !isDigits(whole) || frac != "" && !isDigits(frac) {
		return 0, "", false
	}
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || secs > MaxTSSeconds {
		return 0, "", false
	}
	return secs, frac, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// A TSRef is what a message's ts says of it: the second it was posted and
// its id modulo TSModulus, or (a ts written before ids passed a million
// kept seven or more digits) its id exactly.
type TSRef struct {
	Second int64
	ID     int64
	Exact  bool
}

// ParseTS reads a message's ts ("1700000000.000042": second 1700000000, id
// 42 modulo a million).
func ParseTS(ts string) (TSRef, bool) {
	secs, frac, ok := SplitTS(ts)
	if !ok || frac == "" {
		return TSRef{}, false
	}
	id, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return TSRef{}, false
	}
	ref := TSRef{Second: secs, ID: id, Exact: len(frac) > 6}
	if ref.Exact && id <= 0 || !ref.Exact && id >= TSModulus {
		return TSRef{}, false
	}
	return ref, true
}

// Modulus is what the ref's id is taken modulo: TSModulus, or 0 when it is
// exact.
func (r TSRef) Modulus() int64 {
	if r.Exact {
		return 0
	}
	return TSModulus
}

// Names reports whether the ref names m: posted in its second, with its id.
func (r TSRef) Names(m *channels.Message) bool {
	if m.CreatedAt/1000 != r.Second {
		return false
	}
	if r.Exact {
		return m.ID == r.ID
	}
	return m.ID%TSModulus == r.ID
}
