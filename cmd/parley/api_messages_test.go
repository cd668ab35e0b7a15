package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
)

// messagePath is /api/v1/messages/{id} followed by suffix.
func messagePath(id int64, suffix string) string {
	return fmt.Sprintf("/api/v1/messages/%d%s", id, suffix)
}

// messages lists a channel's messages with the query (e.g. "?limit=2").
func (c *client) messages(channelID int64, query string) channels.List[channels.Message] {
	c.ts.t.Helper()
	var list channels.List[channels.Message]
	c.mustJSON(http.StatusOK, "GET", channelPath(channelID, "/messages"+query), nil, &list)
	return list
}

// replies lists a thread's replies with the query.
func (c *client) replies(rootID int64, query string) channels.List[channels.Message] {
	c.ts.t.Helper()
	var list channels.List[channels.Message]
	c.mustJSON(http.StatusOK, "GET", messagePath(rootID, "/replies"+query), nil, &list)
	return list
}

// getMessage fetches one message.
func (c *client) getMessage(id int64) channels.Message {
	c.ts.t.Helper()
	var m channels.Message
	c.mustJSON(http.StatusOK, "GET", messagePath(id, ""), nil, &m)
	return m
}

func messageIDs(msgs []channels.Message) []int64 {
	out := []int64{}
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

func TestAPI_PostMessage(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	secret := ada.createChannel("secret", true)

	t.Run("returns 201 and the message", func(t *testing.T) {
		var m channels.Message
		ada.mustJSON(http.StatusCreated, "POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "hello *world*"}, &m)
		if m.ID == 0 || m.ChannelID != ch.ID || m.UserID != ada.User.ID || m.Text != "hello *world*" || m.ThreadID != nil {
			t.Errorf("message = %+v", m)
		}
		if m.Markup != channels.MarkupMarkdown || m.CreatedAt == 0 || m.EditedAt != nil || m.Deleted {
			t.Errorf("message = %+v", m)
		}
		if m.Reactions == nil || m.Files == nil || m.Mentions.UserIDs == nil {
			t.Errorf("lists must be empty arrays, not null: %+v", m)
		}
		if got := ada.getMessage(m.ID); got.Text != m.Text || got.CreatedAt != m.CreatedAt {
			t.Errorf("GET = %+v", got)
		}
	})

	t.Run("keeps mrkdwn markup", func(t *testing.T) {
		var m channels.Message
		ada.mustJSON(http.StatusCreated, "POST", channelPath(ch.ID, "/messages"),
			map[string]any{"text": "*bold* <https://example.com|link>", "markup": "mrkdwn"}, &m)
		if m.Markup != channels.MarkupMrkdwn || ada.getMessage(m.ID).Markup != channels.MarkupMrkdwn {
			t.Errorf("markup = %q", m.Markup)
		}
	})

	for _, r := range []string{"a", "é", "🙂"} {
		t.Run(fmt.Sprintf("accepts exactly 40000 characters of %q", r), func(t *testing.T) {
			text := strings.Repeat(r, channels.MaxTextRunes)
			m := ada.post(ch.ID, text, 0)
			if got := ada.getMessage(m.ID).Text; got != text {
				t.Errorf("stored %d characters, want %d", utf8.RuneCountInString(got), channels.MaxTextRunes)
			}
		})
	}

	t.Run("a non-member cannot post to a public channel", func(t *testing.T) {
		wantError(t, bob.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "hi"}), http.StatusForbidden, "not_in_channel")
	})

	t.Run("a private channel is 404 to non-members", func(t *testing.T) {
		wantError(t, bob.do("POST", channelPath(secret.ID, "/messages"), map[string]any{"text": "hi"}), http.StatusNotFound, "channel_not_found")
		wantError(t, bob.do("GET", channelPath(secret.ID, "/messages"), nil), http.StatusNotFound, "channel_not_found")
	})

	t.Run("a non-member reads a public channel", func(t *testing.T) {
		if list := bob.messages(ch.ID, ""); len(list.Items) == 0 {
			t.Errorf("bob sees no messages")
		}
	})

	for _, text := range []string{"", "   ", "\n\t"} {
		t.Run(fmt.Sprintf("rejects empty text %q", text), func(t *testing.T) {
			wantError(t, ada.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": text}), http.StatusBadRequest, "empty_message")
		})
	}

	t.Run("rejects an unknown markup", func(t *testing.T) {
		res := ada.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "x", "markup": "html"})
		wantError(t, res, http.StatusBadRequest, "invalid_markup")
	})
}

