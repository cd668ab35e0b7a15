package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// events reads the caller's events after since.
func (c *client) events(since int64, limit int) channels.List[channels.Event] {
	c.ts.t.Helper()
	var list channels.List[channels.Event]
	c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/events?since=%d&limit=%d", since, limit), nil, &list)
	return list
}

// allEvents reads every event the caller may see, page by page.
func (c *client) allEvents() []channels.Event {
	c.ts.t.Helper()
	var out []channels.Event
	var since int64
	for range 1000 {
		page := c.events(since, 1000)
		if len(page.Items) == 0 {
			return out
		}
		out = append(out, page.Items...)
		since = page.Items[len(page.Items)-1].Seq
	}
	c.ts.t.Fatal("the event log does not end")
	return nil
}

// membershipData is the payload of member.joined and member.left.
type membershipData struct {
	ChannelID int64 `json:"channel_id"`
	UserID    int64 `json:"user_id"`
}

func hasEvent(events []channels.Event, typ string, channelID int64, match func(data json.RawMessage) bool) bool {
	for _, e := range events {
		if e.Type == typ && (channelID == 0 || e.ChannelID != nil && *e.ChannelID == channelID) && (match == nil || match(e.Data)) {
			return true
		}
	}
	return false
}

func aboutUser(userID int64) func(json.RawMessage) bool {
	return func(data json.RawMessage) bool {
		var m membershipData
		return json.Unmarshal(data, &m) == nil && m.UserID == userID
	}
}

