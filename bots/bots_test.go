package bots

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// TestBotCreate_WhoMay pins who may create bots: admins always, other people
// only when the server lets users create bots, bot tokens never.
func TestBotCreate_WhoMay(t *testing.T) {
	tests := []struct {
		name           string
		usersMayCreate bool
		who            string // admin, person or bot
		wantCode       string
	}{
		{"an admin", false, "admin", ""},
		{"a person", false, "person", "admin_only"},
		{"a person when users may create bots", true, "person", ""},
		{"a bot token", false, "bot", "bots_cannot_create_bots"},
		{"a bot token when users may create bots", true, "bot", "bots_cannot_create_bots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t, Options{UsersCanCreateBots: tt.usersMayCreate})
			admin := e.person("root")
			caller := map[string]*channels.Actor{"admin": admin, "person": e.person("ana")}[tt.who]
			if tt.who == "bot" {
				_, caller = e.bot(admin, "maker", channels.AllScopes...)
			}
			before, _ := e.bots.List(ctx, admin)
			b, tok, secret, err := e.bots.Create(ctx, caller, NewBot{Username: "ci"})
			after, _ := e.bots.List(ctx, admin)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				if len(after) != len(before) {
					t.Errorf("refused creation left %d bots, want %d", len(after), len(before))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.OwnerID != caller.ID || tok.UserID != b.ID || secret == "" {
				t.Errorf("bot %+v, token %+v: want owned by %d with a token", b, tok, caller.ID)
			}
			if len(after) != len(before)+1 {
				t.Errorf("%d bots after creating one, want %d", len(after), len(before)+1)
			}
		})
	}
}

// TestBotCreate_Input pins what a new bot may be called and carry.
func TestBotCreate_Input(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	admin := e.person("root")
	e.person("ana")
	e.bot(admin, "ci")

	tests := []struct {
		name     string
		in       NewBot
		wantCode string
	}{
		{"spaces inside", NewBot{Username: "Bad Name"}, "invalid_username"},
		{"upper case", NewBot{Username: "CI2"}, "invalid_username"},
		{"empty", NewBot{Username: ""}, "invalid_username"},
		{"too long", NewBot{Username: strings.Repeat("b", 33)}, "invalid_username"},
		{"reserved: the system bot", NewBot{Username: channels.SystemBotUsername}, "invalid_username"},
		{"reserved: a mention", NewBot{Username: "here"}, "invalid_username"},
		{"a person's name", NewBot{Username: "ana"}, "username_taken"},
		{"another bot's name", NewBot{Username: "ci"}, "username_taken"},
		{"unknown scope", NewBot{Username: "b1", Scopes: []string{"chat:write", "root:all"}}, "invalid_scope"},
		{"script icon url", NewBot{Username: "b2", IconURL: "javascript:alert(1)"}, "invalid_icon_url"},
		{"icon url without host", NewBot{Username: "b3", IconURL: "https://"}, "invalid_icon_url"},
		{"unknown icon emoji", NewBot{Username: "b4", IconEmoji: "not an emoji"}, "invalid_icon_emoji"},
		{"display name too long", NewBot{Username: "b5", DisplayName: strings.Repeat("é", 81)}, "invalid_display_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := e.bots.Create(ctx, admin, tt.in)
			wantCode(t, err, tt.wantCode)
		})
	}
	if list, _ := e.bots.List(ctx, admin); len(list) != 1 {
		t.Errorf("refused creations left bots %+v, want only ci", list)
	}

	t.Run("accepted input is normalised", func(t *testing.T) {
		b, tok, secret, err := e.bots.Create(ctx, admin, NewBot{Username: " deploy ", DisplayName: " Deploy ",
			IconEmoji: ":robot_face:", IconURL: "https://example.com/i.png",
			Scopes: []string{channels.ScopeUsersRead, channels.ScopeChatWrite, channels.ScopeUsersRead}})
		if err != nil {
			t.Fatal(err)
		}
		if b.Username != "deploy" || b.DisplayName != "Deploy" || b.IconEmoji != "robot_face" || b.IconURL != "https://example.com/i.png" {
			t.Errorf("bot = %+v", b)
		}
		wantScopes := []string{channels.ScopeChatWrite, channels.ScopeUsersRead} // deduplicated, documentation order
		if tok.Name != "default" || !slices.Equal(tok.Scopes, wantScopes) {
			t.Errorf("first token = %+v, want default with %v", tok, wantScopes)
		}
		if !strings.HasPrefix(secret, channels.PrefixBot) {
			t.Errorf("secret %q lacks %s", secret, channels.PrefixBot)
		}
		a := e.authenticate(secret)
		if a.ID != b.ID || a.Kind != channels.KindBot || !slices.Equal(a.Scopes, wantScopes) {
			t.Errorf("the secret authenticates as %+v, want the bot with %v", a, wantScopes)
		}
		got, err := e.bots.Get(ctx, admin, b.ID)
		if err != nil || *got != *b {
			t.Errorf("stored bot = %+v, %v; want %+v", got, err, b)
		}
	})
}