func TestAPI_ListMessages(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	var m []channels.Message
	for i := 1; i <= 5; i++ {
		m = append(m, ada.post(ch.ID, fmt.Sprintf("message %d", i), 0))
	}
	reply := ada.post(ch.ID, "a reply", m[0].ID)
	ids := func(ms ...channels.Message) []int64 { return messageIDs(ms) }

	tests := []struct {
		name   string
		query  string
		want   []int64
		cursor string
	}{
		{"newest first", "", ids(m[4], m[3], m[2], m[1], m[0]), ""},
		{"first page", "?limit=2", ids(m[4], m[3]), fmt.Sprint(m[3].ID)},
		{"before the cursor", fmt.Sprintf("?limit=2&before=%d", m[3].ID), ids(m[2], m[1]), fmt.Sprint(m[1].ID)},
		{"last page", fmt.Sprintf("?limit=2&before=%d", m[1].ID), ids(m[0]), ""},
		{"cursor continues back in time", fmt.Sprintf("?limit=2&cursor=%d", m[3].ID), ids(m[2], m[1]), fmt.Sprint(m[1].ID)},
		{"after, newest first", fmt.Sprintf("?limit=2&after=%d", m[1].ID), ids(m[3], m[2]), fmt.Sprint(m[3].ID)},
		{"after, to the end", fmt.Sprintf("?limit=2&after=%d", m[3].ID), ids(m[4]), ""},
		{"between before and after", fmt.Sprintf("?before=%d&after=%d", m[4].ID, m[0].ID), ids(m[3], m[2], m[1]), ""},
		{"after the newest", fmt.Sprintf("?after=%d", m[4].ID), []int64{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := ada.messages(ch.ID, tt.query)
			if got := messageIDs(list.Items); !slices.Equal(got, tt.want) || list.NextCursor != tt.cursor {
				t.Errorf("got %v cursor %q, want %v cursor %q", got, list.NextCursor, tt.want, tt.cursor)
			}
		})
	}

	t.Run("walking back with next_cursor visits every message once", func(t *testing.T) {
		var seen []int64
		query := "?limit=2"
		for range 10 {
			list := ada.messages(ch.ID, query)
			seen = append(seen, messageIDs(list.Items)...)
			if list.NextCursor == "" {
				break
			}
			query = "?limit=2&cursor=" + list.NextCursor
		}
		if want := ids(m[4], m[3], m[2], m[1], m[0]); !slices.Equal(seen, want) {
			t.Errorf("walked %v, want %v", seen, want)
		}
	})

	t.Run("replies stay out of the channel list", func(t *testing.T) {
		for _, got := range ada.messages(ch.ID, "").Items {
			if got.ID == reply.ID {
				t.Errorf("reply %d listed in the channel", reply.ID)
			}
		}
	})
}

