package channels

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/channels/sqlite"
)

// TestMessageIDAt pins the lookup behind a Slack ts: a channel, the second
// a message was posted and its id modulo a million (or exactly) name that
// message, past id 999,999 too, and nothing else.
func TestMessageIDAt(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ana := actor(t, s, "ana")
	general, err := s.CreateChannel(ctx, ana, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateChannel(ctx, ana, NewChannel{Name: "other"})
	if err != nil {
		t.Fatal(err)
	}
	small, _, err := s.PostMessage(ctx, ana, general.ID, NewMessage{Text: "early"})
	if err != nil {
		t.Fatal(err)
	}
	// A message elsewhere moves the ids past two million.
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT INTO messages (id, channel_id, user_id, text, markup, created_at) VALUES (2000041, ?, ?, 'x', 'markdown', 0)`,
			other.ID, ana.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	big, _, err := s.PostMessage(ctx, ana, general.ID, NewMessage{Text: "late"})
	if err != nil || big.ID != 2000042 {
		t.Fatalf("posted %+v, %v", big, err)
	}
	const mod = 1_000_000
	for _, tt := range []struct {
		name                         string
		channel, second, id, modulus int64
		want                         int64
	}{
		{"a small id", general.ID, small.CreatedAt / 1000, small.ID, mod, small.ID},
		{"a large id by its residue", general.ID, big.CreatedAt / 1000, 42, mod, big.ID},
		{"a large id exactly", general.ID, big.CreatedAt / 1000, big.ID, 0, big.ID},
		{"another second", general.ID, big.CreatedAt/1000 + 1, 42, mod, 0},
		{"another channel", other.ID, big.CreatedAt / 1000, 42, mod, 0},
		{"no such residue", general.ID, big.CreatedAt / 1000, 43, mod, 0},
		{"a residue out of range", general.ID, big.CreatedAt / 1000, mod + 42, mod, 0},
	} {
		got, err := s.MessageIDAt(ctx, tt.channel, tt.second, tt.id, tt.modulus)
		if err != nil || got != tt.want {
			t.Errorf("%s: MessageIDAt = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}
