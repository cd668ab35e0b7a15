package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// channelPath is /api/v1/channels/{id} followed by suffix.
func channelPath(id int64, suffix string) string {
	return fmt.Sprintf("/api/v1/channels/%d%s", id, suffix)
}

// myChannels is the caller's channel list, by id.
func (c *client) myChannels() map[int64]channels.Channel {
	c.ts.t.Helper()
	var list channels.List[channels.Channel]
	c.mustJSON(http.StatusOK, "GET", "/api/v1/channels", nil, &list)
	out := map[int64]channels.Channel{}
	for _, ch := range list.Items {
		out[ch.ID] = ch
	}
	return out
}

func TestAPI_CreateChannel(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")

	tests := []struct {
		name    string
		private bool
		kind    string
	}{
		{"general", false, channels.ChannelPublic},
		{"secret", true, channels.ChannelPrivate},
	}
	for _, tt := range tests {
		t.Run("creates a "+tt.kind+" channel", func(t *testing.T) {
			var ch channels.Channel
			ada.mustJSON(http.StatusCreated, "POST", "/api/v1/channels",
				map[string]any{"name": tt.name, "private": tt.private, "topic": "the topic", "purpose": "the purpose"}, &ch)
			if ch.ID == 0 || ch.Name != tt.name || ch.Kind != tt.kind || ch.Private != tt.private || ch.CreatorID != ada.User.ID {
				t.Errorf("channel = %+v", ch)
			}
			if ch.Topic != "the topic" || ch.Purpose != "the purpose" || ch.MemberCount != 1 || !ch.IsMember || ch.Archived {
				t.Errorf("channel = %+v", ch)
			}
			var got channels.Channel
			ada.mustJSON(http.StatusOK, "GET", channelPath(ch.ID, ""), nil, &got)
			if got.Name != tt.name || got.Kind != tt.kind || !got.IsMember {
				t.Errorf("GET = %+v", got)
			}
		})
	}

	t.Run("duplicate name is 409", func(t *testing.T) {
		for _, name := range []string{"general", "secret"} {
			res := bob.do("POST", "/api/v1/channels", map[string]any{"name": name})
			wantError(t, res, http.StatusConflict, "name_taken")
		}
	})
}

func TestAPI_UnreadAndMentionCounts(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)

	counts := func(c *client) (unread, mentions int, lastRead int64) {
		t.Helper()
		got, ok := c.myChannels()[ch.ID]
		if !ok {
			t.Fatalf("%s's list lacks the channel", c.User.Username)
		}
		return got.UnreadCount, got.MentionCount, got.LastReadID
	}
	check := func(c *client, unread, mentions int) {
		t.Helper()
		if u, m, _ := counts(c); u != unread || m != mentions {
			t.Errorf("%s: unread %d, mentions %d; want %d, %d", c.User.Username, u, m, unread, mentions)
		}
	}

	check(ada, 0, 0)
	m1 := bob.post(ch.ID, "hello", 0)
	m2 := bob.post(ch.ID, "hey @ada, look", 0)
	m3 := bob.post(ch.ID, "@here standup", 0)
	ada.post(ch.ID, "my own words", 0)

	t.Run("others' messages count as unread, own do not", func(t *testing.T) {
		check(ada, 3, 2)
		check(bob, 1, 0)
	})

	t.Run("thread replies do not add unread messages", func(t *testing.T) {
		bob.post(ch.ID, "in a thread", m1.ID)
		check(ada, 3, 2)
	})

	t.Run("reading moves the counts", func(t *testing.T) {
		ada.mustJSON(http.StatusNoContent, "POST", channelPath(ch.ID, "/read"), map[string]any{"message_id": m2.ID}, nil)
		check(ada, 1, 1)
		if _, _, last := counts(ada); last != m2.ID {
			t.Errorf("last_read_id = %d, want %d", last, m2.ID)
		}
		ada.mustJSON(http.StatusNoContent, "POST", channelPath(ch.ID, "/read"), map[string]any{"message_id": m3.ID}, nil)
		check(ada, 0, 0)
	})

	t.Run("new posts count again", func(t *testing.T) {
		bob.post(ch.ID, "@ada again", 0)
		check(ada, 1, 1)
	})

	t.Run("a new member starts with everything read", func(t *testing.T) {
		carol := ts.signup("carol")
		carol.join(ch.ID)
		check(carol, 0, 0)
	})

	t.Run("read needs a message of the channel", func(t *testing.T) {
		other := ada.createChannel("other", false)
		elsewhere := ada.post(other.ID, "elsewhere", 0)
		res := ada.do("POST", channelPath(ch.ID, "/read"), map[string]any{"message_id": elsewhere.ID})
		wantError(t, res, http.StatusNotFound, "message_not_found")
		wantError(t, ada.do("POST", channelPath(ch.ID, "/read"), map[string]any{}), http.StatusBadRequest, "invalid_message_id")
		wantError(t, bob.do("POST", channelPath(other.ID, "/read"), map[string]any{"message_id": elsewhere.ID}),
			http.StatusForbidden, "not_in_channel")
	})
}

