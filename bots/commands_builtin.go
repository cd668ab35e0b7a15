package bots

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// builtinCommands are the commands every workspace has. Each does what
// the equivalent API call does, with the same permission checks.
func builtinCommands(c *Commands) []*builtin {
	list := []*builtin{
		{Trigger: "help", Description: "List the commands you can use here", Run: c.help},
		{Trigger: "me", Description: "Post an action, in italics", Usage: "<action>", Run: c.me},
		{Trigger: "shrug", Description: `Post a message followed by ¯\_(ツ)_/¯`, Usage: "[message]", Run: c.shrug},
		{Trigger: "join", Description: "Join a public channel", Usage: "#channel", Run: c.join},
		{Trigger: "leave", Description: "Leave this channel", Run: c.leave},
		{Trigger: "topic", Description: "Set this channel's topic (or show it)", Usage: "[text]", Run: c.topic},
		{Trigger: "invite", Description: "Add someone to this channel or another", Usage: "@user [#channel]", Run: c.invite},
		{Trigger: "kick", Description: "Remove someone from this channel", Usage: "@user", Run: c.kick},
		{Trigger: "msg", Description: "Send someone a direct message", Usage: "@user <message>", Run: c.msg},
		{Trigger: "status", Description: "Set your status, or clear it", Usage: "[:emoji:] <text> | clear", Run: c.status},
		{Trigger: "away", Description: "Toggle being shown away", Run: c.away},
		c.remindCommand(),
		{Trigger: "dnd", Description: "Do not disturb for a while (default an hour), or off", Usage: "[30m | 2h | off]", Run: c.dnd},
	}
	if c.opts.Search != nil {
		list = append(list, &builtin{Trigger: "search", Description: "Search messages; results only you see", Usage: "<query>", Run: c.search})
	}
	return list
}

// usage fails the invocation with the command's usage.
func (c *Commands) usage(inv *Invocation) error {
	b := c.builtins[inv.Trigger]
	inv.fail("invalid_arguments", "Usage: /%s %s", b.Trigger, b.Usage)
	return nil
}

func (c *Commands) help(ctx context.Context, inv *Invocation) error {
	cmds, err := c.Available(ctx, inv.Actor, inv.Channel.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("*Commands you can use here*\n")
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "• `/%s", cmd.Trigger)
		if cmd.UsageHint != "" {
			b.WriteString(" " + cmd.UsageHint)
		}
		b.WriteString("`")
		if cmd.Description != "" {
			b.WriteString(" — " + cmd.Description)
		}
		if !cmd.BuiltIn {
			b.WriteString(" (@" + cmd.Owner + ")")
		}
		b.WriteString("\n")
	}
	b.WriteString("Start a message with `//` to send text that begins with `/`.")
	inv.reply(b.String())
	return nil
}

// post posts a message as the invoker in the invocation's channel.
func (c *Commands) post(ctx context.Context, inv *Invocation, in channels.NewMessage) error {
	in.ThreadID = inv.ThreadID
	m, _, err := c.svc.PostMessage(ctx, inv.Actor, inv.Channel.ID, in)
	if err != nil {
		return err
	}
	inv.posted(m)
	return nil
}

func (c *Commands) me(ctx context.Context, inv *Invocation) error {
	if inv.Text == "" {
		return c.usage(inv)
	}
	return c.post(ctx, inv, channels.NewMessage{Text: "_" + inv.Text + "_", ServerProps: map[string]any{"subtype": "me_message"}})
}

// shrugText is ¯\_(ツ)_/¯ escaped for Markdown.
const shrugText = `¯\\\_(ツ)\_/¯`

func (c *Commands) shrug(ctx context.Context, inv *Invocation) error {
	text := shrugText
	if inv.Text != "" {
		text = inv.Text + " " + shrugText
	}
	return c.post(ctx, inv, channels.NewMessage{Text: text})
}

func (c *Commands) join(ctx context.Context, inv *Invocation) error {
	if inv.Text == "" || strings.ContainsAny(inv.Text, " \t") {
		return c.usage(inv)
	}
	ch, err := c.channelArg(ctx, inv.Actor, inv.Text)
	if err != nil {
		return err
	}
	if ch.IsMember {
		inv.reply(fmt.Sprintf("You are already in #%s.", ch.Name))
		return nil
	}
	if _, err := c.svc.Join(ctx, inv.Actor, ch.ID); err != nil {
		return err
	}
	inv.reply(fmt.Sprintf("You joined #%s.", ch.Name))
	return nil
}

func (c *Commands) leave(ctx context.Context, inv *Invocation) error {
	if inv.Text != "" {
		return c.usage(inv)
	}
	if err := c.svc.Leave(ctx, inv.Actor, inv.Channel.ID); err != nil {
		return err
	}
	inv.reply(fmt.Sprintf("You left #%s.", inv.Channel.Name))
	return nil
}

