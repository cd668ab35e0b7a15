package bots

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// registryWorld is what the command registry tests act on: an admin, ana
// who owns a bot (and a deleted one), ben who owns none, and a bot token.
type registryWorld struct {
	e                    *testEnv
	cmds                 *Commands
	admin, ana, ben      *channels.Actor
	anaBot, goneBot      *Bot
	rootBot              *Bot
	botToken             *channels.Actor
	personID, unknownBot int64
	triggers             int
}

func newRegistryWorld(t *testing.T) *registryWorld {
	t.Helper()
	ctx := context.Background()
	e := newTestEnv(t, Options{UsersCanCreateBots: true})
	w := &registryWorld{e: e, cmds: e.commands(CommandsOptions{})}
	w.admin = e.person("root")
	w.ana = e.person("ana")
	w.ben = e.person("ben")
	w.anaBot, w.botToken = e.bot(w.ana, "anabot", channels.AllScopes...)
	w.goneBot, _ = e.bot(w.ana, "gonebot")
	if err := e.bots.Delete(ctx, w.ana, w.goneBot.ID); err != nil {
		t.Fatal(err)
	}
	w.rootBot, _ = e.bot(w.admin, "rootbot")
	w.personID, w.unknownBot = w.ben.ID, 1<<40
	return w
}