func TestAPI_GetChannelReadState(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	dm := ada.openDM(bob.User.ID)

	type state struct {
		lastRead         int64
		unread, mentions int
	}
	// get reads one channel the way GET /channels/{id} answers it.
	get := func(c *client, id int64) state {
		t.Helper()
		var got channels.Channel
		c.mustJSON(http.StatusOK, "GET", channelPath(id, ""), nil, &got)
		return state{got.LastReadID, got.UnreadCount, got.MentionCount}
	}
	// listed reads the same channel from the caller's channel list.
	listed := func(c *client, id int64) state {
		t.Helper()
		got, ok := c.myChannels()[id]
		if !ok {
			t.Fatalf("%s's list lacks channel %d", c.User.Username, id)
		}
		return state{got.LastReadID, got.UnreadCount, got.MentionCount}
	}
	read := func(c *client, id, messageID int64) {
		t.Helper()
		c.mustJSON(http.StatusNoContent, "POST", channelPath(id, "/read"), map[string]any{"message_id": messageID}, nil)
	}

	var m1, m2, d2 channels.Message
	steps := []struct {
		name   string
		do     func()
		reader *client
		id     int64
		want   func() state
	}{
		{name: "nothing posted", do: func() {}, reader: ada, id: ch.ID, want: func() state { return state{} }},
		{name: "posts and mentions by others", reader: ada, id: ch.ID,
			do: func() {
				m1 = bob.post(ch.ID, "hello", 0)
				m2 = bob.post(ch.ID, "@ada have a look", 0)
				bob.post(ch.ID, "@here standup", 0)
				ada.post(ch.ID, "my own words", 0)
			},
			want: func() state { return state{0, 3, 2} }},
		{name: "a mark-read moves all three", reader: ada, id: ch.ID,
			do:   func() { read(ada, ch.ID, m2.ID) },
			want: func() state { return state{m2.ID, 1, 1} }},
		{name: "the poster's own view", reader: bob, id: ch.ID,
			do:   func() { read(bob, ch.ID, m1.ID) },
			want: func() state { return state{m1.ID, 1, 0} }},
		{name: "a DM", reader: bob, id: dm.ID,
			do:   func() { ada.post(dm.ID, "psst @bob", 0); d2 = ada.post(dm.ID, "still there?", 0) },
			want: func() state { return state{0, 2, 1} }},
		{name: "a DM read to its end", reader: bob, id: dm.ID,
			do:   func() { read(bob, dm.ID, d2.ID) },
			want: func() state { return state{d2.ID, 0, 0} }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			got, list := get(st.reader, st.id), listed(st.reader, st.id)
			if got != list {
				t.Errorf("GET /channels/%d = %+v, the channel list has %+v", st.id, got, list)
			}
			if want := st.want(); got != want {
				t.Errorf("GET /channels/%d = %+v, want %+v", st.id, got, want)
			}
		})
	}

	t.Run("a non-member reading a public channel gets no read state", func(t *testing.T) {
		if got := get(carol, ch.ID); got != (state{}) {
			t.Errorf("carol's GET = %+v, want zeros", got)
		}
	})
}

