package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// TestEvents_FromTheMomentOfJoining: a member added to a channel reads its
// log from the moment they joined, over REST and WebSocket replay; an edit
// removes the earlier text from the log for everyone.
func TestEvents_FromTheMomentOfJoining(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	carl := ts.signup("carl")
	for _, private := range []bool{true, false} {
		name := map[bool]string{true: "private", false: "public"}[private]
		t.Run(name, func(t *testing.T) {
			ch := ana.createChannel("plans-"+name, private)
			ana.post(ch.ID, "before-join-secret-"+name, 0)
			draft := ana.post(ch.ID, "original-draft-"+name, 0)
			ana.mustJSON(http.StatusOK, "PATCH", messagePath(draft.ID, ""), map[string]any{"text": "final-wording-" + name}, nil)
			if private {
				ana.addMember(ch.ID, bob.User.ID)
			} else {
				bob.join(ch.ID)
			}
			after := ana.post(ch.ID, "after-join-news-"+name, 0)

			var rest strings.Builder
			for _, e := range bob.allEvents() {
				fmt.Fprintf(&rest, "%s %s\n", e.Type, e.Data)
			}
			ws := bob.dialWS("since=0", nil).resuming("since=0")
			ws.hello(bob.User.ID)
			var replay strings.Builder
			for _, f := range ws.logUntil(isMessage(after.ID)) {
				fmt.Fprintf(&replay, "%s\n", f.Raw)
			}
			for path, got := range map[string]string{"GET /api/v1/events": rest.String(), "WebSocket since=0": replay.String()} {
				for _, s := range []string{"before-join-secret-" + name, "original-draft-" + name, "final-wording-" + name} {
					if strings.Contains(got, s) {
						t.Errorf("%s shows bob %q from before he joined", path, s)
					}
				}
				if !strings.Contains(got, "after-join-news-"+name) {
					t.Errorf("%s misses what was posted after bob joined", path)
				}
			}
			if !hasEvent(bob.allEvents(), channels.EventMemberJoined, ch.ID, aboutUser(bob.User.ID)) {
				t.Error("bob misses his own member.joined")
			}

			// The author, a member all along, reads the message as it is now.
			var own strings.Builder
			for _, e := range ana.allEvents() {
				fmt.Fprintf(&own, "%s\n", e.Data)
			}
			if strings.Contains(own.String(), "original-draft-"+name) || !strings.Contains(own.String(), "final-wording-"+name) {
				t.Errorf("the log keeps the text an edit replaced")
			}
			// Someone who never joined sees none of a private channel.
			if private {
				for _, e := range carl.allEvents() {
					if e.ChannelID != nil && *e.ChannelID == ch.ID {
						t.Errorf("carl sees %s of a private channel", e.Type)
					}
				}
			}
		})
	}
}