func TestAPI_Threads(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	root := ada.post(ch.ID, "root", 0)
	r1 := bob.post(ch.ID, "first", root.ID)
	r2 := ada.post(ch.ID, "second", root.ID)
	r3 := bob.post(ch.ID, "reply to a reply", r1.ID)

	t.Run("replies point at the root", func(t *testing.T) {
		for _, r := range []channels.Message{r1, r2, r3} {
			if r.ThreadID == nil || *r.ThreadID != root.ID {
				t.Errorf("reply %d thread_id = %v, want %d", r.ID, r.ThreadID, root.ID)
			}
		}
	})

	t.Run("the root counts its replies", func(t *testing.T) {
		got := ada.getMessage(root.ID)
		if got.ReplyCount != 3 || got.LastReplyAt == nil || *got.LastReplyAt != r3.CreatedAt {
			t.Errorf("root reply_count %d, last_reply_at %v; want 3, %d", got.ReplyCount, got.LastReplyAt, r3.CreatedAt)
		}
		list := ada.messages(ch.ID, "")
		if len(list.Items) != 1 || list.Items[0].ReplyCount != 3 {
			t.Errorf("channel list = %+v", list.Items)
		}
	})

	t.Run("replies are oldest first", func(t *testing.T) {
		list := bob.replies(root.ID, "")
		if got := messageIDs(list.Items); !slices.Equal(got, []int64{r1.ID, r2.ID, r3.ID}) || list.NextCursor != "" {
			t.Errorf("replies %v cursor %q", got, list.NextCursor)
		}
	})

	t.Run("replies page with limit and cursor", func(t *testing.T) {
		first := bob.replies(root.ID, "?limit=2")
		if got := messageIDs(first.Items); !slices.Equal(got, []int64{r1.ID, r2.ID}) || first.NextCursor != fmt.Sprint(r2.ID) {
			t.Fatalf("first page %v cursor %q", got, first.NextCursor)
		}
		rest := bob.replies(root.ID, "?limit=2&cursor="+first.NextCursor)
		if got := messageIDs(rest.Items); !slices.Equal(got, []int64{r3.ID}) || rest.NextCursor != "" {
			t.Errorf("second page %v cursor %q", got, rest.NextCursor)
		}
	})

	t.Run("a reply has no replies of its own", func(t *testing.T) {
		wantError(t, ada.do("GET", messagePath(r1.ID, "/replies"), nil), http.StatusNotFound, "message_not_found")
	})

	t.Run("a thread in another channel is 404", func(t *testing.T) {
		other := ada.createChannel("other", false)
		res := ada.do("POST", channelPath(other.ID, "/messages"), map[string]any{"text": "x", "thread_id": root.ID})
		wantError(t, res, http.StatusNotFound, "thread_not_found")
		res = ada.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "x", "thread_id": 999999})
		wantError(t, res, http.StatusNotFound, "thread_not_found")
	})
}

func TestAPI_EditMessage(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada") // admin
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	m := bob.post(ch.ID, "frist", 0)

	t.Run("the author edits", func(t *testing.T) {
		var got channels.Message
		bob.mustJSON(http.StatusOK, "PATCH", messagePath(m.ID, ""), map[string]any{"text": "first, @ada"}, &got)
		if got.Text != "first, @ada" || got.EditedAt == nil || got.CreatedAt != m.CreatedAt {
			t.Errorf("edited = %+v", got)
		}
		if !slices.Equal(got.Mentions.UserIDs, []int64{ada.User.ID}) {
			t.Errorf("mentions after edit = %+v", got.Mentions)
		}
		stored := ada.getMessage(m.ID)
		if stored.Text != "first, @ada" || stored.EditedAt == nil || !slices.Equal(stored.Mentions.UserIDs, []int64{ada.User.ID}) {
			t.Errorf("GET after edit = %+v", stored)
		}
	})

	t.Run("others cannot edit, admins included", func(t *testing.T) {
		wantError(t, ada.do("PATCH", messagePath(m.ID, ""), map[string]any{"text": "mine now"}), http.StatusForbidden, "not_author")
		if got := ada.getMessage(m.ID).Text; got != "first, @ada" {
			t.Errorf("text = %q", got)
		}
	})

	t.Run("editing to nothing is 400", func(t *testing.T) {
		wantError(t, bob.do("PATCH", messagePath(m.ID, ""), map[string]any{"text": " "}), http.StatusBadRequest, "empty_message")
	})

	t.Run("a deleted message cannot be edited", func(t *testing.T) {
		gone := bob.post(ch.ID, "short-lived", 0)
		bob.mustJSON(http.StatusNoContent, "DELETE", messagePath(gone.ID, ""), nil, nil)
		wantError(t, bob.do("PATCH", messagePath(gone.ID, ""), map[string]any{"text": "back"}), http.StatusNotFound, "message_not_found")
	})
}

