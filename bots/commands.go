package bots

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
	"github.com/parley-chat/parley/webhooks"
)

// Slash commands: a person types "/trigger text" in a channel. Built-in
// commands run here, with the permissions of the equivalent API call;
// bot-owned commands are sent, signed, to their bot's app (see
// commands_remote.go), which answers at once or later through a
// response_url. Replies meant for the invoker alone are ephemeral: sent
// to their connections as message.ephemeral and in the HTTP answer, never
// stored.

// CommandsOptions configure slash commands.
type CommandsOptions struct {
	// PublicURL is where response URLs point (http://host:port).
	PublicURL string
	// Timeout is how long a bot's app has to answer (default 3 s).
	Timeout time.Duration
	// Sender makes the signed, SSRF-guarded calls to bots' apps.
	Sender *webhooks.Sender
	// Search runs /search; nil leaves the command out.
	Search SearchFunc
	// Now is the clock reminders are set, fall due and are delivered by;
	// nil is time.Now. Tests move it forward instead of sleeping, then wake
	// the delivery loop (wakeReminders; a new reminder wakes it too).
	Now func() time.Time
}

// SearchFunc finds the messages matching query that actor may read.
type SearchFunc func(ctx context.Context, actor *channels.Actor, query string, limit int) ([]channels.Message, error)

// Realtime is what bots need of the realtime gateway: ephemeral replies
// (slash commands, chat.postEphemeral) and a person's away state (/away).
type Realtime interface {
	SendEphemeral(userID, channelID int64, data any) error
	IsAway(userID int64) bool
	SetAway(userID int64, away bool)
}

// Commands runs slash commands.
type Commands struct {
	svc      *channels.Service
	bots     *Service
	hub      Realtime
	log      *slog.Logger
	opts     CommandsOptions
	builtins map[string]*builtin

	// Reminders: remindWake tells the delivery loop a reminder was added;
	// stopReminders and remindDone stop it and wait for it.
	remindWake    chan struct{}
	stopReminders context.CancelFunc
	remindDone    sync.WaitGroup
}

// NewCommands returns the slash-command service; the bots migrations must
// have run. hub delivers ephemeral replies.
func NewCommands(svc *channels.Service, bots *Service, hub Realtime, logger *slog.Logger, opts CommandsOptions) *Commands {
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Commands{svc: svc, bots: bots, hub: hub, log: logger, opts: opts, builtins: map[string]*builtin{},
		remindWake: make(chan struct{}, 1)}
	for _, b := range builtinCommands(c) {
		c.builtins[b.Trigger] = b
	}
	return c
}