func TestAPI_BrowseChannels(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	general := ada.createChannel("general", false)
	ada.createChannel("secret", true)
	random := ada.createChannel("random", false)

	browse := func(c *client, query string) channels.List[channels.Channel] {
		t.Helper()
		var list channels.List[channels.Channel]
		c.mustJSON(http.StatusOK, "GET", "/api/v1/channels?browse=true"+query, nil, &list)
		return list
	}
	names := func(list []channels.Channel) string {
		var out []string
		for _, ch := range list {
			out = append(out, ch.Name)
		}
		return strings.Join(out, ",")
	}

	t.Run("lists public channels only", func(t *testing.T) {
		for _, c := range []*client{ada, bob} {
			if got := names(browse(c, "").Items); got != "general,random" {
				t.Errorf("%s browses %s, want general,random", c.User.Username, got)
			}
		}
	})

	t.Run("marks the channels the caller is in", func(t *testing.T) {
		bob.join(random.ID)
		for _, ch := range browse(bob, "").Items {
			if ch.IsMember != (ch.ID == random.ID) {
				t.Errorf("%s is_member = %v", ch.Name, ch.IsMember)
			}
		}
	})

	t.Run("pages with limit and cursor", func(t *testing.T) {
		first := browse(bob, "&limit=1")
		if len(first.Items) != 1 || first.Items[0].ID != general.ID || first.NextCursor == "" {
			t.Fatalf("first page = %+v", first)
		}
		second := browse(bob, "&limit=1&cursor="+first.NextCursor)
		if len(second.Items) != 1 || second.Items[0].ID != random.ID || second.NextCursor != "" {
			t.Fatalf("second page = %+v", second)
		}
	})

	t.Run("the caller's own list holds only their channels", func(t *testing.T) {
		mine := bob.myChannels()
		if len(mine) != 1 || mine[random.ID].Name != "random" {
			t.Errorf("bob's channels = %+v", mine)
		}
		if len(ada.myChannels()) != 3 {
			t.Errorf("ada's channels = %+v", ada.myChannels())
		}
	})
}