func TestAPI_DeleteMessage(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada") // admin
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	carol.join(ch.ID)

	t.Run("the author deletes", func(t *testing.T) {
		m := bob.post(ch.ID, "oops", 0)
		bob.mustJSON(http.StatusNoContent, "DELETE", messagePath(m.ID, ""), nil, nil)
		wantError(t, bob.do("GET", messagePath(m.ID, ""), nil), http.StatusNotFound, "message_not_found")
		wantError(t, bob.do("DELETE", messagePath(m.ID, ""), nil), http.StatusNotFound, "message_not_found")
		if slices.Contains(messageIDs(bob.messages(ch.ID, "").Items), m.ID) {
			t.Errorf("deleted message still listed")
		}
	})

	t.Run("another member cannot delete", func(t *testing.T) {
		m := bob.post(ch.ID, "mine", 0)
		wantError(t, carol.do("DELETE", messagePath(m.ID, ""), nil), http.StatusForbidden, "not_author")
		carol.getMessage(m.ID)
	})

	t.Run("an admin deletes anyone's message", func(t *testing.T) {
		m := bob.post(ch.ID, "spam", 0)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(m.ID, ""), nil, nil)
		wantError(t, bob.do("GET", messagePath(m.ID, ""), nil), http.StatusNotFound, "message_not_found")
	})

	t.Run("a deleted root with replies stays as a tombstone", func(t *testing.T) {
		root := bob.post(ch.ID, "secret plans @carol", 0)
		ada.mustJSON(http.StatusNoContent, "PUT", messagePath(root.ID, "/reactions/eyes"), nil, nil)
		reply := carol.post(ch.ID, "nice", root.ID)
		bob.mustJSON(http.StatusNoContent, "DELETE", messagePath(root.ID, ""), nil, nil)

		wantError(t, carol.do("GET", messagePath(root.ID, ""), nil), http.StatusNotFound, "message_not_found")
		var tomb *channels.Message
		for _, m := range carol.messages(ch.ID, "").Items {
			if m.ID == root.ID {
				tomb = &m
			}
		}
		if tomb == nil {
			t.Fatal("deleted root with replies left the list")
		}
		if !tomb.Deleted || tomb.Text != "" || tomb.ReplyCount != 1 || len(tomb.Reactions) != 0 || len(tomb.Mentions.UserIDs) != 0 {
			t.Errorf("tombstone = %+v", tomb)
		}
		if got := messageIDs(carol.replies(root.ID, "").Items); !slices.Equal(got, []int64{reply.ID}) {
			t.Errorf("replies under the tombstone = %v", got)
		}
		wantError(t, carol.do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "x", "thread_id": root.ID}),
			http.StatusNotFound, "thread_not_found")

		t.Run("and goes when its last reply does", func(t *testing.T) {
			carol.mustJSON(http.StatusNoContent, "DELETE", messagePath(reply.ID, ""), nil, nil)
			if slices.Contains(messageIDs(carol.messages(ch.ID, "").Items), root.ID) {
				t.Errorf("tombstone without replies still listed")
			}
		})
	})

	t.Run("deleting a reply lowers the count", func(t *testing.T) {
		root := bob.post(ch.ID, "root", 0)
		r1 := carol.post(ch.ID, "one", root.ID)
		carol.post(ch.ID, "two", root.ID)
		carol.mustJSON(http.StatusNoContent, "DELETE", messagePath(r1.ID, ""), nil, nil)
		if got := bob.getMessage(root.ID); got.ReplyCount != 1 {
			t.Errorf("reply_count = %d, want 1", got.ReplyCount)
		}
		if got := bob.replies(root.ID, "").Items; len(got) != 1 || got[0].Text != "two" {
			t.Errorf("replies = %+v", got)
		}
	})

	t.Run("deleting the latest reply moves last_reply_at back", func(t *testing.T) {
		root := bob.post(ch.ID, "root", 0)
		r1 := carol.post(ch.ID, "one", root.ID)
		r2 := carol.post(ch.ID, "two", root.ID)
		carol.mustJSON(http.StatusNoContent, "DELETE", messagePath(r2.ID, ""), nil, nil)
		if got := bob.getMessage(root.ID); got.LastReplyAt == nil || *got.LastReplyAt != r1.CreatedAt {
			t.Errorf("last_reply_at = %v, want %d", got.LastReplyAt, r1.CreatedAt)
		}
		carol.mustJSON(http.StatusNoContent, "DELETE", messagePath(r1.ID, ""), nil, nil)
		if got := bob.getMessage(root.ID); got.ReplyCount != 0 || got.LastReplyAt != nil {
			t.Errorf("without replies: reply_count %d, last_reply_at %v", got.ReplyCount, got.LastReplyAt)
		}
	})
}