func (c *Commands) topic(ctx context.Context, inv *Invocation) error {
	if inv.Text == "" {
		if inv.Channel.Topic == "" {
			inv.reply("This channel has no topic. Set one with `/topic <text>`.")
		} else {
			inv.reply("The topic is: " + inv.Channel.Topic)
		}
		return nil
	}
	topic := inv.Text
	if _, err := c.svc.UpdateChannel(ctx, inv.Actor, inv.Channel.ID, channels.ChannelPatch{Topic: &topic}); err != nil {
		return err
	}
	inv.reply("Topic set.")
	return nil
}

func (c *Commands) invite(ctx context.Context, inv *Invocation) error {
	fields := strings.Fields(inv.Text)
	if len(fields) == 0 || len(fields) > 2 {
		return c.usage(inv)
	}
	u, err := c.userArg(ctx, fields[0])
	if err != nil {
		return err
	}
	ch := inv.Channel
	if len(fields) == 2 {
		if ch, err = c.channelArg(ctx, inv.Actor, fields[1]); err != nil {
			return err
		}
	}
	if err := c.svc.AddMember(ctx, inv.Actor, ch.ID, u.ID); err != nil {
		return err
	}
	inv.reply(fmt.Sprintf("Added @%s to #%s.", u.Username, ch.Name))
	return nil
}

func (c *Commands) kick(ctx context.Context, inv *Invocation) error {
	fields := strings.Fields(inv.Text)
	if len(fields) != 1 {
		return c.usage(inv)
	}
	u, err := c.userArg(ctx, fields[0])
	if err != nil {
		return err
	}
	if err := c.svc.RemoveMember(ctx, inv.Actor, inv.Channel.ID, u.ID); err != nil {
		return err
	}
	inv.reply(fmt.Sprintf("Removed @%s from #%s.", u.Username, inv.Channel.Name))
	return nil
}

func (c *Commands) msg(ctx context.Context, inv *Invocation) error {
	who, text, _ := strings.Cut(inv.Text, " ")
	text = strings.TrimSpace(text)
	if who == "" || text == "" {
		return c.usage(inv)
	}
	u, err := c.userArg(ctx, who)
	if err != nil {
		return err
	}
	dm, _, err := c.svc.OpenDM(ctx, inv.Actor, []int64{u.ID})
	if err != nil {
		return err
	}
	m, _, err := c.svc.PostMessage(ctx, inv.Actor, dm.ID, channels.NewMessage{Text: text})
	if err != nil {
		return err
	}
	inv.posted(m)
	inv.reply(fmt.Sprintf("Sent to @%s.", u.Username))
	return nil
}

// statusEmoji is a leading :emoji: in /status.
var statusEmoji = regexp.MustCompile(`^:([a-z0-9_+\-]+):\s*`)

func (c *Commands) status(ctx context.Context, inv *Invocation) error {
	if inv.Text == "" {
		return c.usage(inv)
	}
	text, emoji := inv.Text, ""
	if strings.EqualFold(text, "clear") {
		text = ""
	} else if m := statusEmoji.FindStringSubmatch(text); m != nil {
		emoji, text = m[1], strings.TrimSpace(text[len(m[0]):])
	}
	if _, err := c.svc.UpdateProfile(ctx, inv.Actor, channels.ProfilePatch{StatusText: &text, StatusEmoji: &emoji}); err != nil {
		return err
	}
	if text == "" && emoji == "" {
		inv.reply("Status cleared.")
	} else {
		inv.reply("Status set.")
	}
	return nil
}

func (c *Commands) away(ctx context.Context, inv *Invocation) error {
	if c.hub == nil {
		inv.fail("unavailable", "Presence is not available on this server.")
		return nil
	}
	away := !c.hub.IsAway(inv.Actor.ID)
	c.hub.SetAway(inv.Actor.ID, away)
	if away {
		inv.reply("You are now shown as away.")
	} else {
		inv.reply("You are now shown as active.")
	}
	return nil
}

// maxDND is the longest /dnd accepts.
const maxDND = 7 * 24 * time.Hour

// Errors of parseDND. errDNDSyntax means the usage should be shown.
var (
	errDNDSyntax  = errors.New("unrecognised duration")
	errDNDTooLong = errors.New("do not disturb lasts at most 7 days")
)

// parseDND reads /dnd's duration: an hour when empty, else from a minute
// to maxDND.
func parseDND(text string) (time.Duration, error) {
	if text == "" {
		return time.Hour, nil
	}
	d, ok := parseDuration(text)
	switch {
	case !ok || d < time.Minute:
		return 0, errDNDSyntax
	case d > maxDND:
		return 0, errDNDTooLong
	}
	return d, nil
}

