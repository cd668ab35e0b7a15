package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// Delivery: every visible event of the log, to members only, in order;
// membership changes take effect at the event that makes them.

// wantLog is the expected event-log frame: its type, channel and, for
// message frames, the message.
type wantLog struct {
	typ     string
	channel int64
	message int64
}

func (w wantLog) String() string {
	return fmt.Sprintf("%s in %d (message %d)", w.typ, w.channel, w.message)
}

// checkLog requires the log frames to be exactly want, with rising seqs.
func checkLog(t *testing.T, who string, got []frame, want []wantLog) {
	t.Helper()
	var prev int64
	for i, f := range got {
		if f.Seq <= prev {
			t.Errorf("%s: frame %d has seq %d after %d", who, i, f.Seq, prev)
		}
		prev = f.Seq
	}
	match := len(got) == len(want)
	for i := 0; match && i < len(got); i++ {
		f, w := got[i], want[i]
		match = f.Type == w.typ && f.ChannelID != nil && *f.ChannelID == w.channel &&
			(w.message == 0 || dataID(f) == w.message)
	}
	if !match {
		var b strings.Builder
		for _, f := range got {
			fmt.Fprintf(&b, "  %.300s\n", f.Raw)
		}
		t.Fatalf("%s received %d log frames:\n%swant %d: %v", who, len(got), b.String(), len(want), want)
	}
}

// openDM opens (or finds) the conversation of c with the users.
func (c *client) openDM(userIDs ...int64) channels.Channel {
	c.ts.t.Helper()
	res := c.do("POST", "/api/v1/dms", map[string]any{"user_ids": userIDs})
	if res.Status != http.StatusCreated && res.Status != http.StatusOK {
		c.ts.t.Fatalf("open DM: %d %s", res.Status, res.Body)
	}
	var ch channels.Channel
	if err := json.Unmarshal(res.Body, &ch); err != nil {
		c.ts.t.Fatal(err)
	}
	return ch
}

func (c *client) markRead(channelID, messageID int64) {
	c.ts.t.Helper()
	c.mustJSON(http.StatusNoContent, "POST", channelPath(channelID, "/read"), map[string]any{"message_id": messageID}, nil)
}

func TestWS_HelloComesFirstWithTheHead(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	for i := range 3 {
		ada.post(ch.ID, fmt.Sprintf("before %d", i), 0)
	}
	// Once a listener has seen the newest message, the hub has fanned it
	// out: a new connection's hello names it as the head.
	first := ada.dialWS("", nil)
	first.hello(ada.User.ID)
	m := ada.post(ch.ID, "newest", 0)
	newest := first.logUntil(isMessage(m.ID))
	head := newest[len(newest)-1].Seq

	var page struct {
		Items []channels.Event `json:"items"`
	}
	ada.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/events?since=%d", head), nil, &page)
	if len(page.Items) != 0 {
		t.Fatalf("the log has events after %d: %+v", head, page.Items)
	}
	second := ada.dialWS("", nil)
	if hello := second.hello(ada.User.ID); hello.Seq != head {
		t.Errorf("hello seq = %d, want the head %d", hello.Seq, head)
	}
	// And it is live from there.
	m2 := ada.post(ch.ID, "after hello", 0)
	got := second.logUntil(isMessage(m2.ID))
	checkLog(t, "second", got, []wantLog{{"message.created", ch.ID, m2.ID}})
	if got[0].Seq != head+1 {
		t.Errorf("first live seq = %d, want %d", got[0].Seq, head+1)
	}
}

// TestWS_PrivateAndDMEventsReachMembersOnly: a member sees everything of a
// private channel and a DM, in log order; an outsider connected at the same
// time sees none of it before a marker both should see.
func TestWS_PrivateAndDMEventsReachMembersOnly(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	eve := ts.signup("eve")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	eve.join(lobby.ID)

	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)
	eveWS := eve.dialWS("", nil)
	eveWS.hello(eve.User.ID)
	setup := ts.logHead()

	priv := ada.createChannel("plans", true)
	ada.addMember(priv.ID, bob.User.ID)
	dm := ada.openDM(bob.User.ID)
	group := ada.openDM(bob.User.ID, ts.signup("cyd").User.ID)
	p1 := ada.post(priv.ID, "private plans", 0)
	d1 := ada.post(dm.ID, "just between us", 0)
	g1 := bob.post(group.ID, "the three of us", 0)
	ada.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/messages/%d", p1.ID), map[string]any{"text": "edited plans"}, nil)
	bob.mustJSON(http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", d1.ID), nil, nil)
	ada.markRead(dm.ID, d1.ID)
	ada.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/messages/%d", p1.ID), nil, nil)
	marker := ada.post(lobby.ID, "marker", 0)

	checkLog(t, "bob (member)", after(setup, bobWS.logUntil(isMessage(marker.ID))), []wantLog{
		{"member.joined", priv.ID, 0},
		{"channel.created", dm.ID, 0},
		{"channel.created", group.ID, 0},
		{"message.created", priv.ID, p1.ID},
		{"message.created", dm.ID, d1.ID},
		{"message.created", group.ID, g1.ID},
		{"message.updated", priv.ID, 0},
		{"reaction.added", dm.ID, 0},
		{"read.updated", dm.ID, 0},
		{"message.deleted", priv.ID, 0},
		{"message.created", lobby.ID, marker.ID},
	})
	checkLog(t, "eve (outsider)", after(setup, eveWS.logUntil(isMessage(marker.ID))), []wantLog{
		{"message.created", lobby.ID, marker.ID},
	})

	// A resume from before it all replays the same, to each.
	bobAgain := bob.dialWS("since=0", nil)
	bobAgain.hello(bob.User.ID)
	replayed := bobAgain.logUntil(isMessage(marker.ID))
	for _, f := range replayed {
		if f.ChannelID != nil && *f.ChannelID != lobby.ID && *f.ChannelID != priv.ID && *f.ChannelID != dm.ID && *f.ChannelID != group.ID {
			t.Errorf("bob's replay has an event of channel %d: %s", *f.ChannelID, f.Raw)
		}
	}
	eveAgain := eve.dialWS("since=0", nil)
	eveAgain.hello(eve.User.ID)
	for _, f := range eveAgain.logUntil(isMessage(marker.ID)) {
		if f.ChannelID != nil && *f.ChannelID != lobby.ID {
			t.Errorf("eve's replay has an event of channel %d: %s", *f.ChannelID, f.Raw)
		}
	}
}