func TestAPI_Reactions(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	m := ada.post(ch.ID, "ship it?", 0)
	react := func(c *client, method, emoji string) {
		t.Helper()
		c.mustJSON(http.StatusNoContent, method, messagePath(m.ID, "/reactions/"+emoji), nil, nil)
	}
	reactions := func() []channels.Reaction {
		t.Helper()
		return carol.getMessage(m.ID).Reactions
	}

	t.Run("PUT adds, idempotently, and accepts colons", func(t *testing.T) {
		react(ada, "PUT", ":white_check_mark:")
		react(ada, "PUT", ":white_check_mark:")
		react(ada, "PUT", "white_check_mark")
		got := reactions()
		if len(got) != 1 || got[0].Emoji != "white_check_mark" || got[0].Count != 1 || !slices.Equal(got[0].UserIDs, []int64{ada.User.ID}) {
			t.Errorf("reactions = %+v", got)
		}
	})

	t.Run("counts and user ids grow per user", func(t *testing.T) {
		react(bob, "PUT", "white_check_mark")
		react(bob, "PUT", "+1::skin-tone-3")
		got := reactions()
		if len(got) != 2 {
			t.Fatalf("reactions = %+v", got)
		}
		if got[0].Emoji != "white_check_mark" || got[0].Count != 2 || !slices.Equal(got[0].UserIDs, []int64{ada.User.ID, bob.User.ID}) {
			t.Errorf("first reaction = %+v", got[0])
		}
		if got[1].Emoji != "+1::skin-tone-3" || got[1].Count != 1 {
			t.Errorf("second reaction = %+v", got[1])
		}
		if list := ada.messages(ch.ID, "").Items; len(list) != 1 || len(list[0].Reactions) != 2 {
			t.Errorf("list shows reactions %+v", list)
		}
	})

	t.Run("DELETE removes, idempotently", func(t *testing.T) {
		react(ada, "DELETE", ":white_check_mark:")
		react(ada, "DELETE", ":white_check_mark:")
		react(ada, "DELETE", "tada")
		got := reactions()
		if len(got) != 2 || got[0].Count != 1 || !slices.Equal(got[0].UserIDs, []int64{bob.User.ID}) {
			t.Errorf("reactions = %+v", got)
		}
		react(bob, "DELETE", "white_check_mark")
		if got := reactions(); len(got) != 1 || got[0].Emoji != "+1::skin-tone-3" {
			t.Errorf("reactions = %+v", got)
		}
	})

	t.Run("a non-member cannot react", func(t *testing.T) {
		wantError(t, carol.do("PUT", messagePath(m.ID, "/reactions/eyes"), nil), http.StatusForbidden, "not_in_channel")
	})

	t.Run("a deleted message takes no reactions", func(t *testing.T) {
		gone := ada.post(ch.ID, "gone", 0)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(gone.ID, ""), nil, nil)
		wantError(t, ada.do("PUT", messagePath(gone.ID, "/reactions/eyes"), nil), http.StatusNotFound, "message_not_found")
	})
}

