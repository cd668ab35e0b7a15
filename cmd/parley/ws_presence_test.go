package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// Presence, typing and do-not-disturb: ephemeral frames, never in the log.

// presenceOf reads GET /users/{id}/presence and checks that the user object
// agrees.
func (c *client) presenceOf(userID int64) realtime.Presence {
	c.ts.t.Helper()
	var p realtime.Presence
	c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d/presence", userID), nil, &p)
	var u channels.User
	c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", userID), nil, &u)
	if p.UserID != userID || u.Presence != p.Status {
		c.ts.t.Fatalf("presence of %d = %+v but the user object says %q", userID, p, u.Presence)
	}
	return p
}

func wantStatus(t *testing.T, c *client, userID int64, status string) realtime.Presence {
	t.Helper()
	p := c.presenceOf(userID)
	if p.Status != status {
		t.Fatalf("presence of %d = %+v, want %s", userID, p, status)
	}
	return p
}

// presenceData decodes a presence.changed frame.
func presenceData(t *testing.T, f frame) realtime.Presence {
	t.Helper()
	var p realtime.Presence
	if err := json.Unmarshal(f.Data, &p); err != nil {
		t.Fatalf("presence.changed data %s: %v", f.Data, err)
	}
	return p
}

// last returns the last frame.
func last(frames []frame) frame { return frames[len(frames)-1] }

// none fails when a frame of frames matches bad.
func none(t *testing.T, who string, frames []frame, bad func(frame) bool) {
	t.Helper()
	for _, f := range frames {
		if bad(f) {
			t.Errorf("%s received %s", who, f.Raw)
		}
	}
}

func presenceFrom(userID int64) func(frame) bool {
	return func(f frame) bool { return f.Type == "presence.changed" && f.UserID == userID }
}

func isType(typ string) func(frame) bool { return func(f frame) bool { return f.Type == typ } }

func TestWS_PresenceOnlineAwayOffline(t *testing.T) {
	const offlineAfter = 200 * time.Millisecond
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) { o.OfflineAfter = offlineAfter }))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	ada.mustJSON(http.StatusOK, "PATCH", "/api/v1/users/me", map[string]any{"status_text": "on a call", "status_emoji": "phone"}, nil)
	ts.settle()

	if p := wantStatus(t, bob, ada.User.ID, realtime.PresenceOffline); p.LastActiveAt != nil {
		t.Errorf("never connected, but last_active_at = %d", *p.LastActiveAt)
	}
	watch := bob.dialWS("", nil)
	watch.hello(bob.User.ID)

	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)
	p := presenceData(t, last(watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))))
	if p.UserID != ada.User.ID || p.StatusText != "on a call" || p.StatusEmoji != "phone" || p.DND || p.LastActiveAt == nil {
		t.Errorf("presence.changed = %+v, want ada online with her status text and emoji", p)
	}
	wantStatus(t, bob, ada.User.ID, realtime.PresenceOnline)

	ws.send(map[string]any{"type": "presence", "status": "away"})
	watch.until(isPresence(ada.User.ID, realtime.PresenceAway))
	wantStatus(t, bob, ada.User.ID, realtime.PresenceAway)
	ws.send(map[string]any{"type": "presence", "status": "active"})
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))
	wantStatus(t, ada, ada.User.ID, realtime.PresenceOnline)

	closed := time.Now()
	ws.conn.Close()
	watch.until(isPresence(ada.User.ID, realtime.PresenceOffline))
	if waited := time.Since(closed); waited < offlineAfter {
		t.Errorf("offline %v after the last connection closed, want at least %v", waited, offlineAfter)
	}
	if p := wantStatus(t, bob, ada.User.ID, realtime.PresenceOffline); p.LastActiveAt == nil {
		t.Error("last_active_at is not kept after going offline")
	}

	// The user list carries presence too.
	var list struct {
		Items []channels.User `json:"items"`
	}
	bob.mustJSON(http.StatusOK, "GET", "/api/v1/users", nil, &list)
	want := map[int64]string{ada.User.ID: realtime.PresenceOffline, bob.User.ID: realtime.PresenceOnline}
	for _, u := range list.Items {
		if w, ok := want[u.ID]; ok && u.Presence != w {
			t.Errorf("GET /users: %s is %q, want %q", u.Username, u.Presence, w)
		}
		delete(want, u.ID)
	}
	if len(want) != 0 {
		t.Errorf("GET /users lacks %v", want)
	}
}

