package channels

import (
	"context"
	"errors"
	"testing"

	"github.com/parley-chat/parley/channels/sqlite"
)

func TestService_Notify(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ann := actor(t, s, "ann")
	bob := actor(t, s, "bob")

	first, err := s.Notify(ctx, ann.ID, "your webhook *deploys* was disabled")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Notify(ctx, ann.ID, "and again")
	if err != nil {
		t.Fatal(err)
	}
	if first.ChannelID != second.ChannelID {
		t.Fatalf("notices went to two conversations: %d and %d", first.ChannelID, second.ChannelID)
	}
	if first.Markup != MarkupMrkdwn {
		t.Errorf("markup = %q, want mrkdwn", first.Markup)
	}

	bot, err := s.SystemBot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bot.Username != SystemBotUsername || bot.Kind != KindBot || first.UserID != bot.ID {
		t.Fatalf("system bot = %+v, message author %d", bot, first.UserID)
	}

	msgs, _, err := s.Messages(ctx, ann, first.ChannelID, Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("ann sees %d notices, want 2", len(msgs))
	}
	// The notice is a DM: nobody else reads it.
	if _, _, err := s.Messages(ctx, bob, first.ChannelID, Page{Limit: 10}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("bob reading ann's notices: err = %v, want not found", err)
	}
}

func TestService_SystemBotNameTaken(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	// A workspace from before the name was reserved may have a person
	// called parley.
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT INTO users (username, kind, created_at, updated_at) VALUES ('parley', 'person', 1, 1)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	bot, err := s.SystemBot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bot.Username != "parley-bot" {
		t.Fatalf("system bot username = %q, want parley-bot", bot.Username)
	}
	// A second Service over the same database finds the same bot.
	again, err := New(s.db, s.log, s.opts).SystemBot(ctx)
	if err != nil || again.ID != bot.ID {
		t.Fatalf("second lookup = %+v, %v; want id %d", again, err, bot.ID)
	}
}

func TestService_SignupCannotTakeSystemBotName(t *testing.T) {
	s := newTestService(t)
	_, _, err := s.Signup(context.Background(), SignupInput{Username: SystemBotUsername, Password: "password-parley"})
	var e *InputError
	if !errors.As(err, &e) || e.Code != "invalid_username" {
		t.Fatalf("signup as %q: err = %v, want invalid_username", SystemBotUsername, err)
	}
}