func TestAPI_Events(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	general := ada.createChannel("general", false)
	secret := ada.createChannel("secret", true)
	bob.join(general.ID)
	carol.join(general.ID)
	hello := ada.post(general.ID, "hello all", 0)
	ada.post(secret.ID, "for ada and bob only", 0)
	ada.addMember(secret.ID, bob.User.ID)
	bob.post(secret.ID, "got it", 0)
	ada.mustJSON(http.StatusNoContent, "POST", channelPath(general.ID, "/read"), map[string]any{"message_id": hello.ID}, nil)
	bob.mustJSON(http.StatusNoContent, "POST", channelPath(general.ID, "/leave"), nil, nil)

	t.Run("are in seq order with a cursor", func(t *testing.T) {
		page := bob.events(0, 1000)
		if len(page.Items) == 0 {
			t.Fatal("no events")
		}
		for i := 1; i < len(page.Items); i++ {
			if page.Items[i].Seq <= page.Items[i-1].Seq {
				t.Fatalf("seq %d follows %d", page.Items[i].Seq, page.Items[i-1].Seq)
			}
		}
		if last := page.Items[len(page.Items)-1].Seq; page.NextCursor != fmt.Sprint(last) {
			t.Errorf("next_cursor = %q, want %d", page.NextCursor, last)
		}
	})

	t.Run("a private channel's events never reach non-members", func(t *testing.T) {
		for _, e := range carol.allEvents() {
			if e.ChannelID != nil && *e.ChannelID == secret.ID {
				t.Errorf("carol sees %s of the private channel: %s", e.Type, e.Data)
			}
		}
	})

	t.Run("members see the private channel's messages", func(t *testing.T) {
		if !hasEvent(bob.allEvents(), channels.EventMessageCreated, secret.ID, nil) {
			t.Errorf("bob misses message.created in the private channel")
		}
	})

	t.Run("public channel messages reach its members", func(t *testing.T) {
		if !hasEvent(carol.allEvents(), channels.EventMessageCreated, general.ID, nil) {
			t.Errorf("carol misses message.created in general")
		}
	})

	t.Run("joining and leaving appear to the user concerned", func(t *testing.T) {
		events := bob.allEvents()
		if !hasEvent(events, channels.EventMemberJoined, secret.ID, aboutUser(bob.User.ID)) {
			t.Errorf("bob misses being added to the private channel")
		}
		if !hasEvent(events, channels.EventMemberLeft, general.ID, aboutUser(bob.User.ID)) {
			t.Errorf("bob misses leaving general")
		}
		if hasEvent(events, channels.EventMessageCreated, general.ID, nil) {
			t.Errorf("bob still sees the messages of a channel he left")
		}
	})

	t.Run("read positions are private", func(t *testing.T) {
		if !hasEvent(ada.allEvents(), channels.EventReadUpdated, general.ID, nil) {
			t.Errorf("ada misses her read.updated")
		}
		if hasEvent(carol.allEvents(), channels.EventReadUpdated, 0, nil) {
			t.Errorf("carol sees someone else's read.updated")
		}
	})

	t.Run("public channel creation reaches everyone", func(t *testing.T) {
		if !hasEvent(carol.allEvents(), channels.EventChannelCreated, general.ID, nil) {
			t.Errorf("carol misses channel.created of general")
		}
	})

	t.Run("pages with since and limit add up to the whole log", func(t *testing.T) {
		all := ada.allEvents()
		var paged []channels.Event
		since, pages := int64(0), 0
		for {
			page := ada.events(since, 2)
			if len(page.Items) > 2 {
				t.Fatalf("page of %d events, limit 2", len(page.Items))
			}
			if len(page.Items) == 0 {
				if page.NextCursor != fmt.Sprint(since) {
					t.Errorf("empty page: next_cursor = %q, want %d", page.NextCursor, since)
				}
				break
			}
			if pages++; pages > len(all) {
				t.Fatal("paging does not end")
			}
			paged = append(paged, page.Items...)
			fmt.Sscan(page.NextCursor, &since)
		}
		if len(paged) != len(all) {
			t.Fatalf("paged %d events, want %d", len(paged), len(all))
		}
		for i := range all {
			if paged[i].Seq != all[i].Seq || paged[i].Type != all[i].Type {
				t.Errorf("event %d: paged %d %s, want %d %s", i, paged[i].Seq, paged[i].Type, all[i].Seq, all[i].Type)
			}
		}
	})

	t.Run("since skips what the caller has seen", func(t *testing.T) {
		head := ada.allEvents()
		last := head[len(head)-1].Seq
		m := ada.post(general.ID, "news", 0)
		page := carol.events(last, 100)
		if len(page.Items) != 1 || page.Items[0].Type != channels.EventMessageCreated || page.Items[0].Seq <= last {
			t.Fatalf("events since %d = %+v", last, page.Items)
		}
		var data channels.Message
		if err := json.Unmarshal(page.Items[0].Data, &data); err != nil || data.ID != m.ID || data.Text != "news" {
			t.Errorf("payload = %s", page.Items[0].Data)
		}
		if page.Items[0].ActorID == nil || *page.Items[0].ActorID != ada.User.ID {
			t.Errorf("actor_id = %v", page.Items[0].ActorID)
		}
	})

	t.Run("a deleted message's text leaves the log", func(t *testing.T) {
		m := ada.post(general.ID, "regrettable words", 0)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(m.ID, ""), nil, nil)
		for _, e := range carol.allEvents() {
			var data struct {
				ID   int64  `json:"id"`
				Text string `json:"text"`
			}
			if json.Unmarshal(e.Data, &data) == nil && data.ID == m.ID && data.Text != "" {
				t.Errorf("%s still carries the text: %s", e.Type, e.Data)
			}
		}
		if !hasEvent(carol.allEvents(), channels.EventMessageDeleted, general.ID, nil) {
			t.Errorf("carol misses message.deleted")
		}
	})

	t.Run("bad parameters are 400", func(t *testing.T) {
		for _, q := range []string{"since=-1", "since=abc", "limit=1001", "limit=x"} {
			if res := carol.do("GET", "/api/v1/events?"+q, nil); res.Status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", q, res.Status)
			}
		}
	})

	t.Run("anonymous callers get 401", func(t *testing.T) {
		wantError(t, ts.anon().do("GET", "/api/v1/events", nil), http.StatusUnauthorized, "not_authenticated")
	})
}

func TestAPI_EventsAfterPruning(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	for i := range 3 {
		ada.post(ch.ID, fmt.Sprint("message ", i), 0)
	}
	all := ada.allEvents()
	head := all[len(all)-1].Seq
	// Prune everything but the newest event, as retention eventually does.
	if _, err := ts.app.svc.Log.Prune(t.Context(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	t.Run("a cursor older than the log is 410", func(t *testing.T) {
		wantError(t, ada.do("GET", "/api/v1/events?since=1", nil), http.StatusGone, "resync_required")
	})

	t.Run("a cursor just before the oldest kept event still works", func(t *testing.T) {
		page := ada.events(head-1, 10)
		if len(page.Items) != 1 || page.Items[0].Seq != head {
			t.Errorf("events = %+v", page.Items)
		}
	})

	t.Run("starting from zero reads what is kept", func(t *testing.T) {
		page := ada.events(0, 10)
		if len(page.Items) != 1 || page.Items[0].Seq != head {
			t.Errorf("events = %+v", page.Items)
		}
	})
}