func TestWS_PresenceIdleGoesAway(t *testing.T) {
	const awayAfter = 300 * time.Millisecond
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) { o.AwayAfter = awayAfter }))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	ts.settle()
	watch := bob.dialWS("", nil)
	watch.hello(bob.User.ID)

	start := time.Now()
	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))
	watch.until(isPresence(ada.User.ID, realtime.PresenceAway))
	if idle := time.Since(start); idle < awayAfter {
		t.Errorf("away after %v idle, want at least %v", idle, awayAfter)
	}
	wantStatus(t, bob, ada.User.ID, realtime.PresenceAway)

	// Posting is activity; so is any frame.
	ada.post(lobby.ID, "back", 0)
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))
	watch.until(isPresence(ada.User.ID, realtime.PresenceAway))
	ws.send(map[string]any{"type": "ping"})
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))
}

// TestWS_PresenceNoFlickerOnQuickReconnect: a connection replaced within
// OfflineAfter never shows the user offline. Cyd, who leaves for good right
// after ada's first connection closed, is the clock: once bob sees cyd go
// offline, ada's pending switch to offline is due too.
func TestWS_PresenceNoFlickerOnQuickReconnect(t *testing.T) {
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) { o.OfflineAfter = 300 * time.Millisecond }),
		func(c *Config) { c.MaxWSPerUser = 1 })
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	cyd := ts.signup("cyd")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	cyd.join(lobby.ID)
	ts.settle()
	watch := bob.dialWS("", nil)
	watch.hello(bob.User.ID)

	first := ada.dialWS("", nil)
	first.hello(ada.User.ID)
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))
	cydWS := cyd.dialWS("", nil)
	cydWS.hello(cyd.User.ID)
	watch.until(isPresence(cyd.User.ID, realtime.PresenceOnline))

	// With one connection allowed, the second is accepted only once the
	// server has handled the first one's end.
	first.conn.Close()
	var second *wsClient
	eventually(t, "ada may connect again", func() bool {
		ws, res, err := ada.tryDialWS("", nil)
		if err != nil {
			if res == nil || res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("reconnect: %v", err)
			}
			return false
		}
		second = ws
		return true
	})
	second.hello(ada.User.ID)
	cydWS.conn.Close()

	seen := watch.until(isPresence(cyd.User.ID, realtime.PresenceOffline))
	none(t, "bob, while ada reconnected", seen, presenceFrom(ada.User.ID))
	wantStatus(t, bob, ada.User.ID, realtime.PresenceOnline)

	second.conn.Close()
	watch.until(isPresence(ada.User.ID, realtime.PresenceOffline))
}

// TestWS_PresenceReachesSharersOnly: presence.changed goes to those who
// share a channel with the user.
func TestWS_PresenceReachesSharersOnly(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	eve := ts.signup("eve")
	ab := ada.createChannel("ada-bob", true)
	ada.addMember(ab.ID, bob.User.ID)
	be := bob.createChannel("bob-eve", true)
	bob.addMember(be.ID, eve.User.ID)
	ts.settle()

	eveWS := eve.dialWS("", nil)
	eveWS.hello(eve.User.ID)
	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)
	eveWS.until(isPresence(bob.User.ID, realtime.PresenceOnline))

	adaWS := ada.dialWS("", nil)
	adaWS.hello(ada.User.ID)
	adaWS.until(isPresence(ada.User.ID, realtime.PresenceOnline)) // one's own devices too
	bobWS.until(isPresence(ada.User.ID, realtime.PresenceOnline))
	adaWS.send(map[string]any{"type": "presence", "status": "away"})
	bobWS.until(isPresence(ada.User.ID, realtime.PresenceAway))

	// Bob's change reaches eve after ada's would have.
	bobWS.send(map[string]any{"type": "presence", "status": "away"})
	seen := eveWS.until(isPresence(bob.User.ID, realtime.PresenceAway))
	none(t, "eve, who shares no channel with ada", seen, presenceFrom(ada.User.ID))
	// But anyone may ask.
	wantStatus(t, eve, ada.User.ID, realtime.PresenceAway)
}

