package bots

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// TestBotTokens_IssueAndRevoke pins a bot's tokens as service calls: each
// carries its own scopes, revoking one stops it at once and leaves the
// others, and deleting the bot stops them all.
func TestBotTokens_IssueAndRevoke(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	admin := e.person("root")
	bot, first, firstSecret, err := e.bots.Create(ctx, admin, NewBot{Username: "ci", Scopes: []string{channels.ScopeChannelsRead}})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.bot(admin, "other")

	tok, secret, err := e.bots.IssueToken(ctx, admin, bot.ID, " deploy ", []string{channels.ScopeChatWrite})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "deploy" || !slices.Equal(tok.Scopes, []string{channels.ScopeChatWrite}) {
		t.Errorf("issued %+v", tok)
	}
	if a := e.authenticate(secret); a.ID != bot.ID || !slices.Equal(a.Scopes, []string{channels.ScopeChatWrite}) {
		t.Errorf("the new token authenticates as %d with %v", a.ID, a.Scopes)
	}
	for _, tt := range []struct {
		name, tokenName string
		scopes          []string
		wantCode        string
	}{
		{"no name", " ", nil, "invalid_name"},
		{"a name too long", strings.Repeat("n", 101), nil, "invalid_name"},
		{"an unknown scope", "x", []string{"nope"}, "invalid_scope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.bots.IssueToken(ctx, admin, bot.ID, tt.tokenName, tt.scopes)
			wantCode(t, err, tt.wantCode)
		})
	}
	if toks, _ := e.bots.Tokens(ctx, admin, bot.ID); len(toks) != 2 || toks[0].ID != first.ID || toks[1].ID != tok.ID {
		t.Fatalf("tokens = %+v, want the first and deploy", toks)
	}

	// A token is revoked through its own bot only.
	wantCode(t, e.bots.RevokeToken(ctx, admin, other.ID, tok.ID), "token_not_found")
	e.authenticate(secret)
	if err := e.bots.RevokeToken(ctx, admin, bot.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, secret); !errors.Is(err, channels.ErrUnauthenticated) {
		t.Errorf("revoked token: %v, want unauthenticated", err)
	}
	e.authenticate(firstSecret) // the other token still works
	wantCode(t, e.bots.RevokeToken(ctx, admin, bot.ID, tok.ID), "token_not_found")

	// Deleting the bot deactivates it and kills every token; it stays listed.
	if err := e.bots.Delete(ctx, admin, bot.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, firstSecret); !errors.Is(err, channels.ErrUnauthenticated) {
		t.Errorf("token of a deleted bot: %v, want unauthenticated", err)
	}
	_, _, err = e.bots.IssueToken(ctx, admin, bot.ID, "again", nil)
	wantCode(t, err, "bot_deactivated")
	if b, err := e.bots.Get(ctx, admin, bot.ID); err != nil || !b.Deactivated {
		t.Errorf("deleted bot = %+v, %v; want deactivated", b, err)
	}
}

// TestOwnedBots pins the owner index the core uses on deactivation: a
// person's bots stop working with them and come back with them, unless
// the server keeps them, and a bot deleted on its own stays deleted.
func TestOwnedBots(t *testing.T) {
	for _, keep := range []bool{false, true} {
		name := "disabled with their owner"
		if keep {
			name = "kept when the server keeps them"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t, Options{UsersCanCreateBots: true}, func(o *channels.Options) { o.KeepBotsOfDeactivated = keep })
			admin := e.person("root")
			ana := e.person("ana")
			ben := e.person("ben")
			a1, _, a1Secret, _ := e.bots.Create(ctx, ana, NewBot{Username: "ana1"})
			a2, _, _, _ := e.bots.Create(ctx, ana, NewBot{Username: "ana2"})
			b1, _, b1Secret, _ := e.bots.Create(ctx, ben, NewBot{Username: "ben1"})

			owned := map[int64][]int64{}
			err := e.db.Write(ctx, func(tx *sqlite.Tx) error {
				for _, p := range []*channels.Actor{admin, ana, ben} {
					ids, err := OwnedBots(tx, p.ID)
					if err != nil {
						return err
					}
					owned[p.ID] = ids
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for who, want := range map[*channels.Actor][]int64{admin: {}, ana: {a1.ID, a2.ID}, ben: {b1.ID}} {
				if !slices.Equal(owned[who.ID], want) {
					t.Errorf("OwnedBots(%s) = %v, want %v", who.Username, owned[who.ID], want)
				}
			}

			if err := e.bots.Delete(ctx, ana, a2.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.SetActive(ctx, admin, ana.ID, false); err != nil {
				t.Fatal(err)
			}
			works := func(secret string) bool { _, err := e.svc.Authenticate(ctx, secret); return err == nil }
			if works(a1Secret) != keep {
				t.Errorf("ana's bot works while she is deactivated: %v, want %v", works(a1Secret), keep)
			}
			if !works(b1Secret) {
				t.Error("ben's bot stopped with ana")
			}
			if _, err := e.svc.SetActive(ctx, admin, ana.ID, true); err != nil {
				t.Fatal(err)
			}
			if !works(a1Secret) {
				t.Error("ana's bot did not come back with her")
			}
			if b, _ := e.bots.Bot(ctx, a2.ID); !b.Deactivated {
				t.Error("the bot ana deleted came back with her")
			}
		})
	}
}
