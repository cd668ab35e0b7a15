package bots

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/channels/slackwire"
)

// Slack IDs, team and ts are slackwire's; what only the Web API reads is
// here: latest/oldest bounds and its opaque cursors.

// tsBound is a latest/oldest argument: a moment in Unix milliseconds, and
// the message its ts would name (checked against the channel by the
// caller, since a client may also send a plain time).
type tsBound struct {
	set    bool
	ref    slackwire.TSRef
	named  bool // ref names a message (the fraction reads as one)
	millis int64
}

// parseBound reads latest or oldest: empty (no bound) or a ts, whose
// fraction's first three digits are the milliseconds.
func parseBound(s string) (tsBound, bool) {
	if s == "" {
		return tsBound{}, true
	}
	secs, frac, ok := slackwire.SplitTS(s)
	if !ok {
		return tsBound{}, false
	}
	ms, _ := strconv.ParseInt((frac + "000")[:3], 10, 64)
	b := tsBound{set: true, millis: secs*1000 + ms}
	b.ref, b.named = slackwire.ParseTS(s)
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
