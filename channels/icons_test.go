package channels

import (
	"context"
	"errors"
	"testing"
)

// TestAuthorIcon pins the author's own icon the core shows on messages
// that set none: a bot's, set at creation and by SetBotIcon; none for
// people or unknown ids.
func TestAuthorIcon(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ana := actor(t, s, "ana")
	bot, _, _, err := s.CreateBot(ctx, NewBot{Username: "ci", IconEmoji: ":robot_face:", Scopes: []string{ScopeChatWrite}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name           string
		id             int64
		emoji, iconURL string
	}{
		{"a bot", bot.ID, "robot_face", ""},
		{"a person", ana.ID, "", ""},
		{"nobody", 1 << 40, "", ""},
	} {
		if emoji, u := s.authorIcon(ctx, tt.id); emoji != tt.emoji || u != tt.iconURL {
			t.Errorf("authorIcon(%s) = %q, %q; want %q, %q", tt.name, emoji, u, tt.emoji, tt.iconURL)
		}
	}

	const url = "https://example.com/ci.png"
	if err := s.SetBotIcon(ctx, bot.ID, "", url); err != nil {
		t.Fatal(err)
	}
	if emoji, u := s.authorIcon(ctx, bot.ID); emoji != "" || u != url {
		t.Errorf("after SetBotIcon: %q, %q", emoji, u)
	}
	// Stored, not only cached: a service opened anew reads the same.
	fresh := New(s.db, s.log, s.opts)
	if emoji, u := fresh.authorIcon(ctx, bot.ID); emoji != "" || u != url {
		t.Errorf("stored icon %q, %q", emoji, u)
	}
	if err := s.SetBotIcon(ctx, ana.ID, "tada", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("a person's icon set: %v", err)
	}
	var invalid *InputError
	if err := s.SetBotIcon(ctx, bot.ID, "", "ftp://example.com/x.png"); !errors.As(err, &invalid) {
		t.Errorf("an ftp icon accepted: %v", err)
	}
}

// TestBotAccounts: the core's view of bots is their users and icons; people
// and unknown ids are left out.
func TestBotAccounts(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ana := actor(t, s, "ana")
	bot, _, _, err := s.CreateBot(ctx, NewBot{Username: "ci", DisplayName: "CI", IconURL: "https://example.com/ci.png",
		Scopes: []string{ScopeChatWrite}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.BotAccounts(ctx, []int64{bot.ID, ana.ID, 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	b := got[bot.ID]
	if len(got) != 1 || b == nil || b.Username != "ci" || b.DisplayName != "CI" || b.IconURL != "https://example.com/ci.png" ||
		b.IconEmoji != "" || b.Kind != KindBot {
		t.Fatalf("bot accounts %+v", got)
	}
	if none, err := s.BotAccounts(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("no ids: %v, %v", none, err)
	}
}