func TestAPI_GetAndUpdateChannel(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada") // admin
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := bob.createChannel("general", false)
	carol.join(ch.ID)
	secret := bob.createChannel("secret", true)

	t.Run("public channels are readable by non-members", func(t *testing.T) {
		var got channels.Channel
		ada.mustJSON(http.StatusOK, "GET", channelPath(ch.ID, ""), nil, &got)
		if got.IsMember || got.MemberCount != 2 {
			t.Errorf("channel = %+v", got)
		}
	})

	t.Run("private channels are 404 to non-members", func(t *testing.T) {
		wantError(t, carol.do("GET", channelPath(secret.ID, ""), nil), http.StatusNotFound, "channel_not_found")
		wantError(t, carol.do("PATCH", channelPath(secret.ID, ""), map[string]any{"topic": "x"}), http.StatusNotFound, "channel_not_found")
	})

	t.Run("creator renames", func(t *testing.T) {
		var got channels.Channel
		bob.mustJSON(http.StatusOK, "PATCH", channelPath(ch.ID, ""), map[string]any{"name": "town-square"}, &got)
		if got.Name != "town-square" {
			t.Errorf("renamed = %+v", got)
		}
		carol.mustJSON(http.StatusOK, "GET", channelPath(ch.ID, ""), nil, &got)
		if got.Name != "town-square" {
			t.Errorf("after rename GET = %+v", got)
		}
	})

	t.Run("any member sets the topic", func(t *testing.T) {
		var got channels.Channel
		carol.mustJSON(http.StatusOK, "PATCH", channelPath(ch.ID, ""), map[string]any{"topic": "release day", "purpose": "talk"}, &got)
		if got.Topic != "release day" || got.Purpose != "talk" || got.Name != "town-square" {
			t.Errorf("patched = %+v", got)
		}
	})

	t.Run("a member who is not the creator cannot rename", func(t *testing.T) {
		wantError(t, carol.do("PATCH", channelPath(ch.ID, ""), map[string]any{"name": "mine"}), http.StatusForbidden, "not_allowed")
	})

	t.Run("sending the current name is not a rename", func(t *testing.T) {
		carol.mustJSON(http.StatusOK, "PATCH", channelPath(ch.ID, ""), map[string]any{"name": "town-square", "topic": "t2"}, nil)
	})

	t.Run("a non-member cannot change a public channel", func(t *testing.T) {
		wantError(t, ada.do("PATCH", channelPath(ch.ID, ""), map[string]any{"topic": "x"}), http.StatusForbidden, "not_in_channel")
	})

	t.Run("an admin member renames any channel", func(t *testing.T) {
		ada.join(ch.ID)
		var got channels.Channel
		ada.mustJSON(http.StatusOK, "PATCH", channelPath(ch.ID, ""), map[string]any{"name": "general"}, &got)
		if got.Name != "general" {
			t.Errorf("renamed = %+v", got)
		}
	})

	t.Run("renaming onto a taken name is 409", func(t *testing.T) {
		wantError(t, bob.do("PATCH", channelPath(ch.ID, ""), map[string]any{"name": "secret"}), http.StatusConflict, "name_taken")
	})

	t.Run("topic over 250 characters is 400", func(t *testing.T) {
		res := bob.do("PATCH", channelPath(ch.ID, ""), map[string]any{"topic": strings.Repeat("t", 251)})
		wantError(t, res, http.StatusBadRequest, "invalid_topic")
	})
}

func TestAPI_ArchiveChannel(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada") // admin
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := bob.createChannel("releases", false)
	carol.join(ch.ID)
	m := carol.post(ch.ID, "before the archive", 0)

	t.Run("a member who is not the creator cannot archive", func(t *testing.T) {
		wantError(t, carol.do("POST", channelPath(ch.ID, "/archive"), nil), http.StatusForbidden, "not_allowed")
	})

	var got channels.Channel
	bob.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/archive"), nil, &got)
	if !got.Archived || got.ArchivedAt == nil {
		t.Fatalf("archived = %+v", got)
	}

	t.Run("archiving twice is fine", func(t *testing.T) {
		bob.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/archive"), nil, &got)
		if !got.Archived {
			t.Errorf("channel = %+v", got)
		}
	})

	t.Run("posting to an archived channel is 403", func(t *testing.T) {
		res := carol.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "hello?"})
		wantError(t, res, http.StatusForbidden, "channel_archived")
	})

	t.Run("editing and reacting are 403 too", func(t *testing.T) {
		wantError(t, carol.do("PATCH", fmt.Sprintf("/api/v1/messages/%d", m.ID), map[string]any{"text": "x"}), http.StatusForbidden, "channel_archived")
		wantError(t, carol.do("PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", m.ID), nil), http.StatusForbidden, "channel_archived")
		wantError(t, carol.do("PATCH", channelPath(ch.ID, ""), map[string]any{"topic": "x"}), http.StatusForbidden, "channel_archived")
	})

	t.Run("joining an archived channel is 403", func(t *testing.T) {
		wantError(t, ada.do("POST", channelPath(ch.ID, "/join"), nil), http.StatusForbidden, "channel_archived")
	})

	t.Run("history stays readable", func(t *testing.T) {
		var list channels.List[channels.Message]
		carol.mustJSON(http.StatusOK, "GET", channelPath(ch.ID, "/messages"), nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != m.ID {
			t.Errorf("messages = %+v", list.Items)
		}
	})

	t.Run("unarchive reopens it", func(t *testing.T) {
		bob.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/unarchive"), nil, &got)
		if got.Archived || got.ArchivedAt != nil {
			t.Fatalf("unarchived = %+v", got)
		}
		carol.post(ch.ID, "back again", 0)
	})

	t.Run("an admin archives a channel they are not in", func(t *testing.T) {
		ada.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/archive"), nil, &got)
		if !got.Archived {
			t.Errorf("channel = %+v", got)
		}
	})
}

