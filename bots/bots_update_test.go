package bots

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// TestBotUpdate pins what PATCH changes: a refused patch changes nothing.
func TestBotUpdate(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	admin := e.person("root")
	bot, _, _, err := e.bots.Create(ctx, admin, NewBot{Username: "ci", DisplayName: "CI", IconEmoji: "robot_face"})
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	tests := []struct {
		name     string
		patch    BotPatch
		wantCode string
		want     Bot // display name and icon after
	}{
		{"nothing", BotPatch{}, "", Bot{DisplayName: "CI", IconEmoji: "robot_face"}},
		{"display name", BotPatch{DisplayName: str(" Builds ")}, "", Bot{DisplayName: "Builds", IconEmoji: "robot_face"}},
		{"icon emoji with colons", BotPatch{IconEmoji: str(":rocket:")}, "", Bot{DisplayName: "Builds", IconEmoji: "rocket"}},
		{"icon url", BotPatch{IconURL: str("https://example.com/a.png")}, "", Bot{DisplayName: "Builds", IconEmoji: "rocket", IconURL: "https://example.com/a.png"}},
		{"a bad icon with a name", BotPatch{DisplayName: str("Never"), IconURL: str("ftp://x/y")}, "invalid_icon_url",
			Bot{DisplayName: "Builds", IconEmoji: "rocket", IconURL: "https://example.com/a.png"}},
		{"a bad emoji", BotPatch{IconEmoji: str("no such emoji")}, "invalid_icon_emoji",
			Bot{DisplayName: "Builds", IconEmoji: "rocket", IconURL: "https://example.com/a.png"}},
		{"display name too long", BotPatch{DisplayName: str(strings.Repeat("x", 81))}, "invalid_display_name",
			Bot{DisplayName: "Builds", IconEmoji: "rocket", IconURL: "https://example.com/a.png"}},
		{"clearing the icons", BotPatch{IconEmoji: str(""), IconURL: str("")}, "", Bot{DisplayName: "Builds"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.bots.Update(ctx, admin, bot.ID, tt.patch)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
			} else if err != nil {
				t.Fatal(err)
			}
			got, err := e.bots.Bot(ctx, bot.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.DisplayName != tt.want.DisplayName || got.IconEmoji != tt.want.IconEmoji || got.IconURL != tt.want.IconURL {
				t.Errorf("after: %q %q %q, want %q %q %q", got.DisplayName, got.IconEmoji, got.IconURL,
					tt.want.DisplayName, tt.want.IconEmoji, tt.want.IconURL)
			}
		})
	}
}

// TestAuthorIcon pins a bot's own icon as the default of its messages:
// people have none, an override wins, and a changed icon shows at once.
func TestAuthorIcon(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	admin := e.person("root")
	general := e.channel(admin, "general", false)
	bot, _, secret, err := e.bots.Create(ctx, admin, NewBot{Username: "ci", IconEmoji: "robot_face",
		Scopes: []string{channels.ScopeChatWrite, channels.ScopeChatWriteCustomize}})
	if err != nil {
		t.Fatal(err)
	}
	botActor := e.authenticate(secret)
	if err := e.svc.AddMember(ctx, admin, general.ID, bot.ID); err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.svc.PostMessage(ctx, botActor, general.ID, channels.NewMessage{Text: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	custom, _, err := e.svc.PostMessage(ctx, botActor, general.ID, channels.NewMessage{Text: "custom", IconEmoji: "tada"})
	if err != nil {
		t.Fatal(err)
	}
	human, _, err := e.svc.PostMessage(ctx, admin, general.ID, channels.NewMessage{Text: "human"})
	if err != nil {
		t.Fatal(err)
	}

	icons := func() map[int64]string {
		msgs, _, err := e.svc.Messages(ctx, admin, general.ID, channels.Page{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, m := range msgs {
			out[m.ID] = m.IconEmoji + "|" + m.IconURL
		}
		return out
	}
	want := map[int64]string{plain.ID: "robot_face|", custom.ID: "tada|", human.ID: "|"}
	if got := icons(); !maps.Equal(got, want) {
		t.Errorf("icons %v, want %v", got, want)
	}
	// A new icon shows on the bot's earlier messages too, not on overrides.
	icon := "https://example.com/bot.png"
	empty := ""
	if _, err := e.bots.Update(ctx, admin, bot.ID, BotPatch{IconEmoji: &empty, IconURL: &icon}); err != nil {
		t.Fatal(err)
	}
	want[plain.ID] = "|" + icon
	if got := icons(); !maps.Equal(got, want) {
		t.Errorf("after the update: icons %v, want %v", got, want)
	}
}