// Ephemeral is a message only its recipient sees, once: a command's reply
// or error. It is never stored.
type Ephemeral struct {
	// ID lets a client that gets the reply both in the HTTP answer and
	// over its WebSocket show it once; Replaces names the ephemeral a
	// response_url reply replaces (or, with Deleted, removes).
	ID          string          `json:"id"`
	Replaces    string          `json:"replaces,omitempty"`
	Deleted     bool            `json:"deleted,omitempty"`
	ChannelID   int64           `json:"channel_id"`
	UserID      int64           `json:"user_id"`
	ThreadID    *int64          `json:"thread_id"`
	Text        string          `json:"text"`
	Markup      string          `json:"markup"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Username    string          `json:"username,omitempty"`
	IconEmoji   string          `json:"icon_emoji,omitempty"`
	IconURL     string          `json:"icon_url,omitempty"`
	TS          string          `json:"ts"`
	CreatedAt   int64           `json:"created_at"`
}

// newEphemeralID is a random id for an ephemeral message.
func newEphemeralID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "e" + hex.EncodeToString(b[:])
}

// CommandResult is what running a command came to.
type CommandResult struct {
	Command string `json:"command"`
	// OK is false when the command failed; Error then says why
	// (unknown_command, invalid_arguments, the failed call's code,
	// operation_timeout, dispatch_failed, http_client_error,
	// http_server_error) and an ephemeral message explains it.
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Ephemeral replies went to the invoker only.
	Ephemeral []Ephemeral `json:"ephemeral"`
	// Messages were posted into channels (the command line itself for an
	// in_channel reply, then the reply).
	Messages []channels.Message `json:"messages"`
}

// Invocation is one run of a command.
type Invocation struct {
	Actor    *channels.Actor
	Channel  *channels.Channel
	ThreadID int64
	Trigger  string // without the slash, lower case
	Text     string // everything after the trigger, trimmed
	Line     string // what was typed
	result   *CommandResult
}

// reply adds an ephemeral message to the result; deliver names its author.
func (inv *Invocation) reply(text string) {
	inv.result.Ephemeral = append(inv.result.Ephemeral, Ephemeral{Text: text})
}

// fail ends the invocation with an error code and an explanation.
func (inv *Invocation) fail(code, format string, args ...any) {
	inv.result.OK = false
	inv.result.Error = code
	inv.reply(fmt.Sprintf(format, args...))
}

// posted records a message the command posted.
func (inv *Invocation) posted(m *channels.Message) {
	inv.result.Messages = append(inv.result.Messages, *m)
}

// builtin is a command that runs inside the server.
type builtin struct {
	Trigger     string
	Description string
	Usage       string
	Run         func(ctx context.Context, inv *Invocation) error
}

// MaxCommandText bounds the text of a command line.
const MaxCommandText = channels.MaxTextRunes

// Invoke runs the command line text in a channel the actor can read.
// A line starting with "//" is posted as an ordinary message starting with
// "/". Failures of the command itself come back as a result with OK false
// and an ephemeral explanation; the error is for requests that cannot be
// run at all (an unknown or unreadable channel, malformed input).
func (c *Commands) Invoke(ctx context.Context, actor *channels.Actor, channelID int64, line string, threadID int64) (*CommandResult, error) {
	ch, err := c.svc.Channel(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	trimmed := strings.TrimSpace(line)
	if utf8.RuneCountInString(trimmed) > MaxCommandText {
		return nil, channels.Invalid("text_too_long", "text", "the command line is longer than %d characters", MaxCommandText)
	}
	if !strings.HasPrefix(trimmed, "/") {
		return nil, channels.Invalid("not_a_command", "text", "a command starts with /; send ordinary messages to the messages endpoint")
	}
	if strings.HasPrefix(trimmed, "//") {
		m, _, err := c.svc.PostMessage(ctx, actor, ch.ID, channels.NewMessage{Text: strings.TrimPrefix(strings.TrimLeft(line, " \t\r\n"), "/"), ThreadID: threadID})
		if err != nil {
			return nil, err
		}
		return &CommandResult{Command: "", OK: true, Ephemeral: []Ephemeral{}, Messages: []channels.Message{*m}}, nil
	}
	trigger, text, _ := strings.Cut(trimmed[1:], " ")
	trigger = strings.ToLower(trigger)
	inv := &Invocation{Actor: actor, Channel: ch, ThreadID: threadID, Trigger: trigger, Text: strings.TrimSpace(text), Line: trimmed,
		result: &CommandResult{Command: "/" + trigger, OK: true, Ephemeral: []Ephemeral{}, Messages: []channels.Message{}}}
	if b, ok := c.builtins[trigger]; ok {
		if err := b.Run(ctx, inv); err != nil {
			if !c.explain(inv, err) {
				return nil, err
			}
		}
	} else {
		cmd, err := c.commandByTrigger(ctx, trigger)
		switch {
		case err == nil:
			c.runRemote(ctx, inv, cmd)
		case errors.Is(err, channels.ErrNotFound):
			inv.fail("unknown_command", "/%s is not a command here. Type /help to see the commands you can use.", trigger)
		default:
			return nil, err
		}
	}
	c.deliver(ctx, inv, 0)
	return inv.result, nil
}

// explain turns the error of a built-in into the invoker's ephemeral
// explanation; it reports false for errors that are the server's fault.
func (c *Commands) explain(inv *Invocation, err error) bool {
	he := channels.ToHTTP(err)
	if he.Status >= 500 {
		return false
	}
	inv.fail(he.Code, "/%s: %s", inv.Trigger, he.Message)
	return true
}

// deliver stamps the invocation's ephemeral replies (author authorID, 0
// for the system bot) and sends them to the invoker's connections.
func (c *Commands) deliver(ctx context.Context, inv *Invocation, authorID int64) {
	if len(inv.result.Ephemeral) == 0 {
		return
	}
	if authorID == 0 {
		if bot, err := c.svc.SystemBot(ctx); err == nil {
			authorID = bot.ID
		}
	}
	for i := range inv.result.Ephemeral {
		e := &inv.result.Ephemeral[i]
		e.stamp(inv.Channel.ID, authorID, inv.ThreadID)
		c.sendEphemeral(inv.Actor.ID, e)
	}
}

// stamp fills in an ephemeral message's id, place, author and time.
func (e *Ephemeral) stamp(channelID, authorID, threadID int64) {
	now := time.Now().UnixMilli()
	if e.ID == "" {
		e.ID = newEphemeralID()
	}
	if e.Markup == "" {
		e.Markup = channels.MarkupMrkdwn
	}
	e.ChannelID, e.CreatedAt, e.TS = channelID, now, slackwire.MillisTS(now)
	if e.UserID == 0 {
		e.UserID = authorID
	}
	if threadID != 0 && e.ThreadID == nil {
		e.ThreadID = &threadID
	}
}

func (c *Commands) sendEphemeral(userID int64, e *Ephemeral) {
	if c.hub == nil {
		return
	}
	if err := c.hub.SendEphemeral(userID, e.ChannelID, e); err != nil {
		c.log.Error("slash commands: send ephemeral reply", "err", err)
	}
}

// validTrigger is what a bot-owned command's trigger may be.
var validTrigger = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// CommandInfo describes a command for autocomplete.
type CommandInfo struct {
	Trigger     string `json:"trigger"`
	Description string `json:"description"`
	UsageHint   string `json:"usage_hint"`
	// BuiltIn commands run in the server; the others belong to a bot.
	BuiltIn bool   `json:"built_in"`
	BotID   *int64 `json:"bot_id"`
	// Owner is who answers: "parley" for built-ins, else the bot's username.
	Owner string `json:"owner"`
}

// Available lists the commands the actor can run in a channel they can
// read, by trigger.
func (c *Commands) Available(ctx context.Context, actor *channels.Actor, channelID int64) ([]CommandInfo, error) {
	if channelID != 0 {
		if _, err := c.svc.Channel(ctx, actor, channelID); err != nil {
			return nil, err
		}
	}
	out := make([]CommandInfo, 0, len(c.builtins))
	for _, b := range c.builtins {
		out = append(out, CommandInfo{Trigger: b.Trigger, Description: b.Description, UsageHint: b.Usage, BuiltIn: true, Owner: channels.SystemBotUsername})
	}
	registered, err := c.registered(ctx)
	if err != nil {
		return nil, err
	}
	for _, cmd := range registered {
		botID := cmd.BotID
		out = append(out, CommandInfo{Trigger: cmd.Trigger, Description: cmd.Description, UsageHint: cmd.UsageHint, BotID: &botID, Owner: cmd.botUsername})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Trigger < out[j].Trigger })
	return out, nil
}
