package channels

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// TestImportMessages pins the bulk import: messages keep their author,
// channel, time and thread; each has its message.created event and its
// mentions; a bad batch stores nothing.
func TestImportMessages(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	alice, bob := actor(t, s, "alice"), actor(t, s, "bob")
	general, err := s.CreateChannel(ctx, alice, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateChannel(ctx, alice, NewChannel{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	head0, _, err := s.Log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}

	ids, err := s.ImportMessages(ctx, []ImportedMessage{
		{ChannelID: general.ID, UserID: alice.ID, Text: "the root", CreatedAt: 1_000},
		{ChannelID: general.ID, UserID: bob.ID, Text: "a reply for @alice", CreatedAt: 2_000, Root: 1},
		{ChannelID: other.ID, UserID: bob.ID, Text: "elsewhere", Markup: MarkupMrkdwn, CreatedAt: 3_000},
	})
	if err != nil || len(ids) != 3 {
		t.Fatalf("import: %v, %v", ids, err)
	}
	root, err := s.message(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	reply, err := s.message(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if root.CreatedAt != 1_000 || root.UserID != alice.ID || root.ReplyCount != 1 || root.Markup != MarkupMarkdown {
		t.Errorf("root %+v", root)
	}
	if reply.ThreadID == nil || *reply.ThreadID != ids[0] || reply.UserID != bob.ID || reply.CreatedAt != 2_000 ||
		len(reply.Mentions.UserIDs) != 1 || reply.Mentions.UserIDs[0] != alice.ID {
		t.Errorf("reply %+v", reply)
	}
	events, err := s.Log.All(ctx, head0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var created []int64
	for _, ev := range events {
		if ev.Type == EventMessageCreated {
			var m Message
			if err := json.Unmarshal(ev.Data, &m); err != nil {
				t.Fatal(err)
			}
			created = append(created, m.ID)
		}
	}
	if len(created) != 3 || created[0] != ids[0] || created[2] != ids[2] {
		t.Errorf("message.created events for %v, imported %v", created, ids)
	}
	// A reply to a stored root names it by id.
	more, err := s.ImportMessages(ctx, []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: "later", ThreadID: ids[0], CreatedAt: 4_000}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountMessages(ctx, general.ID); err != nil || n != 3 {
		t.Errorf("general holds %d messages (%v), want 3 (imported %v)", n, err, more)
	}

	for _, tc := range []struct {
		name     string
		batch    []ImportedMessage
		notFound bool // else refused as invalid input
	}{
		{"root later in the batch", []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: "a", Root: 1}}, false},
		{"root and thread id", []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: "a"},
			{ChannelID: general.ID, UserID: alice.ID, Text: "b", Root: 1, ThreadID: ids[0]}}, false},
		{"root in another channel", []ImportedMessage{{ChannelID: other.ID, UserID: alice.ID, Text: "a", ThreadID: ids[0]}}, true},
		{"a reply as root", []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: "a", ThreadID: ids[1]}}, true},
		{"empty text", []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: " "}}, false},
		{"unknown markup", []ImportedMessage{{ChannelID: general.ID, UserID: alice.ID, Text: "a", Markup: "html"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each bad batch starts with a good message that must not stay.
			batch := append([]ImportedMessage{{ChannelID: other.ID, UserID: alice.ID, Text: "first"}}, tc.batch...)
			for i := range batch[1:] {
				if batch[i+1].Root > 0 {
					batch[i+1].Root++
				}
			}
			_, err := s.ImportMessages(ctx, batch)
			var invalid *InputError
			if tc.notFound && !errors.Is(err, ErrNotFound) || !tc.notFound && !errors.As(err, &invalid) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if n, _ := s.CountMessages(ctx, other.ID); n != 1 {
				t.Errorf("other holds %d messages after a refused batch, want 1", n)
			}
		})
	}
}