func TestAPI_JoinAndLeave(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	secret := ada.createChannel("secret", true)

	t.Run("join a public channel", func(t *testing.T) {
		var got channels.Channel
		bob.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/join"), nil, &got)
		if !got.IsMember || got.MemberCount != 2 {
			t.Errorf("joined = %+v", got)
		}
		bob.mustJSON(http.StatusOK, "POST", channelPath(ch.ID, "/join"), nil, &got)
		if got.MemberCount != 2 {
			t.Errorf("joining twice: %+v", got)
		}
		if _, ok := bob.myChannels()[ch.ID]; !ok {
			t.Errorf("channel missing from bob's list")
		}
	})

	t.Run("a private channel cannot be joined", func(t *testing.T) {
		wantError(t, bob.do("POST", channelPath(secret.ID, "/join"), nil), http.StatusNotFound, "channel_not_found")
	})

	t.Run("leave", func(t *testing.T) {
		bob.mustJSON(http.StatusNoContent, "POST", channelPath(ch.ID, "/leave"), nil, nil)
		if _, ok := bob.myChannels()[ch.ID]; ok {
			t.Errorf("channel still in bob's list")
		}
		bob.mustJSON(http.StatusNoContent, "POST", channelPath(ch.ID, "/leave"), nil, nil)
		var members channels.List[channels.User]
		ada.mustJSON(http.StatusOK, "GET", channelPath(ch.ID, "/members"), nil, &members)
		if len(members.Items) != 1 || members.Items[0].ID != ada.User.ID {
			t.Errorf("members = %+v", members.Items)
		}
		wantError(t, bob.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "hi"}), http.StatusForbidden, "not_in_channel")
	})

	t.Run("leaving a private channel makes it invisible", func(t *testing.T) {
		ada.addMember(secret.ID, bob.User.ID)
		bob.mustJSON(http.StatusOK, "GET", channelPath(secret.ID, ""), nil, nil)
		bob.mustJSON(http.StatusNoContent, "POST", channelPath(secret.ID, "/leave"), nil, nil)
		wantError(t, bob.do("GET", channelPath(secret.ID, ""), nil), http.StatusNotFound, "channel_not_found")
	})
}

