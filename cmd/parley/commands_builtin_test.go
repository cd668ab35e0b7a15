package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/realtime"
)

// command runs a slash command line in a channel and requires a 200
// answer.
func (c *client) command(channelID int64, text string) bots.CommandResult {
	c.ts.t.Helper()
	var res bots.CommandResult
	c.mustJSON(http.StatusOK, "POST", channelPath(channelID, "/commands"), map[string]any{"text": text}, &res)
	return res
}

// commandOK runs a command that must succeed.
func (c *client) commandOK(channelID int64, text string) bots.CommandResult {
	c.ts.t.Helper()
	res := c.command(channelID, text)
	if !res.OK || res.Error != "" {
		c.ts.t.Fatalf("%s: ok=%v error=%q, want success; ephemeral: %s", text, res.OK, res.Error, ephemeralText(res))
	}
	return res
}

// commandFails runs a command that must fail with the code, explained
// in an ephemeral reply, without posting anything.
func (c *client) commandFails(channelID int64, text, code string) bots.CommandResult {
	c.ts.t.Helper()
	res := c.command(channelID, text)
	if res.OK || res.Error != code {
		c.ts.t.Fatalf("%s: ok=%v error=%q, want failure %q; ephemeral: %s", text, res.OK, res.Error, code, ephemeralText(res))
	}
	if len(res.Ephemeral) == 0 || res.Ephemeral[0].Text == "" {
		c.ts.t.Fatalf("%s: failed with no ephemeral explanation", text)
	}
	if len(res.Messages) != 0 {
		c.ts.t.Fatalf("%s: failed but posted %d messages", text, len(res.Messages))
	}
	return res
}

// ephemeralText joins a result's ephemeral replies.
func ephemeralText(res bots.CommandResult) string {
	var parts []string
	for _, e := range res.Ephemeral {
		parts = append(parts, e.Text)
	}
	return strings.Join(parts, " | ")
}

// history is a channel's newest messages as the caller reads them.
func (c *client) history(channelID int64) []channels.Message {
	c.ts.t.Helper()
	return c.messages(channelID, "").Items
}

// channel is a channel as the caller sees it.
func (c *client) channel(id int64) channels.Channel {
	c.ts.t.Helper()
	var ch channels.Channel
	c.mustJSON(http.StatusOK, "GET", channelPath(id, ""), nil, &ch)
	return ch
}

// me is the caller's own profile.
func (c *client) me() channels.User {
	c.ts.t.Helper()
	var u channels.User
	c.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, &u)
	return u
}

// renderEscapes undoes Markdown's backslash escapes of ASCII punctuation,
// the way a client renders the text.
func renderEscapes(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		if r[i] == '\\' && i+1 < len(r) && r[i+1] < 128 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r[i+1]) {
			i++
		}
		b.WriteRune(r[i])
	}
	return b.String()
}

const shrug = `¯\_(ツ)_/¯`