func (c *Commands) dnd(ctx context.Context, inv *Invocation) error {
	if strings.EqualFold(inv.Text, "off") {
		if _, err := c.svc.SetDND(ctx, inv.Actor, 0); err != nil {
			return err
		}
		inv.reply("Do not disturb is off.")
		return nil
	}
	d, err := parseDND(inv.Text)
	switch {
	case errors.Is(err, errDNDSyntax):
		return c.usage(inv)
	case err != nil:
		inv.fail("invalid_arguments", "/dnd: %s.", err)
		return nil
	}
	until := time.Now().Add(d)
	if _, err := c.svc.SetDND(ctx, inv.Actor, until.UnixMilli()); err != nil {
		return err
	}
	inv.reply(fmt.Sprintf("Do not disturb is on for %s.", d.Round(time.Minute)))
	return nil
}

func (c *Commands) search(ctx context.Context, inv *Invocation) error {
	if inv.Text == "" {
		return c.usage(inv)
	}
	msgs, err := c.opts.Search(ctx, inv.Actor, inv.Text, 10)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		inv.reply(fmt.Sprintf("No messages match %q.", inv.Text))
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Messages matching %q*\n", inv.Text)
	names := map[int64]string{} // channel id → how results name it
	for _, m := range msgs {
		text := m.Text
		if r := []rune(text); len(r) > 200 {
			text = string(r[:200]) + "…"
		}
		where, ok := names[m.ChannelID]
		if !ok {
			where = "a conversation"
			if ch, err := c.svc.Channel(ctx, inv.Actor, m.ChannelID); err == nil && ch.Name != "" {
				where = "#" + ch.Name
			}
			names[m.ChannelID] = where
		}
		fmt.Fprintf(&b, "• %s — in %s, %s UTC\n", strings.ReplaceAll(text, "\n", " "), where, time.UnixMilli(m.CreatedAt).UTC().Format("2006-01-02 15:04"))
	}
	inv.reply(b.String())
	return nil
}

// parseDuration reads "90", "90m", "2h", "1h30m", "45 minutes", "2 hours",
// "1 day"; a bare number is minutes. Words may be split by any white
// space. A number too large for a Duration gives the largest one (callers
// refuse it as too far ahead), never a wrapped-around value.
func parseDuration(s string) (time.Duration, bool) {
	f := strings.Fields(strings.ToLower(s))
	switch len(f) {
	case 1:
		if n, ok := parseCount(f[0]); ok {
			return scaleDuration(n, time.Minute), true
		}
		d, err := time.ParseDuration(f[0])
		return d, err == nil
	case 2:
		n, ok := parseCount(f[0])
		if !ok {
			return 0, false
		}
		switch strings.TrimSuffix(f[1], "s") {
		case "min", "minute":
			return scaleDuration(n, time.Minute), true
		case "hour", "hr":
			return scaleDuration(n, time.Hour), true
		case "day":
			return scaleDuration(n, 24*time.Hour), true
		case "week":
			return scaleDuration(n, 7*24*time.Hour), true
		}
	}
	return 0, false
}

// parseCount reads a count of units: ASCII digits only (no sign, no
// spaces); one too large for an int64 is math.MaxInt64.
func parseCount(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // only out of range is left
		return math.MaxInt64, true
	}
	return n, true
}

// scaleDuration is n units (n ≥ 0), or the largest Duration when that
// does not fit: time.Duration(n) * unit would wrap around to a small value.
func scaleDuration(n int64, unit time.Duration) time.Duration {
	if n > math.MaxInt64/int64(unit) {
		return math.MaxInt64
	}
	return time.Duration(n) * unit
}

// mentionRef reads the id or name out of "@name", "name", "<@U12>",
// "<@U12|name>", "#name" or "<#C12|name>".
func mentionRef(s, sigil string) (id int64, name string) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<"+sigil) && strings.HasSuffix(s, ">") {
		ref := strings.TrimSuffix(strings.TrimPrefix(s, "<"+sigil), ">")
		ref, label, _ := strings.Cut(ref, "|")
		if n, ok := slackwire.ParseID(ref, "UWCDG"); ok {
			return n, ""
		}
		if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
			return n, ""
		}
		return 0, label
	}
	return 0, strings.ToLower(strings.TrimPrefix(s, sigil))
}

// userArg resolves a person named in a command.
func (c *Commands) userArg(ctx context.Context, s string) (*channels.User, error) {
	id, name := mentionRef(s, "@")
	var u *channels.User
	var err error
	if id != 0 {
		u, err = c.svc.User(ctx, id)
	} else {
		u, err = c.svc.UserByName(ctx, name)
	}
	if errors.Is(err, channels.ErrNotFound) {
		return nil, channels.Invalid("user_not_found", "text", "there is no user %s", s)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// channelArg resolves a channel named in a command, as the actor sees it.
func (c *Commands) channelArg(ctx context.Context, actor *channels.Actor, s string) (*channels.Channel, error) {
	id, name := mentionRef(s, "#")
	var ch *channels.Channel
	var err error
	if id != 0 {
		ch, err = c.svc.Channel(ctx, actor, id)
	} else {
		ch, err = c.svc.ChannelByName(ctx, actor, name)
	}
	if errors.Is(err, channels.ErrNotFound) {
		return nil, channels.Invalid("channel_not_found", "text", "there is no channel %s that you can see", s)
	}
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