func TestAPI_Members(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada") // admin
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	dan := ts.signup("dan")
	ops := bob.createChannel("ops", true)

	ids := func(c *client, query string) ([]int64, string) {
		t.Helper()
		var list channels.List[channels.User]
		c.mustJSON(http.StatusOK, "GET", channelPath(ops.ID, "/members"+query), nil, &list)
		var out []int64
		for _, u := range list.Items {
			out = append(out, u.ID)
		}
		return out, list.NextCursor
	}

	t.Run("any member adds people", func(t *testing.T) {
		bob.addMember(ops.ID, carol.User.ID)
		carol.addMember(ops.ID, dan.User.ID)
		got, _ := ids(bob, "")
		if want := []int64{bob.User.ID, carol.User.ID, dan.User.ID}; !slices.Equal(got, want) {
			t.Errorf("members = %v, want %v", got, want)
		}
	})

	t.Run("adding a member twice is fine", func(t *testing.T) {
		bob.addMember(ops.ID, carol.User.ID)
	})

	t.Run("the list pages", func(t *testing.T) {
		first, cursor := ids(dan, "?limit=2")
		if len(first) != 2 || cursor == "" {
			t.Fatalf("first page %v, cursor %q", first, cursor)
		}
		rest, cursor := ids(dan, "?limit=2&cursor="+cursor)
		if len(rest) != 1 || rest[0] != dan.User.ID || cursor != "" {
			t.Errorf("second page %v, cursor %q", rest, cursor)
		}
	})

	t.Run("non-members of a private channel get 404", func(t *testing.T) {
		wantError(t, ada.do("GET", channelPath(ops.ID, "/members"), nil), http.StatusNotFound, "channel_not_found")
		wantError(t, ada.do("POST", channelPath(ops.ID, "/members"), map[string]any{"user_id": ada.User.ID}), http.StatusNotFound, "channel_not_found")
	})

	t.Run("only the creator removes others", func(t *testing.T) {
		wantError(t, carol.do("DELETE", channelPath(ops.ID, fmt.Sprintf("/members/%d", dan.User.ID)), nil), http.StatusForbidden, "not_allowed")
		bob.mustJSON(http.StatusNoContent, "DELETE", channelPath(ops.ID, fmt.Sprintf("/members/%d", dan.User.ID)), nil, nil)
		wantError(t, dan.do("GET", channelPath(ops.ID, ""), nil), http.StatusNotFound, "channel_not_found")
		wantError(t, bob.do("DELETE", channelPath(ops.ID, fmt.Sprintf("/members/%d", dan.User.ID)), nil), http.StatusNotFound, "member_not_found")
	})

	t.Run("anyone removes themselves", func(t *testing.T) {
		carol.mustJSON(http.StatusNoContent, "DELETE", channelPath(ops.ID, fmt.Sprintf("/members/%d", carol.User.ID)), nil, nil)
		got, _ := ids(bob, "")
		if !slices.Equal(got, []int64{bob.User.ID}) {
			t.Errorf("members = %v", got)
		}
	})

	t.Run("adding an unknown user is 404", func(t *testing.T) {
		wantError(t, bob.do("POST", channelPath(ops.ID, "/members"), map[string]any{"user_id": 999999}), http.StatusNotFound, "user_not_found")
		wantError(t, bob.do("POST", channelPath(ops.ID, "/members"), map[string]any{}), http.StatusBadRequest, "invalid_user_id")
	})

	t.Run("a deactivated user cannot be added", func(t *testing.T) {
		ada.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%d/deactivate", dan.User.ID), nil, nil)
		wantError(t, bob.do("POST", channelPath(ops.ID, "/members"), map[string]any{"user_id": dan.User.ID}), http.StatusBadRequest, "user_deactivated")
	})
}