func TestCommands_BuiltinsPost(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	gen := ana.createChannel("general", false)
	bob.join(gen.ID)

	t.Run("/me posts an action with subtype me_message", func(t *testing.T) {
		res := ana.commandOK(gen.ID, "/me waves hello")
		if len(res.Messages) != 1 {
			t.Fatalf("messages = %+v, want one", res.Messages)
		}
		stored := bob.history(gen.ID)[0]
		if stored.ID != res.Messages[0].ID || stored.Text != "_waves hello_" || stored.UserID != ana.User.ID {
			t.Fatalf("stored message = %+v, want ana's _waves hello_", stored)
		}
		var props struct {
			Subtype string `json:"subtype"`
		}
		if err := json.Unmarshal(stored.Props, &props); err != nil || props.Subtype != "me_message" {
			t.Fatalf("props = %s, want subtype me_message", stored.Props)
		}
	})

	t.Run("/me without text shows its usage", func(t *testing.T) {
		ana.commandFails(gen.ID, "/me", "invalid_arguments")
	})

	for _, tc := range []struct {
		line, stored, rendered string
	}{
		{"/shrug", `¯\\\_(ツ)\_/¯`, shrug},
		{"/shrug not sure", `not sure ¯\\\_(ツ)\_/¯`, "not sure " + shrug},
	} {
		t.Run(tc.line, func(t *testing.T) {
			res := ana.commandOK(gen.ID, tc.line)
			if len(res.Messages) != 1 {
				t.Fatalf("messages = %+v, want one", res.Messages)
			}
			stored := bob.history(gen.ID)[0]
			if stored.ID != res.Messages[0].ID || stored.Text != tc.stored {
				t.Fatalf("stored text = %q, want the escaped Markdown %q", stored.Text, tc.stored)
			}
			if got := renderEscapes(stored.Text); got != tc.rendered {
				t.Fatalf("rendered text = %q, want %q", got, tc.rendered)
			}
		})
	}

	t.Run("// posts an ordinary message starting with /", func(t *testing.T) {
		var res bots.CommandResult
		ana.mustJSON(http.StatusOK, "POST", channelPath(gen.ID, "/commands"), map[string]any{"text": "//not a command"}, &res)
		if !res.OK || res.Command != "" || len(res.Messages) != 1 {
			t.Fatalf("result = %+v, want one posted message", res)
		}
		stored := bob.history(gen.ID)[0]
		if stored.ID != res.Messages[0].ID || stored.Text != "/not a command" {
			t.Fatalf("stored message = %+v, want text /not a command", stored)
		}
	})

	t.Run("an unknown command posts nothing", func(t *testing.T) {
		before := bob.history(gen.ID)
		res := ana.commandFails(gen.ID, "/frobnicate the widgets", "unknown_command")
		if res.Command != "/frobnicate" {
			t.Errorf("command = %q, want /frobnicate", res.Command)
		}
		if text := ephemeralText(res); !strings.Contains(text, "/frobnicate") || !strings.Contains(text, "/help") {
			t.Errorf("ephemeral = %q, want it to name /frobnicate and suggest /help", text)
		}
		after := bob.history(gen.ID)
		if len(after) != len(before) || after[0].ID != before[0].ID {
			t.Fatalf("messages changed: %d before, %d after", len(before), len(after))
		}
	})

	t.Run("/msg sends a direct message", func(t *testing.T) {
		res := ana.commandOK(gen.ID, "/msg @bob lunch at noon?")
		if len(res.Messages) != 1 {
			t.Fatalf("messages = %+v, want the DM", res.Messages)
		}
		var dm channels.Channel
		res2 := bob.do("POST", "/api/v1/dms", map[string]any{"user_ids": []int64{ana.User.ID}})
		if res2.Status != http.StatusOK {
			t.Fatalf("open DM: status %d, want 200 (the DM exists already); body %s", res2.Status, res2.Body)
		}
		if err := json.Unmarshal(res2.Body, &dm); err != nil {
			t.Fatal(err)
		}
		msgs := bob.history(dm.ID)
		if len(msgs) != 1 || msgs[0].Text != "lunch at noon?" || msgs[0].UserID != ana.User.ID || msgs[0].ID != res.Messages[0].ID {
			t.Fatalf("DM messages = %+v, want ana's lunch at noon?", msgs)
		}
		for _, m := range bob.history(gen.ID) {
			if strings.Contains(m.Text, "lunch") {
				t.Fatalf("the DM's text was posted in the channel: %+v", m)
			}
		}
	})

	t.Run("/msg failures", func(t *testing.T) {
		ana.commandFails(gen.ID, "/msg @nobody hi", "user_not_found")
		ana.commandFails(gen.ID, "/msg @bob", "invalid_arguments")
	})
}

