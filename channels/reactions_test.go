package channels

import (
	"context"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/channels/sqlite"
)

func TestService_ReactRules(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ana, bob := actor(t, s, "ana"), actor(t, s, "bob")
	ch, err := s.CreateChannel(ctx, ana, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, bob, ch.ID); err != nil {
		t.Fatal(err)
	}
	m, _, err := s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: "ship it?"})
	if err != nil {
		t.Fatal(err)
	}
	// A name stored before names had to be known.
	if err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, 'party-parrot', ?, 1)`, m.ID, bob.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// 22 more make the 23 different reactions a message takes.
	known := []string{"+1", "-1", "smile", "joy", "wink", "blush", "heart_eyes", "thinking_face", "cry", "sob", "eyes",
		"wave", "clap", "pray", "muscle", "heart", "fire", "star", "sparkles", "tada", "x", "warning"}
	for _, e := range known {
		if err := s.React(ctx, ana, m.ID, e, true); err != nil {
			t.Fatalf("react %s: %v", e, err)
		}
	}

	tests := []struct {
		name  string
		who   *Actor
		emoji string
		add   bool
		code  string
	}{
		{"a 24th emoji is refused", ana, "rocket", true, "too_many_reactions"},
		{"the same, as Unicode", bob, "🚀", true, "too_many_reactions"},
		{"one already there takes more people", bob, "tada", true, ""},
		{"adding it again changes nothing", bob, "tada", true, ""},
		{"an unknown name is refused before the cap", ana, "party-parrot-2", true, "invalid_emoji"},
		{"an unknown name cannot be added even where it exists", ana, "party-parrot", true, "invalid_emoji"},
		{"a stored unknown name can be removed", bob, "party-parrot", false, ""},
		{"which makes room for one more", ana, "🚀", true, ""},
		{"and the cap holds again", bob, "rocket::skin-tone-2", true, "too_many_reactions"},
		{"a malformed name is refused when removing too", ana, "<b>", false, "invalid_emoji"},
		{"Unicode removes what it added", ana, "🚀", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.React(ctx, tt.who, m.ID, tt.emoji, tt.add)
			code := ""
			if err != nil {
				code = ToHTTP(err).Code
			}
			if code != tt.code {
				t.Fatalf("React(%q, add=%v) = %v, want code %q", tt.emoji, tt.add, err, tt.code)
			}
		})
	}

	got, err := s.Message(ctx, ana, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, r := range got.Reactions {
		names[r.Emoji] = r.Count
	}
	if len(got.Reactions) != MaxReactionsPerMessage-1 || names["tada"] != 2 || names["party-parrot"] != 0 || names["rocket"] != 0 {
		t.Errorf("reactions = %s", fmt.Sprint(got.Reactions))
	}
}
