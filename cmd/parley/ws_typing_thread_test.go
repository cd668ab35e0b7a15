package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels/realtime"
)

// TestWS_TypingInAThread: a typing frame with a thread_id is relayed with
// it, throttled apart from typing in the channel itself, and refused for a
// message that is not a thread root of that channel.
func TestWS_TypingInAThread(t *testing.T) {
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) {
		o.TypingThrottle = time.Minute // nothing is relayed twice in this test
	}))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("lobby", false)
	bob.join(ch.ID)
	other := ada.createChannel("other", false)
	root := ada.post(ch.ID, "the root", 0)
	reply := bob.post(ch.ID, "a reply", root.ID)
	elsewhere := ada.post(other.ID, "elsewhere", 0)
	ts.settle()

	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)
	adaWS := ada.dialWS("", nil)
	adaWS.hello(ada.User.ID)
	bobWS.until(isPresence(ada.User.ID, realtime.PresenceOnline))

	type typingFrame struct {
		ChannelID int64  `json:"channel_id"`
		UserID    int64  `json:"user_id"`
		ThreadID  *int64 `json:"thread_id"`
	}
	decode := func(f frame) typingFrame {
		var tf typingFrame
		if err := json.Unmarshal(f.Raw, &tf); err != nil {
			t.Fatalf("typing frame %s: %v", f.Raw, err)
		}
		return tf
	}

	// Typing in the thread, twice (the second is throttled), then in the
	// channel itself, which a thread's throttle does not hold back.
	inThread := map[string]any{"type": "typing", "channel_id": ch.ID, "thread_id": root.ID}
	adaWS.send(inThread)
	adaWS.send(inThread)
	adaWS.send(map[string]any{"type": "typing", "channel_id": ch.ID})
	adaWS.send(map[string]any{"type": "presence", "status": "away"})
	var got []typingFrame
	for _, f := range bobWS.until(isPresence(ada.User.ID, realtime.PresenceAway)) {
		if f.Type == "typing" {
			got = append(got, decode(f))
		}
	}
	if len(got) != 2 {
		t.Fatalf("bob got %d typing frames %+v, want one in the thread and one in the channel", len(got), got)
	}
	if got[0].ChannelID != ch.ID || got[0].UserID != ada.User.ID || got[0].ThreadID == nil || *got[0].ThreadID != root.ID {
		t.Errorf("first typing frame %+v, want ada in thread %d of channel %d", got[0], root.ID, ch.ID)
	}
	if got[1].ChannelID != ch.ID || got[1].UserID != ada.User.ID || got[1].ThreadID != nil {
		t.Errorf("second typing frame %+v, want ada in channel %d with no thread", got[1], ch.ID)
	}

	// A reply is not a thread root, nor is a message of another channel,
	// nor one that does not exist: each is an error and nothing is relayed.
	for _, id := range []int64{reply.ID, elsewhere.ID, 999999} {
		adaWS.send(map[string]any{"type": "typing", "channel_id": ch.ID, "thread_id": id})
		if f := last(adaWS.until(isType("error"))); f.Code != "thread_not_found" {
			t.Errorf("typing in thread %d: %s, want thread_not_found", id, f.Raw)
		}
	}
	adaWS.send(map[string]any{"type": "presence", "status": "active"})
	none(t, "bob", bobWS.until(isPresence(ada.User.ID, realtime.PresenceOnline)), isType("typing"))
}