func TestCommands_BuiltinsMembership(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana") // admin
	bob := ts.signup("bob")
	cy := ts.signup("cy")
	gen := bob.createChannel("general", false)
	random := bob.createChannel("random", false)
	secret := bob.createChannel("secret", true)
	old := bob.createChannel("old", false)
	bob.mustJSON(http.StatusOK, "POST", channelPath(old.ID, "/archive"), nil, nil)
	cy.join(gen.ID)

	t.Run("/join a public channel by name", func(t *testing.T) {
		res := cy.commandOK(gen.ID, "/join #random")
		if !strings.Contains(ephemeralText(res), "#random") {
			t.Errorf("ephemeral = %q", ephemeralText(res))
		}
		if !cy.channel(random.ID).IsMember {
			t.Fatal("cy is not a member of #random after /join")
		}
		cy.commandOK(gen.ID, "/join random") // already in it: fine
	})

	t.Run("/join a private channel by name: not found", func(t *testing.T) {
		cy.commandFails(gen.ID, "/join #secret", "channel_not_found")
		wantError(t, cy.do("GET", channelPath(secret.ID, ""), nil), http.StatusNotFound, "channel_not_found")
	})

	t.Run("/join an archived channel is refused", func(t *testing.T) {
		cy.commandFails(gen.ID, "/join #old", "channel_archived")
		if cy.channel(old.ID).IsMember {
			t.Fatal("cy joined an archived channel")
		}
	})

	t.Run("/leave", func(t *testing.T) {
		cy.commandOK(random.ID, "/leave")
		if cy.channel(random.ID).IsMember {
			t.Fatal("cy is still in #random after /leave")
		}
	})

	t.Run("/invite @user into this channel", func(t *testing.T) {
		cy.commandOK(gen.ID, "/invite @ana")
		if !ana.channel(gen.ID).IsMember {
			t.Fatal("ana is not in #general after /invite")
		}
	})

	t.Run("/invite @user #other", func(t *testing.T) {
		bob.commandOK(gen.ID, "/invite @cy #secret")
		if !cy.channel(secret.ID).IsMember {
			t.Fatal("cy is not in #secret after /invite @cy #secret")
		}
	})

	t.Run("/invite into a private channel the caller is not in", func(t *testing.T) {
		ana.commandFails(gen.ID, "/invite @ana #secret", "channel_not_found")
		dave := ts.signup("dave")
		cy.commandOK(gen.ID, "/leave") // cy leaves #general, stays in #secret
		dave.join(gen.ID)
		dave.commandFails(gen.ID, "/invite @ana #secret", "channel_not_found")
		if res := ana.do("GET", channelPath(secret.ID, ""), nil); res.Status != http.StatusNotFound {
			t.Fatalf("ana sees #secret after a refused /invite: %d", res.Status)
		}
	})

	t.Run("/invite an unknown user", func(t *testing.T) {
		bob.commandFails(gen.ID, "/invite @nobody", "user_not_found")
	})

	t.Run("/kick needs the channel's creator or an admin", func(t *testing.T) {
		bob.addMember(gen.ID, cy.User.ID)
		dave := ts.signup("erin")
		dave.join(gen.ID)
		dave.commandFails(gen.ID, "/kick @cy", "not_allowed")
		if !cy.channel(gen.ID).IsMember {
			t.Fatal("cy was removed by a member without the right")
		}
		bob.commandOK(gen.ID, "/kick @cy")
		if cy.channel(gen.ID).IsMember {
			t.Fatal("cy is still in #general after the creator's /kick")
		}
		ana.commandOK(gen.ID, "/kick @erin") // an admin may
		if dave.channel(gen.ID).IsMember {
			t.Fatal("erin is still in #general after the admin's /kick")
		}
	})

	t.Run("/topic sets and shows", func(t *testing.T) {
		res := bob.commandOK(gen.ID, "/topic")
		if !strings.Contains(ephemeralText(res), "no topic") {
			t.Errorf("ephemeral = %q, want no topic", ephemeralText(res))
		}
		bob.commandOK(gen.ID, "/topic Launch on Friday")
		if got := ana.channel(gen.ID).Topic; got != "Launch on Friday" {
			t.Fatalf("topic = %q after /topic", got)
		}
		res = ana.commandOK(gen.ID, "/topic")
		if !strings.Contains(ephemeralText(res), "Launch on Friday") {
			t.Errorf("ephemeral = %q, want the topic", ephemeralText(res))
		}
	})

	t.Run("/topic fails where the caller cannot change the channel", func(t *testing.T) {
		cy.commandFails(gen.ID, "/topic mine now", "not_in_channel") // public, not a member
		bob.commandFails(old.ID, "/topic revive", "channel_archived")
		if got := bob.channel(gen.ID).Topic; got != "Launch on Friday" {
			t.Fatalf("topic = %q after refused /topic", got)
		}
	})
}

