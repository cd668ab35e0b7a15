package main

import (
	"net/http"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// TestBots_EventsFollowHistoryScopes: a bot token sees the events of a
// channel in the event feed and on the WebSocket (live and replayed) only
// with the history scope of the channel's kind.
func TestBots_EventsFollowHistoryScopes(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	pub := admin.createChannel("pub", false)
	priv := admin.createChannel("priv", true)
	public, _ := admin.createBot("public-reader", channels.ScopeChannelsHistory)
	private, _ := admin.createBot("private-reader", channels.ScopeGroupsHistory)
	none, _ := admin.createBot("no-history", channels.ScopeChatWrite)
	for _, b := range []*client{public, private, none} {
		admin.addMember(pub.ID, b.User.ID)
		admin.addMember(priv.ID, b.User.ID)
	}
	ws := public.dialWS("", nil)
	ws.hello(public.User.ID)
	wsPriv := private.dialWS("", nil)
	wsPriv.hello(private.User.ID)

	secret := admin.post(priv.ID, "private news", 0)
	open := admin.post(pub.ID, "public news", 0)
	admin.mustJSON(http.StatusNoContent, "PUT", messagePath(secret.ID, "/reactions/eyes"), nil, nil)
	last := admin.post(pub.ID, "last", 0)

	leaks := func(frames []frame, channelID int64) []string {
		var out []string
		for _, f := range frames {
			if f.ChannelID != nil && *f.ChannelID == channelID {
				out = append(out, string(f.Raw))
			}
		}
		return out
	}
	t.Run("live WebSocket", func(t *testing.T) {
		frames := ws.logUntil(isMessage(last.ID))
		if l := leaks(frames, priv.ID); len(l) > 0 {
			t.Errorf("channels:history bot got private-channel frames: %v", l)
		}
		if !framesHave(frames, open.ID) {
			t.Errorf("channels:history bot missed the public message")
		}
		frames = wsPriv.logUntil(func(f frame) bool { return f.Type == channels.EventReactionAdded })
		if l := leaks(frames, pub.ID); len(l) > 0 {
			t.Errorf("groups:history bot got public-channel frames: %v", l)
		}
		if !framesHave(frames, secret.ID) {
			t.Errorf("groups:history bot missed the private message")
		}
	})
	t.Run("replayed WebSocket", func(t *testing.T) {
		w := public.dialWS("since=0", nil)
		w.hello(public.User.ID)
		frames := w.logUntil(isMessage(last.ID))
		if l := leaks(frames, priv.ID); len(l) > 0 {
			t.Errorf("replay gave private-channel frames: %v", l)
		}
		if !framesHave(frames, open.ID) {
			t.Errorf("replay missed the public message")
		}
	})
	t.Run("event feed", func(t *testing.T) {
		events := public.allEvents()
		for _, e := range events {
			if e.ChannelID != nil && *e.ChannelID == priv.ID {
				t.Errorf("feed gave a private-channel event: %s %s", e.Type, e.Data)
			}
		}
		if !hasEvent(events, channels.EventMessageCreated, pub.ID, nil) {
			t.Errorf("feed missed the public message")
		}
		events = private.allEvents()
		if !hasEvent(events, channels.EventMessageCreated, priv.ID, nil) || hasEvent(events, channels.EventMessageCreated, pub.ID, nil) {
			t.Errorf("groups:history feed = %+v", events)
		}
		// People are not limited.
		if !hasEvent(admin.allEvents(), channels.EventMessageCreated, priv.ID, nil) {
			t.Errorf("admin missed the private message")
		}
	})
	t.Run("no history scope", func(t *testing.T) {
		wantError(t, none.do("GET", "/api/v1/events?since=0", nil), http.StatusForbidden, "missing_scope")
		if _, res, err := none.tryDialWS("", nil); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("WebSocket without a history scope: err %v", err)
		}
	})
}

// framesHave reports whether a message.created frame for the message is among frames.
func framesHave(frames []frame, messageID int64) bool {
	for _, f := range frames {
		if f.Type == channels.EventMessageCreated && dataID(f) == messageID {
			return true
		}
	}
	return false
}