func TestAPI_DirectMessages(t *testing.T) {
	ts := newTestServer(t)
	people := []*client{ts.signup("ada")}
	for i := 1; i < 9; i++ {
		people = append(people, ts.signup(fmt.Sprintf("user%d", i)))
	}
	ada, bob, carol := people[0], people[1], people[2]
	idsOf := func(cs ...*client) []int64 {
		var out []int64
		for _, c := range cs {
			out = append(out, c.User.ID)
		}
		return out
	}
	open := func(c *client, status int, others ...*client) channels.Channel {
		t.Helper()
		var ch channels.Channel
		c.mustJSON(status, "POST", "/api/v1/dms", map[string]any{"user_ids": idsOf(others...)}, &ch)
		return ch
	}

	dm := open(ada, http.StatusCreated, bob)
	t.Run("a DM holds both people", func(t *testing.T) {
		if dm.Kind != channels.ChannelDM || !dm.Private || dm.Name != "" || dm.MemberCount != 2 {
			t.Errorf("dm = %+v", dm)
		}
		if !slices.Equal(dm.UserIDs, idsOf(ada, bob)) {
			t.Errorf("user_ids = %v", dm.UserIDs)
		}
	})

	t.Run("opening again returns the same DM with 200", func(t *testing.T) {
		for _, again := range []channels.Channel{open(ada, http.StatusOK, bob), open(bob, http.StatusOK, ada), open(ada, http.StatusOK, ada, bob)} {
			if again.ID != dm.ID {
				t.Errorf("reopened %d, want %d", again.ID, dm.ID)
			}
		}
	})

	t.Run("a group DM is the same whatever the order", func(t *testing.T) {
		g := open(ada, http.StatusCreated, bob, carol)
		if g.Kind != channels.ChannelGroupDM || g.MemberCount != 3 || !slices.Equal(g.UserIDs, idsOf(ada, bob, carol)) {
			t.Errorf("group = %+v", g)
		}
		for _, again := range []channels.Channel{open(carol, http.StatusOK, bob, ada), open(bob, http.StatusOK, ada, carol)} {
			if again.ID != g.ID {
				t.Errorf("reopened %d, want %d", again.ID, g.ID)
			}
		}
		if g.ID == dm.ID {
			t.Errorf("group DM reuses the DM")
		}
	})

	t.Run("a group DM holds up to 8 people", func(t *testing.T) {
		g := open(ada, http.StatusCreated, people[1:8]...)
		if g.MemberCount != 8 {
			t.Errorf("group of 8 = %+v", g)
		}
		res := ada.do("POST", "/api/v1/dms", map[string]any{"user_ids": idsOf(people[1:9]...)})
		wantError(t, res, http.StatusBadRequest, "too_many_users")
	})

	t.Run("both people see the DM in their list", func(t *testing.T) {
		for _, c := range []*client{ada, bob} {
			got, ok := c.myChannels()[dm.ID]
			if !ok || !slices.Equal(got.UserIDs, idsOf(ada, bob)) {
				t.Errorf("%s's list: %+v (present %v)", c.User.Username, got, ok)
			}
		}
	})

	t.Run("others cannot see or post", func(t *testing.T) {
		wantError(t, carol.do("GET", channelPath(dm.ID, ""), nil), http.StatusNotFound, "channel_not_found")
		wantError(t, carol.do("GET", channelPath(dm.ID, "/messages"), nil), http.StatusNotFound, "channel_not_found")
		wantError(t, carol.do("POST", channelPath(dm.ID, "/messages"), map[string]any{"text": "hi"}), http.StatusNotFound, "channel_not_found")
		wantError(t, carol.do("POST", channelPath(dm.ID, "/join"), nil), http.StatusNotFound, "channel_not_found")
	})

	t.Run("members talk in it", func(t *testing.T) {
		m := bob.post(dm.ID, "psst", 0)
		var list channels.List[channels.Message]
		ada.mustJSON(http.StatusOK, "GET", channelPath(dm.ID, "/messages"), nil, &list)
		if len(list.Items) != 1 || list.Items[0].ID != m.ID {
			t.Errorf("messages = %+v", list.Items)
		}
	})

	t.Run("a DM cannot be left, renamed, archived or added to", func(t *testing.T) {
		wantError(t, ada.do("POST", channelPath(dm.ID, "/leave"), nil), http.StatusBadRequest, "cannot_leave_conversation")
		wantError(t, ada.do("PATCH", channelPath(dm.ID, ""), map[string]any{"name": "ours"}), http.StatusBadRequest, "cannot_rename_conversation")
		wantError(t, ada.do("POST", channelPath(dm.ID, "/archive"), nil), http.StatusBadRequest, "cannot_archive_conversation")
		wantError(t, ada.do("POST", channelPath(dm.ID, "/members"), map[string]any{"user_id": carol.User.ID}), http.StatusBadRequest, "cannot_add_to_conversation")
	})

	t.Run("a DM with an unknown user is 404", func(t *testing.T) {
		wantError(t, ada.do("POST", "/api/v1/dms", map[string]any{"user_ids": []int64{999999}}), http.StatusNotFound, "user_not_found")
	})
}