func TestCommands_BuiltinsProfile(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	gen := ana.createChannel("general", false)
	bob.join(gen.ID)

	t.Run("/status sets and clears", func(t *testing.T) {
		ana.commandOK(gen.ID, "/status :palm_tree: on vacation")
		var u channels.User
		bob.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%d", ana.User.ID), nil, &u)
		if u.StatusEmoji != "palm_tree" || u.StatusText != "on vacation" {
			t.Fatalf("status = %q %q, want palm_tree / on vacation", u.StatusEmoji, u.StatusText)
		}
		ana.commandOK(gen.ID, "/status in a meeting")
		if u := ana.me(); u.StatusEmoji != "" || u.StatusText != "in a meeting" {
			t.Fatalf("status = %q %q, want no emoji / in a meeting", u.StatusEmoji, u.StatusText)
		}
		ana.commandOK(gen.ID, "/status clear")
		if u := ana.me(); u.StatusEmoji != "" || u.StatusText != "" {
			t.Fatalf("status = %q %q after /status clear", u.StatusEmoji, u.StatusText)
		}
		ana.commandFails(gen.ID, "/status", "invalid_arguments")
		ana.commandFails(gen.ID, "/status "+strings.Repeat("x", 101), "invalid_status_text")
	})

	t.Run("/dnd 30m and off", func(t *testing.T) {
		start := time.Now()
		ana.commandOK(gen.ID, "/dnd 30m")
		u := ana.me()
		if u.DNDUntil == nil {
			t.Fatal("dnd_until is null after /dnd 30m")
		}
		lo, hi := start.Add(30*time.Minute).UnixMilli(), time.Now().Add(30*time.Minute).UnixMilli()
		if *u.DNDUntil < lo || *u.DNDUntil > hi {
			t.Fatalf("dnd_until = %d, want within [%d, %d]", *u.DNDUntil, lo, hi)
		}
		if p := bob.presenceOf(ana.User.ID); !p.DND || p.Status != realtime.PresenceDND {
			t.Fatalf("presence = %+v, want dnd", p)
		}
		ana.commandOK(gen.ID, "/dnd off")
		if u := ana.me(); u.DNDUntil != nil {
			t.Fatalf("dnd_until = %d after /dnd off", *u.DNDUntil)
		}
		// Out of range (once wrapped around to "on for 0s") or malformed.
		for _, bad := range []string{"forever", "30d", "8 days", "153722867281", "99999999999999999999", "-5", "30s", "5\f call"} {
			ana.commandFails(gen.ID, "/dnd "+bad, "invalid_arguments")
		}
		if u := ana.me(); u.DNDUntil != nil {
			t.Fatalf("dnd_until = %d after refused /dnd commands", *u.DNDUntil)
		}
	})

	t.Run("/away toggles", func(t *testing.T) {
		// Away shows only while connected; offline otherwise.
		ws := ana.dialWS("", nil)
		ws.hello(ana.User.ID)
		eventually(t, "ana shows online", func() bool { return bob.presenceOf(ana.User.ID).Status == realtime.PresenceOnline })
		res := ana.commandOK(gen.ID, "/away")
		if !strings.Contains(ephemeralText(res), "away") {
			t.Errorf("ephemeral = %q", ephemeralText(res))
		}
		if p := bob.presenceOf(ana.User.ID); p.Status != realtime.PresenceAway {
			t.Fatalf("presence = %q after /away, want away", p.Status)
		}
		ana.commandOK(gen.ID, "/away")
		if p := bob.presenceOf(ana.User.ID); p.Status != realtime.PresenceOnline {
			t.Fatalf("presence = %q after the second /away, want online", p.Status)
		}
	})
}

func TestCommands_Help(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	gen := ana.createChannel("general", false)
	bob.join(gen.ID)

	res := ana.commandOK(gen.ID, "/help")
	if len(res.Ephemeral) != 1 || len(res.Messages) != 0 {
		t.Fatalf("result = %+v, want one ephemeral and no message", res)
	}
	text := res.Ephemeral[0].Text
	var list channels.List[bots.CommandInfo]
	ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/commands?channel_id=%d", gen.ID), nil, &list)
	listed := map[string]bool{}
	for _, c := range list.Items {
		listed[c.Trigger] = c.BuiltIn
	}
	for _, trig := range []string{"help", "me", "shrug", "join", "leave", "topic", "invite", "kick", "msg", "status", "away", "dnd"} {
		if !strings.Contains(text, "`/"+trig) {
			t.Errorf("/help does not list /%s: %s", trig, text)
		}
		if !listed[trig] {
			t.Errorf("GET /commands does not list /%s as built in", trig)
		}
	}
	if e := res.Ephemeral[0]; e.ChannelID != gen.ID || e.ID == "" || e.Markup == "" {
		t.Errorf("ephemeral = %+v", e)
	}
}