// TestBotCreateFor pins the admin CLI's rule: a bot's owner is a person.
func TestBotCreateFor(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	admin := e.person("root")
	ana := e.person("ana")
	e.bot(admin, "ci")

	b, _, _, err := e.bots.CreateFor(ctx, "ana", NewBot{Username: "anabot"})
	if err != nil {
		t.Fatal(err)
	}
	if b.OwnerID != ana.ID {
		t.Errorf("owner %d, want ana %d", b.OwnerID, ana.ID)
	}
	_, _, _, err = e.bots.CreateFor(ctx, "ci", NewBot{Username: "botbot"})
	wantCode(t, err, "invalid_owner")
	_, _, _, err = e.bots.CreateFor(ctx, "nobody", NewBot{Username: "orphan"})
	wantCode(t, err, "user_not_found")
}

// TestBotManage_OwnerOrAdmin pins who may see and change a bot: its owner and
// admins; anyone else gets 404 as if it did not exist; bot tokens never.
func TestBotManage_OwnerOrAdmin(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{UsersCanCreateBots: true})
	admin := e.person("root")
	ana := e.person("ana")
	ben := e.person("ben")
	_, botToken := e.bot(ana, "helper", channels.AllScopes...)

	ops := []struct {
		name string
		do   func(a *channels.Actor, bot *Bot, tokenID int64) error
		// done reports whether the operation took effect; nil for reads.
		done func(t *testing.T, bot *Bot) bool
	}{
		{"get", func(a *channels.Actor, bot *Bot, _ int64) error {
			_, err := e.bots.Get(ctx, a, bot.ID)
			return err
		}, nil},
		{"list tokens", func(a *channels.Actor, bot *Bot, _ int64) error {
			_, err := e.bots.Tokens(ctx, a, bot.ID)
			return err
		}, nil},
		{"update", func(a *channels.Actor, bot *Bot, _ int64) error {
			name := "Renamed"
			_, err := e.bots.Update(ctx, a, bot.ID, BotPatch{DisplayName: &name})
			return err
		}, func(t *testing.T, bot *Bot) bool {
			b, err := e.bots.Bot(ctx, bot.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b.DisplayName == "Renamed"
		}},
		{"issue token", func(a *channels.Actor, bot *Bot, _ int64) error {
			_, _, err := e.bots.IssueToken(ctx, a, bot.ID, "deploy", nil)
			return err
		}, func(t *testing.T, bot *Bot) bool { return len(botTokens(t, e, bot.ID)) == 2 }},
		{"revoke token", func(a *channels.Actor, bot *Bot, tokenID int64) error {
			return e.bots.RevokeToken(ctx, a, bot.ID, tokenID)
		}, func(t *testing.T, bot *Bot) bool { return len(botTokens(t, e, bot.ID)) == 0 }},
		{"delete", func(a *channels.Actor, bot *Bot, _ int64) error {
			return e.bots.Delete(ctx, a, bot.ID)
		}, func(t *testing.T, bot *Bot) bool {
			b, err := e.bots.Bot(ctx, bot.ID)
			if err != nil {
				t.Fatal(err)
			}
			return b.Deactivated
		}},
	}
	callers := []struct {
		name     string
		actor    *channels.Actor
		wantCode string
	}{
		{"the owner", ana, ""},
		{"an admin", admin, ""},
		{"another person", ben, "bot_not_found"},
		{"a bot token", botToken, "bots_cannot_manage_bots"},
	}
	n := 0
	for _, op := range ops {
		for _, c := range callers {
			t.Run(op.name+" by "+c.name, func(t *testing.T) {
				n++
				bot, tok, _, err := e.bots.Create(ctx, ana, NewBot{Username: fmt.Sprintf("bot%02d", n)})
				if err != nil {
					t.Fatal(err)
				}
				err = op.do(c.actor, bot, tok.ID)
				if c.wantCode == "" && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.wantCode != "" {
					wantCode(t, err, c.wantCode)
				}
				if op.done != nil {
					if done := op.done(t, bot); done != (c.wantCode == "") {
						t.Errorf("took effect: %v, want %v", done, c.wantCode == "")
					}
				}
			})
		}
	}
}

func botTokens(t *testing.T, e *testEnv, botID int64) []channels.Token {
	t.Helper()
	toks, err := e.svc.BotTokens(context.Background(), botID)
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

// TestBotList pins which bots a caller sees: an admin all, a person their own.
func TestBotList(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{UsersCanCreateBots: true})
	admin := e.person("root")
	ana := e.person("ana")
	ben := e.person("ben")
	rootBot, _ := e.bot(admin, "rootbot")
	anaBot, anaToken := e.bot(ana, "anabot", channels.AllScopes...)

	tests := []struct {
		name  string
		actor *channels.Actor
		want  []int64
	}{
		{"an admin", admin, []int64{rootBot.ID, anaBot.ID}},
		{"an owner", ana, []int64{anaBot.ID}},
		{"a person with none", ben, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := e.bots.List(ctx, tt.actor)
			if err != nil {
				t.Fatal(err)
			}
			got := []int64{}
			for _, b := range list {
				got = append(got, b.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
	_, err := e.bots.List(ctx, anaToken)
	wantCode(t, err, "bots_cannot_manage_bots")
}