// register creates a command for ana's bot as ana, with a fresh trigger.
func (w *registryWorld) register(t *testing.T) *Command {
	t.Helper()
	w.triggers++
	cmd, _, err := w.cmds.Create(context.Background(), w.ana, CommandInput{Trigger: ptr(fmt.Sprintf("cmd%d", w.triggers)),
		URL: ptr("https://example.com/hook"), BotID: ptr(w.anaBot.ID)})
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func ptr[T any](v T) *T { return &v }

// TestCommandCreate_Rules pins what a bot-owned command may be: its
// trigger, URL, method, texts, and a bot the caller manages.
func TestCommandCreate_Rules(t *testing.T) {
	ctx := context.Background()
	w := newRegistryWorld(t)
	valid := func(change func(*CommandInput)) CommandInput {
		in := CommandInput{Trigger: ptr("deploy"), URL: ptr("https://example.com/hook"), BotID: ptr(w.anaBot.ID)}
		if change != nil {
			change(&in)
		}
		return in
	}
	tests := []struct {
		name     string
		actor    *channels.Actor
		in       CommandInput
		wantCode string
	}{
		{"an empty trigger", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("") }), "missing_trigger"},
		{"an empty url", w.ana, valid(func(in *CommandInput) { in.URL = ptr("") }), "missing_url"},
		{"no trigger", w.ana, valid(func(in *CommandInput) { in.Trigger = nil }), "missing_trigger"},
		{"no url", w.ana, valid(func(in *CommandInput) { in.URL = nil }), "missing_url"},
		{"no bot", w.ana, valid(func(in *CommandInput) { in.BotID = nil }), "missing_bot_id"},
		{"a trigger with a space", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("de ploy") }), "invalid_trigger"},
		{"a trigger with punctuation", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("deploy!") }), "invalid_trigger"},
		{"a trigger too long", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr(strings.Repeat("d", 33)) }), "invalid_trigger"},
		{"a slash alone", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("/") }), "invalid_trigger"},
		{"a built-in", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("help") }), "trigger_reserved"},
		{"a built-in, typed with a slash", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("/Remind") }), "trigger_reserved"},
		{"/search without a search backend", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("search") }), "trigger_reserved"},
		{"a relative url", w.ana, valid(func(in *CommandInput) { in.URL = ptr("/hook") }), "invalid_url"},
		{"an ftp url", w.ana, valid(func(in *CommandInput) { in.URL = ptr("ftp://example.com/hook") }), "invalid_url"},
		{"a url without host", w.ana, valid(func(in *CommandInput) { in.URL = ptr("https://") }), "invalid_url"},
		{"a url too long", w.ana, valid(func(in *CommandInput) { in.URL = ptr("https://example.com/" + strings.Repeat("a", 2000)) }), "invalid_url"},
		{"method PUT", w.ana, valid(func(in *CommandInput) { in.Method = ptr("PUT") }), "invalid_method"},
		{"a description too long", w.ana, valid(func(in *CommandInput) { in.Description = ptr(strings.Repeat("é", 129)) }), "invalid_description"},
		{"a usage hint too long", w.ana, valid(func(in *CommandInput) { in.UsageHint = ptr(strings.Repeat("é", 129)) }), "invalid_usage_hint"},
		{"someone else's bot", w.ana, valid(func(in *CommandInput) { in.BotID = ptr(w.rootBot.ID) }), "bot_not_found"},
		{"a person for a bot", w.ana, valid(func(in *CommandInput) { in.BotID = ptr(w.personID) }), "bot_not_found"},
		{"no such bot", w.ana, valid(func(in *CommandInput) { in.BotID = ptr(w.unknownBot) }), "bot_not_found"},
		{"a deleted bot", w.ana, valid(func(in *CommandInput) { in.BotID = ptr(w.goneBot.ID) }), "bot_deactivated"},
		{"by a person who manages no bot", w.ben, valid(nil), "bot_not_found"},
		{"by a bot token", w.botToken, valid(nil), "bots_cannot_manage_bots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := w.cmds.Create(ctx, tt.actor, tt.in)
			wantCode(t, err, tt.wantCode)
		})
	}
	if list, _ := w.cmds.Managed(ctx, w.admin); len(list) != 0 {
		t.Fatalf("refused registrations stored %+v", list)
	}

	accepted := []struct {
		name  string
		actor *channels.Actor
		in    CommandInput
		want  Command // trigger, method, description, usage hint, bot
	}{
		{"trigger and method normalised", w.ana, valid(func(in *CommandInput) {
			in.Trigger, in.Method, in.Description, in.UsageHint = ptr(" /Deploy "), ptr(" g "), ptr(" Ship it "), ptr(" [env] ")
		}), Command{Trigger: "deploy", Method: "GET", Description: "Ship it", UsageHint: "[env]", BotID: w.anaBot.ID}},
		{"POST by default", w.ana, valid(func(in *CommandInput) { in.Trigger = ptr("build_2-x") }),
			Command{Trigger: "build_2-x", Method: "POST", BotID: w.anaBot.ID}},
		{"an empty method is POST", w.ana, valid(func(in *CommandInput) { in.Trigger, in.Method = ptr("b"), ptr("") }),
			Command{Trigger: "b", Method: "POST", BotID: w.anaBot.ID}},
		{"an admin for someone's bot", w.admin, valid(func(in *CommandInput) { in.Trigger = ptr("by-admin") }),
			Command{Trigger: "by-admin", Method: "POST", BotID: w.anaBot.ID}},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			cmd, secret, err := w.cmds.Create(ctx, tt.actor, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if cmd.Trigger != tt.want.Trigger || cmd.Method != tt.want.Method || cmd.Description != tt.want.Description ||
				cmd.UsageHint != tt.want.UsageHint || cmd.BotID != tt.want.BotID || cmd.CreatorID != tt.actor.ID {
				t.Errorf("registered %+v, want %+v by %d", cmd, tt.want, tt.actor.ID)
			}
			if !strings.HasPrefix(secret, "plc_") || cmd.secret != secret || len(cmd.Token) != 26 {
				t.Errorf("secret %q (stored %q), token %q: want a plc_ secret and a 26-character token", secret, cmd.secret, cmd.Token)
			}
		})
	}
}