func TestCommands_Access(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	gen := ana.createChannel("general", false)
	secret := ana.createChannel("secret", true)

	t.Run("a non-member of a private channel can run nothing in it", func(t *testing.T) {
		for _, line := range []string{"/help", "/topic", "/topic hi", "/join #secret", "/me waves", "//hello", "/nope"} {
			wantError(t, bob.do("POST", channelPath(secret.ID, "/commands"), map[string]any{"text": line}),
				http.StatusNotFound, "channel_not_found")
		}
		wantError(t, bob.do("GET", fmt.Sprintf("/api/v1/commands?channel_id=%d", secret.ID), nil),
			http.StatusNotFound, "channel_not_found")
		if got := ana.history(secret.ID); len(got) != 0 {
			t.Fatalf("messages in #secret = %+v", got)
		}
	})

	t.Run("a non-member of a public channel gets /help but not /topic", func(t *testing.T) {
		bob.commandOK(gen.ID, "/help")
		bob.commandFails(gen.ID, "/topic hijacked", "not_in_channel")
		if got := ana.channel(gen.ID).Topic; got != "" {
			t.Fatalf("topic = %q", got)
		}
	})

	t.Run("a bot token without chat:write", func(t *testing.T) {
		bot, _ := ana.createBot("reader", "channels:read")
		ana.addMember(gen.ID, bot.User.ID)
		wantError(t, bot.do("POST", channelPath(gen.ID, "/commands"), map[string]any{"text": "/help"}),
			http.StatusForbidden, "missing_scope")
	})

	t.Run("malformed input", func(t *testing.T) {
		path := channelPath(gen.ID, "/commands")
		if res := ana.do("POST", path, "{not json"); res.Status != http.StatusBadRequest {
			t.Fatalf("bad JSON: status %d, want 400; body %s", res.Status, res.Body)
		}
		wantError(t, ana.do("POST", path, map[string]any{"text": "hello"}), http.StatusBadRequest, "not_a_command")
		wantError(t, ana.do("POST", path, map[string]any{"text": ""}), http.StatusBadRequest, "not_a_command")
		long := strings.Repeat("x", bots.MaxCommandText)
		// Built-in, unknown or bot-owned alike, an over-long line is refused
		// as an over-long message is.
		for _, line := range []string{"/topic " + long, "/help " + long, "/me " + long, "/msg @bob " + long, "/nosuch " + long} {
			wantError(t, ana.do("POST", path, map[string]any{"text": line}), http.StatusBadRequest, "text_too_long")
		}
		// An escaped line is a message, refused as one.
		wantError(t, ana.do("POST", path, map[string]any{"text": "//" + long}), http.StatusBadRequest, "text_too_long")
		if got := ana.history(gen.ID); len(got) != 0 {
			t.Fatalf("messages posted by refused commands: %+v", got)
		}
	})
}

func TestCommands_EphemeralDelivery(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	gen := ana.createChannel("general", false)
	bob.join(gen.ID)
	ts.settle()

	anaWS := ana.dialWS("", nil)
	anaWS.hello(ana.User.ID)
	bobWS := bob.dialWS("", nil)
	bobWS.hello(bob.User.ID)

	res := ana.commandOK(gen.ID, "/help")
	if len(res.Ephemeral) != 1 {
		t.Fatalf("ephemeral = %+v, want one", res.Ephemeral)
	}
	f := anaWS.nextOfType("message.ephemeral", wsWait)
	if f.ChannelID == nil || *f.ChannelID != gen.ID {
		t.Fatalf("ephemeral frame channel_id = %v, want %d: %s", f.ChannelID, gen.ID, f.Raw)
	}
	if f.Seq != 0 {
		t.Errorf("ephemeral frame has seq %d: it is not part of the event log", f.Seq)
	}
	var e bots.Ephemeral
	if err := json.Unmarshal(f.Data, &e); err != nil {
		t.Fatal(err)
	}
	if e.ID != res.Ephemeral[0].ID || e.Text != res.Ephemeral[0].Text || e.ChannelID != gen.ID {
		t.Fatalf("frame data = %+v, want the HTTP answer's %+v", e, res.Ephemeral[0])
	}

	// Bob's connection gets the next message but never the ephemeral.
	m := ana.post(gen.ID, "after help", 0)
	for _, f := range bobWS.until(isMessage(m.ID)) {
		if f.Type == "message.ephemeral" {
			t.Fatalf("another member received the ephemeral: %s", f.Raw)
		}
	}
	msgs := ana.history(gen.ID)
	if len(msgs) != 1 || msgs[0].ID != m.ID {
		t.Fatalf("messages = %+v, want only %q: the ephemeral is never stored", msgs, m.Text)
	}
}