// TestWS_MembershipChangesApplyAtOnce: added to a private channel, a user
// sees its next event; removed, the removal is the last thing they see of
// it. The same for joining and leaving a public channel.
func TestWS_MembershipChangesApplyAtOnce(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	priv := ada.createChannel("plans", true)
	pub := ada.createChannel("random", false)

	ws := bob.dialWS("", nil)
	ws.hello(bob.User.ID)
	setup := ts.logHead()

	ada.post(priv.ID, "before bob", 0)
	ada.post(pub.ID, "before bob joined", 0)
	ada.addMember(priv.ID, bob.User.ID)
	during := ada.post(priv.ID, "with bob", 0)
	bob.join(pub.ID)
	duringPub := ada.post(pub.ID, "bob is here", 0)
	ada.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/channels/%d/members/%d", priv.ID, bob.User.ID), nil, nil)
	ada.post(priv.ID, "bob is gone", 0)
	bob.mustJSON(http.StatusNoContent, "POST", channelPath(pub.ID, "/leave"), nil, nil)
	ada.post(pub.ID, "bob left", 0)
	ada.mustJSON(http.StatusOK, "PATCH", channelPath(priv.ID, ""), map[string]any{"topic": "secret topic"}, nil)
	marker := ada.post(lobby.ID, "marker", 0)

	checkLog(t, "bob", after(setup, ws.logUntil(isMessage(marker.ID))), []wantLog{
		{"member.joined", priv.ID, 0},
		{"message.created", priv.ID, during.ID},
		{"member.joined", pub.ID, 0},
		{"message.created", pub.ID, duringPub.ID},
		{"member.left", priv.ID, 0},
		{"member.left", pub.ID, 0},
		{"message.created", lobby.ID, marker.ID},
	})
}

// TestWS_ReadReceipts: in a DM the other member and the reader's other
// devices learn how far the reader has read; in a channel only the
// reader's devices do.
func TestWS_ReadReceipts(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	lobby := ada.createChannel("lobby", false)
	bob.join(lobby.ID)
	dm := ada.openDM(bob.User.ID)
	m := bob.post(dm.ID, "did you see this?", 0)
	pm := bob.post(lobby.ID, "public news", 0)

	phone := ada.dialWS("", nil)
	phone.hello(ada.User.ID)
	laptop := ada.dialWS("", nil)
	laptop.hello(ada.User.ID)
	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)
	setup := ts.logHead()

	ada.markRead(dm.ID, m.ID)
	ada.markRead(lobby.ID, pm.ID)
	marker := ada.post(lobby.ID, "marker", 0)

	type receipt struct {
		ChannelID  int64 `json:"channel_id"`
		UserID     int64 `json:"user_id"`
		LastReadID int64 `json:"last_read_id"`
	}
	checkReceipt := func(who string, f frame, want receipt) {
		t.Helper()
		var got receipt
		if err := json.Unmarshal(f.Data, &got); err != nil || got != want {
			t.Errorf("%s: read.updated data = %s, want %+v", who, f.Data, want)
		}
	}
	for _, dev := range []struct {
		name string
		ws   *wsClient
	}{{"ada's phone", phone}, {"ada's laptop", laptop}} {
		got := after(setup, dev.ws.logUntil(isMessage(marker.ID)))
		checkLog(t, dev.name, got, []wantLog{
			{"read.updated", dm.ID, 0},
			{"read.updated", lobby.ID, 0},
			{"message.created", lobby.ID, marker.ID},
		})
		checkReceipt(dev.name, got[0], receipt{dm.ID, ada.User.ID, m.ID})
		checkReceipt(dev.name, got[1], receipt{lobby.ID, ada.User.ID, pm.ID})
	}
	got := after(setup, bobWS.logUntil(isMessage(marker.ID)))
	checkLog(t, "bob", got, []wantLog{
		{"read.updated", dm.ID, 0},
		{"message.created", lobby.ID, marker.ID},
	})
	checkReceipt("bob", got[0], receipt{dm.ID, ada.User.ID, m.ID})
}