func TestAPI_IdempotencyKey(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	postWithKey := func(c *client, key, text string) (channels.Message, *response) {
		t.Helper()
		var m channels.Message
		res := c.withHeader("Idempotency-Key", key).mustJSON(http.StatusCreated, "POST", channelPath(ch.ID, "/messages"),
			map[string]any{"text": text}, &m)
		return m, res
	}

	first, res1 := postWithKey(ada, "deploy-42", "deploying build 42")
	again, res2 := postWithKey(ada, "deploy-42", "deploying build 42")

	t.Run("the same key twice returns the first message", func(t *testing.T) {
		if again.ID != first.ID || again.Text != first.Text {
			t.Errorf("retry returned %+v, want message %d", again, first.ID)
		}
		if res1.Header.Get("Idempotent-Replayed") != "" || res2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("Idempotent-Replayed: first %q, retry %q", res1.Header.Get("Idempotent-Replayed"), res2.Header.Get("Idempotent-Replayed"))
		}
		if got := messageIDs(ada.messages(ch.ID, "").Items); !slices.Equal(got, []int64{first.ID}) {
			t.Errorf("channel holds %v, want one message", got)
		}
	})

	t.Run("another user with the same key gets a new message", func(t *testing.T) {
		theirs, _ := postWithKey(bob, "deploy-42", "deploying build 42")
		if theirs.ID == first.ID || theirs.UserID != bob.User.ID {
			t.Errorf("bob's post = %+v", theirs)
		}
		if got := ada.messages(ch.ID, "").Items; len(got) != 2 {
			t.Errorf("channel holds %d messages, want 2", len(got))
		}
	})

	t.Run("another key is another message", func(t *testing.T) {
		other, _ := postWithKey(ada, "deploy-43", "deploying build 43")
		if other.ID == first.ID {
			t.Errorf("different key replayed the first message")
		}
	})

	t.Run("a key used in another channel is refused, not replayed", func(t *testing.T) {
		other := ada.createChannel("other", false)
		res := ada.withHeader("Idempotency-Key", "deploy-42").do("POST", channelPath(other.ID, "/messages"), map[string]any{"text": "elsewhere"})
		wantError(t, res, http.StatusBadRequest, "invalid_idempotency_key")
		if n := len(ada.messages(other.ID, "").Items); n != 0 {
			t.Errorf("other channel holds %d messages", n)
		}
	})

	t.Run("concurrent retries create one message", func(t *testing.T) {
		const n = 8
		ids := make(chan int64, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				req, _ := http.NewRequest("POST", ts.URL+channelPath(ch.ID, "/messages"), strings.NewReader(`{"text":"once"}`))
				req.Header.Set("Authorization", "Bearer "+ada.Token)
				req.Header.Set("Idempotency-Key", "race-1")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					ids <- 0
					return
				}
				defer res.Body.Close()
				var m channels.Message
				if res.StatusCode != http.StatusCreated || json.NewDecoder(res.Body).Decode(&m) != nil {
					ids <- 0
					return
				}
				ids <- m.ID
			})
		}
		wg.Wait()
		close(ids)
		var first int64
		for id := range ids {
			if id == 0 || first != 0 && id != first {
				t.Fatalf("concurrent retries answered ids %d and %d", first, id)
			}
			first = id
		}
		count := 0
		for _, m := range ada.messages(ch.ID, "").Items {
			if m.Text == "once" {
				count++
			}
		}
		if count != 1 {
			t.Errorf("%d messages from %d concurrent retries, want 1", count, n)
		}
	})

	t.Run("without a key every post is new", func(t *testing.T) {
		a, b := ada.post(ch.ID, "same", 0), ada.post(ch.ID, "same", 0)
		if a.ID == b.ID {
			t.Errorf("two posts without a key share id %d", a.ID)
		}
	})

	t.Run("a key over 255 characters is 400", func(t *testing.T) {
		res := ada.withHeader("Idempotency-Key", strings.Repeat("k", 256)).do("POST", channelPath(ch.ID, "/messages"), map[string]any{"text": "x"})
		wantError(t, res, http.StatusBadRequest, "invalid_idempotency_key")
	})
}

func TestAPI_Mentions(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	carol := ts.signup("carol")
	ch := ada.createChannel("general", false)

	tests := []struct {
		name    string
		text    string
		markup  string
		users   []int64
		channel bool
		here    bool
	}{
		{"a username", "hi @bob", "", []int64{bob.User.ID}, false, false},
		{"two usernames once each", "@bob and @carol, @bob again", "", []int64{bob.User.ID, carol.User.ID}, false, false},
		{"a username before punctuation", "thanks @carol.", "", []int64{carol.User.ID}, false, false},
		{"@channel", "@channel deploy at noon", "", []int64{}, true, false},
		{"@everyone", "@everyone look", "", []int64{}, true, false},
		{"@here", "@here standup", "", []int64{}, false, true},
		{"an unknown name", "hello @nobody", "", []int64{}, false, false},
		{"an e-mail address", "write to bob@example.com", "", []int64{}, false, false},
		{"Slack's forms in mrkdwn", fmt.Sprintf("<@%d> <!here>", bob.User.ID), "mrkdwn", []int64{bob.User.ID}, false, true},
		{"Slack's channel form in mrkdwn", "<!channel> heads up", "mrkdwn", []int64{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m channels.Message
			ada.mustJSON(http.StatusCreated, "POST", channelPath(ch.ID, "/messages"), map[string]any{"text": tt.text, "markup": tt.markup}, &m)
			for _, got := range []channels.Mentions{m.Mentions, ada.getMessage(m.ID).Mentions} {
				if !slices.Equal(got.UserIDs, tt.users) || got.Channel != tt.channel || got.Here != tt.here {
					t.Errorf("mentions = %+v, want users %v channel %v here %v", got, tt.users, tt.channel, tt.here)
				}
			}
		})
	}
}