func TestWS_DoNotDisturb(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	ts.settle()
	watch := bob.dialWS("", nil)
	watch.hello(bob.User.ID)
	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))

	var p realtime.Presence
	ada.mustJSON(http.StatusOK, "PUT", "/api/v1/users/me/dnd", map[string]any{}, &p)
	if p.Status != realtime.PresenceDND || !p.DND || p.DNDUntil != nil {
		t.Errorf("PUT /dnd without an end = %+v, want dnd without dnd_until", p)
	}
	got := presenceData(t, last(watch.until(isPresence(ada.User.ID, realtime.PresenceDND))))
	if !got.DND || got.DNDUntil != nil {
		t.Errorf("presence.changed = %+v, want dnd without end", got)
	}
	wantStatus(t, bob, ada.User.ID, realtime.PresenceDND)
	// DND wins over away.
	ws.send(map[string]any{"type": "presence", "status": "away"})
	ws.ping()
	wantStatus(t, bob, ada.User.ID, realtime.PresenceDND)

	ada.mustJSON(http.StatusNoContent, "DELETE", "/api/v1/users/me/dnd", nil, nil)
	watch.until(isPresence(ada.User.ID, realtime.PresenceAway))
	ws.send(map[string]any{"type": "presence", "status": "active"})
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))

	before := time.Now()
	ada.mustJSON(http.StatusOK, "PUT", "/api/v1/users/me/dnd", map[string]any{"minutes": 30}, &p)
	if p.Status != realtime.PresenceDND || p.DNDUntil == nil ||
		*p.DNDUntil < before.Add(30*time.Minute).UnixMilli() || *p.DNDUntil > time.Now().Add(30*time.Minute).UnixMilli() {
		t.Errorf("PUT /dnd for 30 minutes = %+v", p)
	}
	got = presenceData(t, last(watch.until(isPresence(ada.User.ID, realtime.PresenceDND))))
	if got.DNDUntil == nil || *got.DNDUntil != *p.DNDUntil {
		t.Errorf("presence.changed = %+v, want dnd_until %d", got, *p.DNDUntil)
	}
	ada.mustJSON(http.StatusNoContent, "DELETE", "/api/v1/users/me/dnd", nil, nil)
	watch.until(isPresence(ada.User.ID, realtime.PresenceOnline))

	wantError(t, ada.do("PUT", "/api/v1/users/me/dnd", map[string]any{"minutes": 5, "until": time.Now().Add(time.Hour).UnixMilli()}), http.StatusBadRequest, "invalid_dnd")
	wantError(t, ada.do("PUT", "/api/v1/users/me/dnd", map[string]any{"minutes": 0}), http.StatusBadRequest, "invalid_minutes")
	wantError(t, ada.do("PUT", "/api/v1/users/me/dnd", map[string]any{"until": time.Now().Add(-time.Minute).UnixMilli()}), http.StatusBadRequest, "invalid_until")
}

// TestWS_DoNotDisturbEnds: a DND with an end time turns itself off.
func TestWS_DoNotDisturbEnds(t *testing.T) {
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) { o.AwayAfter = 400 * time.Millisecond }))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	ts.settle()
	watch := bob.dialWS("", nil)
	watch.hello(bob.User.ID)
	ws := ada.dialWS("", nil)
	ws.hello(ada.User.ID)

	until := time.Now().Add(300 * time.Millisecond).UnixMilli()
	ada.mustJSON(http.StatusOK, "PUT", "/api/v1/users/me/dnd", map[string]any{"until": until}, nil)
	watch.until(isPresence(ada.User.ID, realtime.PresenceDND))
	f := last(watch.until(func(f frame) bool { return presenceFrom(ada.User.ID)(f) && !presenceData(t, f).DND }))
	if now := time.Now().UnixMilli(); now < until {
		t.Errorf("DND ended at %d, before its end %d", now, until)
	}
	if p := presenceData(t, f); p.Status == realtime.PresenceDND {
		t.Errorf("after DND: %+v", p)
	}
}