// TestCommand_TriggersUnique pins that a trigger names one command, by
// creation or by update, whatever the case it is typed in.
func TestCommand_TriggersUnique(t *testing.T) {
	ctx := context.Background()
	w := newRegistryWorld(t)
	first := w.register(t)
	second := w.register(t)
	for _, trig := range []string{first.Trigger, strings.ToUpper(first.Trigger), "/" + first.Trigger} {
		_, _, err := w.cmds.Create(ctx, w.admin, CommandInput{Trigger: ptr(trig), URL: ptr("https://example.com/x"), BotID: ptr(w.rootBot.ID)})
		wantCode(t, err, "trigger_taken")
	}
	_, err := w.cmds.Update(ctx, w.ana, second.ID, CommandInput{Trigger: ptr(first.Trigger)})
	wantCode(t, err, "trigger_taken")
	if got, _ := w.cmds.Get(ctx, w.ana, second.ID); got.Trigger != second.Trigger {
		t.Errorf("refused rename left trigger %q, want %q", got.Trigger, second.Trigger)
	}
	// Renaming a command to its own trigger is no clash.
	if _, err := w.cmds.Update(ctx, w.ana, second.ID, CommandInput{Trigger: ptr(second.Trigger)}); err != nil {
		t.Errorf("update to its own trigger: %v", err)
	}
}

// TestCommand_ManageRules pins who may see, change, re-key and delete a
// command: its bot's owner and admins; others get 404; bot tokens never.
func TestCommand_ManageRules(t *testing.T) {
	ctx := context.Background()
	w := newRegistryWorld(t)
	ops := []struct {
		name string
		do   func(a *channels.Actor, cmd *Command) error
		// done reports whether the operation took effect; nil for reads.
		done func(t *testing.T, cmd *Command) bool
	}{
		{"get", func(a *channels.Actor, cmd *Command) error {
			_, err := w.cmds.Get(ctx, a, cmd.ID)
			return err
		}, nil},
		{"update", func(a *channels.Actor, cmd *Command) error {
			_, err := w.cmds.Update(ctx, a, cmd.ID, CommandInput{Description: ptr("changed")})
			return err
		}, func(t *testing.T, cmd *Command) bool { return w.stored(t, cmd.ID).Description == "changed" }},
		{"rotate secret", func(a *channels.Actor, cmd *Command) error {
			_, _, err := w.cmds.RotateSecret(ctx, a, cmd.ID)
			return err
		}, func(t *testing.T, cmd *Command) bool { return w.stored(t, cmd.ID).secret != cmd.secret }},
		{"delete", func(a *channels.Actor, cmd *Command) error {
			return w.cmds.Delete(ctx, a, cmd.ID)
		}, func(t *testing.T, cmd *Command) bool {
			_, err := w.cmds.command(ctx, cmd.ID)
			return err != nil
		}},
	}
	callers := []struct {
		name     string
		actor    *channels.Actor
		wantCode string
	}{
		{"the bot's owner", w.ana, ""},
		{"an admin", w.admin, ""},
		{"another person", w.ben, "command_not_found"},
		{"a bot token", w.botToken, "bots_cannot_manage_bots"},
	}
	for _, op := range ops {
		for _, c := range callers {
			t.Run(op.name+" by "+c.name, func(t *testing.T) {
				cmd := w.register(t)
				err := op.do(c.actor, cmd)
				if c.wantCode == "" && err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.wantCode != "" {
					wantCode(t, err, c.wantCode)
				}
				if op.done != nil {
					if done := op.done(t, cmd); done != (c.wantCode == "") {
						t.Errorf("took effect: %v, want %v", done, c.wantCode == "")
					}
				}
			})
		}
	}

	t.Run("listing the commands one manages", func(t *testing.T) {
		rootCmd, _, err := w.cmds.Create(ctx, w.admin, CommandInput{Trigger: ptr("rootcmd"), URL: ptr("https://example.com/r"), BotID: ptr(w.rootBot.ID)})
		if err != nil {
			t.Fatal(err)
		}
		all, err := w.cmds.Managed(ctx, w.admin)
		if err != nil {
			t.Fatal(err)
		}
		anas, err := w.cmds.Managed(ctx, w.ana)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(all, func(c Command) bool { return c.ID == rootCmd.ID }) || len(anas) != len(all)-1 {
			t.Errorf("admin manages %d commands, ana %d: want all, and all but root's", len(all), len(anas))
		}
		for _, c := range anas {
			if c.BotID != w.anaBot.ID {
				t.Errorf("ana is shown /%s of bot %d", c.Trigger, c.BotID)
			}
		}
		if bens, err := w.cmds.Managed(ctx, w.ben); err != nil || len(bens) != 0 {
			t.Errorf("ben manages %+v, %v; want none", bens, err)
		}
		_, err = w.cmds.Managed(ctx, w.botToken)
		wantCode(t, err, "bots_cannot_manage_bots")
	})
}

