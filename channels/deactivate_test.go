package channels

import (
	"context"
	"errors"
	"testing"
)

// TestService_NothingPostedAsDeactivated: an actor that authenticated before
// its account was deactivated (a cached token, a response URL, a webhook
// holding the author) can no longer post or edit.
func TestService_NothingPostedAsDeactivated(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	admin := actor(t, s, "root")
	ana := actor(t, s, "ana")
	ch, err := s.CreateChannel(ctx, ana, NewChannel{Name: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: "before"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetActive(ctx, admin, ana.ID, false); err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		var e *Error
		if !errors.As(err, &e) || e.Code != "account_deactivated" || !errors.Is(err, ErrForbidden) {
			t.Errorf("%s as a deactivated author: %v, want account_deactivated", what, err)
		}
	}
	_, _, err = s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: "after"})
	check("post", err)
	text := "edited after"
	_, err = s.EditMessage(ctx, ana, m.ID, MessageEdit{Text: &text})
	check("edit", err)
}