// TestWS_Typing: relayed to the channel's other members only, at most once
// per user and channel per TypingThrottle; refused for a channel one is
// not in.
func TestWS_Typing(t *testing.T) {
	const throttle = 300 * time.Millisecond
	ts := newTestServer(t, withHub(func(o *realtime.HubOptions) {
		o.TypingThrottle = throttle
		o.TypingTTL = time.Second
	}))
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	eve := ts.signup("eve")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	eve.join(lobby.ID)
	ch1 := ada.createChannel("one", true)
	ada.addMember(ch1.ID, bob.User.ID)
	ch2 := ada.createChannel("two", true)
	ada.addMember(ch2.ID, bob.User.ID)
	evesOwn := eve.createChannel("eves-own", true)
	ts.settle()

	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)
	eveWS := eve.dialWS("", nil)
	eveWS.hello(eve.User.ID)
	laptop := ada.dialWS("", nil)
	laptop.hello(ada.User.ID)
	phone := ada.dialWS("", nil)
	phone.hello(ada.User.ID)
	bobWS.until(isPresence(ada.User.ID, realtime.PresenceOnline))

	typingIn := func(ch int64) map[string]any { return map[string]any{"type": "typing", "channel_id": ch} }
	isTyping := func(ch, user int64) func(frame) bool {
		return func(f frame) bool {
			return f.Type == "typing" && f.ChannelID != nil && *f.ChannelID == ch && f.UserID == user
		}
	}

	start := time.Now()
	laptop.send(typingIn(ch1.ID))
	f := last(bobWS.until(isType("typing")))
	if !isTyping(ch1.ID, ada.User.ID)(f) || f.Seq != 0 {
		t.Fatalf("bob got %s, want ada typing in %d", f.Raw, ch1.ID)
	}
	var ttl struct {
		ExpiresInMS int64 `json:"expires_in_ms"`
	}
	if err := json.Unmarshal(f.Raw, &ttl); err != nil || ttl.ExpiresInMS != 1000 {
		t.Errorf("typing frame %s: want expires_in_ms 1000", f.Raw)
	}

	// Within the throttle: more typing in ch1 is dropped, ch2 is not. The
	// presence change ada sends last is the marker.
	for range 3 {
		laptop.send(typingIn(ch1.ID))
	}
	laptop.send(typingIn(ch2.ID))
	laptop.send(map[string]any{"type": "presence", "status": "away"})
	marker := isPresence(ada.User.ID, realtime.PresenceAway)
	seen := bobWS.until(marker)
	var typing []frame
	for _, f := range seen {
		if f.Type == "typing" {
			typing = append(typing, f)
		}
	}
	if len(typing) != 1 || !isTyping(ch2.ID, ada.User.ID)(typing[0]) {
		t.Errorf("within the throttle bob got %d typing frames %v, want one for channel %d", len(typing), typing, ch2.ID)
	}
	none(t, "eve (not in the channels)", eveWS.until(marker), isType("typing"))
	none(t, "ada's other device", phone.until(marker), isType("typing"))

	// After the throttle, relayed again. Each round ends with a presence
	// change as the marker.
	status := "active"
	for relayed := false; !relayed; {
		if time.Since(start) > wsWait {
			t.Fatal("typing was never relayed again")
		}
		laptop.send(typingIn(ch1.ID))
		laptop.send(map[string]any{"type": "presence", "status": status})
		want := map[string]string{"active": realtime.PresenceOnline, "away": realtime.PresenceAway}[status]
		for _, f := range bobWS.until(isPresence(ada.User.ID, want)) {
			// Both relays happened between start and now.
			if isTyping(ch1.ID, ada.User.ID)(f) {
				relayed = true
				if since := time.Since(start); since < throttle {
					t.Errorf("typing relayed again %v after the first, within the throttle of %v", since, throttle)
				}
			}
		}
		status = map[string]string{"active": "away", "away": "active"}[status]
	}

	// Bob's typing reaches both of ada's devices.
	bobWS.send(typingIn(ch1.ID))
	laptop.until(isTyping(ch1.ID, bob.User.ID))
	phone.until(isTyping(ch1.ID, bob.User.ID))

	// Typing where one is not a member is an error; the connection stays.
	laptop.send(typingIn(evesOwn.ID))
	if f := last(laptop.until(isType("error"))); f.Code != "channel_not_found" {
		t.Errorf("typing in a channel ada is not in: %s", f.Raw)
	}
	laptop.send(typingIn(999999))
	if f := last(laptop.until(isType("error"))); f.Code != "channel_not_found" {
		t.Errorf("typing in no channel: %s", f.Raw)
	}
	laptop.ping()
	// Nor is it relayed to that channel (eve's pong comes after it would).
	eveWS.send(map[string]any{"type": "ping"})
	none(t, "eve", eveWS.until(isType("pong")), isType("typing"))
}