// stored loads a command as it is stored.
func (w *registryWorld) stored(t *testing.T, id int64) *Command {
	t.Helper()
	cmd, err := w.cmds.command(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestCommand_RotateSecret pins that rotation replaces the signing secret
// (shown once) and leaves the rest of the command as it was.
func TestCommand_RotateSecret(t *testing.T) {
	ctx := context.Background()
	w := newRegistryWorld(t)
	cmd := w.register(t)
	seen := map[string]bool{cmd.secret: true}
	for range 3 {
		rotated, secret, err := w.cmds.RotateSecret(ctx, w.ana, cmd.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seen[secret] || !strings.HasPrefix(secret, "plc_") {
			t.Fatalf("rotated secret %q: want a new plc_ secret", secret)
		}
		seen[secret] = true
		if got := w.stored(t, cmd.ID).secret; got != secret {
			t.Errorf("stored secret %q, want the rotated %q", got, secret)
		}
		if rotated.Token != cmd.Token || rotated.Trigger != cmd.Trigger || rotated.URL != cmd.URL {
			t.Errorf("rotation changed %+v into %+v", cmd, rotated)
		}
	}
}

// TestCommand_Available pins the autocomplete list: every built-in, and
// the commands of active bots, by trigger, in channels the caller can see.
func TestCommand_Available(t *testing.T) {
	ctx := context.Background()
	w := newRegistryWorld(t)
	general := w.e.channel(w.ana, "general", false)
	secret := w.e.channel(w.admin, "secret", true)
	cmd := w.register(t)
	other, _ := w.e.bot(w.ana, "otherbot")
	doomed, _, err := w.cmds.Create(ctx, w.ana, CommandInput{Trigger: ptr("doomed"), URL: ptr("https://example.com/d"), BotID: ptr(other.ID)})
	if err != nil {
		t.Fatal(err)
	}

	triggers := func(list []CommandInfo) []string {
		var out []string
		for _, c := range list {
			out = append(out, c.Trigger)
		}
		return out
	}
	list, err := w.cmds.Available(ctx, w.ben, general.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := triggers(list)
	if !slices.IsSorted(got) {
		t.Errorf("not by trigger: %v", got)
	}
	for _, want := range []string{"help", "remind", "dnd", cmd.Trigger, doomed.Trigger} {
		if !slices.Contains(got, want) {
			t.Errorf("/%s missing from %v", want, got)
		}
	}
	if slices.Contains(got, "search") {
		t.Errorf("/search listed without a search backend: %v", got)
	}
	for _, c := range list {
		switch {
		case c.Trigger == cmd.Trigger:
			if c.BuiltIn || c.BotID == nil || *c.BotID != w.anaBot.ID || c.Owner != "anabot" {
				t.Errorf("registered command shown as %+v", c)
			}
		case c.Trigger == "help":
			if !c.BuiltIn || c.BotID != nil || c.Owner != channels.SystemBotUsername {
				t.Errorf("built-in shown as %+v", c)
			}
		}
	}

	// A deleted bot's commands are no longer offered.
	if err := w.e.bots.Delete(ctx, w.ana, other.ID); err != nil {
		t.Fatal(err)
	}
	list, _ = w.cmds.Available(ctx, w.ben, general.ID)
	if slices.Contains(triggers(list), doomed.Trigger) {
		t.Errorf("/%s of a deleted bot still offered", doomed.Trigger)
	}
	_, err = w.cmds.Available(ctx, w.ben, secret.ID)
	wantCode(t, err, "channel_not_found")

	withSearch := w.e.commands(CommandsOptions{Search: func(context.Context, *channels.Actor, string, int) ([]channels.Message, error) {
		return nil, nil
	}})
	list, _ = withSearch.Available(ctx, w.ben, 0)
	if !slices.Contains(triggers(list), "search") {
		t.Errorf("/search missing with a search backend")
	}
}
