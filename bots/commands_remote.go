package bots

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/webhooks"
)

// Response URLs, as Slack's: up to ResponseURLUses POSTs within
// ResponseURLTTL of the invocation.
const (
	ResponseURLUses = 5
	ResponseURLTTL  = 30 * time.Minute
	// maxCommandResponse bounds what is read of an app's answer.
	maxCommandResponse = 1 << 20
)

// CommandResponse is what a bot's app answers, at once or through the
// response_url: Slack's fields, with Mattermost's names where they differ.
type CommandResponse struct {
	ResponseType    string          `json:"response_type"`
	Text            string          `json:"text"`
	Attachments     json.RawMessage `json:"attachments"`
	Blocks          json.RawMessage `json:"blocks"`
	Username        string          `json:"username"`
	IconEmoji       string          `json:"icon_emoji"`
	IconURL         string          `json:"icon_url"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
}

// Response types.
const (
	ResponseInChannel = "in_channel"
)

// responseRow is one invocation's response_url state.
type responseRow struct {
	id            int64
	commandID     int64
	userID        int64
	channelID     int64
	threadID      int64
	uses          int
	lastMessageID int64
	lastEphemeral string
	expiresAt     int64
}

// runRemote sends the invocation to the command's app and shows its answer.
func (c *Commands) runRemote(ctx context.Context, inv *Invocation, cmd *Command) {
	bot, err := c.svc.User(ctx, cmd.BotID)
	if err != nil || bot.Deactivated {
		inv.fail("dispatch_failed", "/%s cannot run: the bot that answers it is deactivated.", cmd.Trigger)
		return
	}
	if c.opts.Sender == nil {
		inv.fail("dispatch_failed", "/%s cannot run: this server makes no outbound calls.", cmd.Trigger)
		return
	}
	secret := channels.NewSecret("plr_")
	row := &responseRow{commandID: cmd.ID, userID: inv.Actor.ID, channelID: inv.Channel.ID, threadID: inv.ThreadID,
		expiresAt: time.Now().Add(ResponseURLTTL).UnixMilli()}
	if err := c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO command_responses (secret_hash, command_id, user_id, channel_id, thread_id, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, channels.HashSecret(secret), cmd.ID, row.userID, row.channelID, nullID(row.threadID),
			time.Now().UnixMilli(), row.expiresAt)
		if err != nil {
			return err
		}
		row.id, err = res.LastInsertId()
		return err
	}); err != nil {
		c.log.Error("slash commands: store response url", "command", cmd.Trigger, "err", err)
		inv.fail("dispatch_failed", "/%s could not run: the server failed to record it.", cmd.Trigger)
		return
	}

	form := c.requestForm(inv, cmd, secret)
	sendCtx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	res := c.opts.Sender.Send(sendCtx, webhooks.Request{URL: cmd.URL, Method: cmd.Method, Body: []byte(form.Encode()),
		ContentType: "application/x-www-form-urlencoded", Secret: cmd.secret, MaxBody: maxCommandResponse,
		Header: http.Header{"Accept": {"application/json"}, "Authorization": {"Token " + cmd.Token}}})
	switch {
	case res.Err != nil && (errors.Is(res.Err, context.DeadlineExceeded) || sendCtx.Err() != nil):
		inv.fail("operation_timeout", "/%s failed: the app did not answer within %s (operation_timeout).", cmd.Trigger, c.opts.Timeout)
		return
	case res.Err != nil && errors.Is(res.Err, webhooks.ErrForbiddenAddress):
		inv.fail("dispatch_failed", "/%s failed: its URL points at an address this server may not call (dispatch_failed).", cmd.Trigger)
		return
	case res.Err != nil:
		inv.fail("dispatch_failed", "/%s failed: the app could not be reached: %s (dispatch_failed).", cmd.Trigger, shortError(res.Err))
		return
	case res.Status >= 500:
		inv.fail("http_server_error", "/%s failed: the app answered %d %s (http_server_error).", cmd.Trigger, res.Status, http.StatusText(res.Status))
		return
	case !res.OK():
		inv.fail("http_client_error", "/%s failed: the app answered %d %s (http_client_error).", cmd.Trigger, res.Status, http.StatusText(res.Status))
		return
	}
	resp, ok := parseCommandResponse(res.Header.Get("Content-Type"), res.Body)
	if !ok {
		return // an empty 200 shows nothing
	}
	c.respond(ctx, inv, cmd, actorForBot(bot), row, resp, true)
	c.deliver(ctx, inv, cmd.BotID)
	if err := c.saveResponse(ctx, row); err != nil {
		c.log.Error("slash commands: record response", "command", cmd.Trigger, "err", err)
	}
}

// requestForm is the form Slack sends a command's app (plus Mattermost's
// root_id inside a thread).
func (c *Commands) requestForm(inv *Invocation, cmd *Command, secret string) url.Values {
	form := url.Values{
		"token":        {cmd.Token},
		"team_id":      {slackwire.TeamID},
		"team_domain":  {slackwire.TeamDomain},
		"channel_id":   {slackwire.ChannelID(inv.Channel)},
		"channel_name": {slackChannelName(inv.Channel)},
		"user_id":      {slackwire.UserID(inv.Actor.ID)},
		"user_name":    {inv.Actor.Username},
		"command":      {"/" + cmd.Trigger},
		"text":         {inv.Text},
		"response_url": {strings.TrimSuffix(c.opts.PublicURL, "/") + "/hooks/responses/" + secret},
		"trigger_id":   {strconv.FormatInt(time.Now().UnixMilli(), 10) + "." + newEphemeralID()[1:]},
		"api_app_id":   {"A" + strconv.FormatInt(cmd.BotID, 10)},
	}
	if inv.ThreadID != 0 {
		form.Set("root_id", strconv.FormatInt(inv.ThreadID, 10))
	}
	return form
}

// slackChannelName is what Slack sends as channel_name: the name, or
// directmessage / privategroup for conversations without one.
func slackChannelName(ch *channels.Channel) string {
	switch ch.Kind {
	case channels.ChannelDM:
		return "directmessage"
	case channels.ChannelGroupDM:
		return "privategroup"
	}
	return ch.Name
}

// parseCommandResponse reads an app's answer: JSON when it says so (or
// looks like it), otherwise plain text shown to the invoker. ok is false
// for an empty body.
func parseCommandResponse(contentType string, body []byte) (CommandResponse, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return CommandResponse{}, false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || body[0] == '{' {
		var r CommandResponse
		if json.Unmarshal(body, &r) == nil {
			return r, true
		}
	}
	return CommandResponse{Text: string(body)}, true
}

// respond shows one response of a bot's app: ephemeral to the invoker, or
// in the channel as the bot. first is the app's immediate answer, after
// which an in_channel reply is preceded by the invoker's command line, as
// in Slack.
func (c *Commands) respond(ctx context.Context, inv *Invocation, cmd *Command, bot *channels.Actor, row *responseRow, r CommandResponse, first bool) {
	eph := Ephemeral{UserID: cmd.BotID, Text: r.Text, Attachments: nonNull(r.Attachments), Blocks: nonNull(r.Blocks),
		Username: r.Username, IconEmoji: r.IconEmoji, IconURL: r.IconURL}
	if r.DeleteOriginal {
		if row.lastMessageID != 0 {
			if err := c.svc.DeleteMessage(ctx, bot, row.lastMessageID); err != nil && !errors.Is(err, channels.ErrNotFound) {
				c.log.Warn("slash commands: delete original", "command", cmd.Trigger, "err", err)
			}
			row.lastMessageID = 0
		}
		if row.lastEphemeral != "" {
			inv.result.Ephemeral = append(inv.result.Ephemeral, Ephemeral{UserID: cmd.BotID, Replaces: row.lastEphemeral, Deleted: true})
			row.lastEphemeral = ""
		}
		return
	}
	if r.ResponseType != ResponseInChannel {
		if r.ReplaceOriginal {
			eph.Replaces = row.lastEphemeral
		}
		eph.ID = newEphemeralID()
		row.lastEphemeral = eph.ID
		inv.result.Ephemeral = append(inv.result.Ephemeral, eph)
		return
	}
	if r.ReplaceOriginal && row.lastMessageID != 0 {
		// The replacement replaces all of it: no attachments means none.
		text, atts, blocks := r.Text, nonNull(r.Attachments), nonNull(r.Blocks)
		if atts == nil {
			atts = json.RawMessage("[]")
		}
		if blocks == nil {
			blocks = json.RawMessage("[]")
		}
		m, err := c.svc.EditMessage(ctx, bot, row.lastMessageID, channels.MessageEdit{Text: &text, Attachments: atts, Blocks: blocks})
		if err == nil {
			inv.posted(m)
			return
		}
		c.log.Warn("slash commands: replace original", "command", cmd.Trigger, "err", err)
	}
	if first {
		line, _, err := c.svc.PostMessage(ctx, inv.Actor, inv.Channel.ID, channels.NewMessage{Text: inv.Line, ThreadID: inv.ThreadID})
		if err != nil {
			inv.fail(channels.ToHTTP(err).Code, "/%s: your command could not be posted: %s", cmd.Trigger, err)
			return
		}
		inv.posted(line)
	}
	m, _, err := c.svc.PostMessage(ctx, bot, inv.Channel.ID, channels.NewMessage{Text: r.Text, Markup: channels.MarkupMrkdwn,
		Attachments: nonNull(r.Attachments), Blocks: nonNull(r.Blocks), ThreadID: inv.ThreadID,
		ServerProps: map[string]any{"from_command": "/" + cmd.Trigger},
		Username:    r.Username, IconEmoji: r.IconEmoji, IconURL: r.IconURL})
	if err != nil {
		// A private channel the bot is not in: show the reply to the
		// invoker rather than lose it.
		eph.ID = newEphemeralID()
		eph.Text = fmt.Sprintf("%s\n\n_(@%s could not post this in the channel: %s)_", r.Text, cmd.botUsername, err)
		inv.result.Ephemeral = append(inv.result.Ephemeral, eph)
		return
	}
	row.lastMessageID = m.ID
	inv.posted(m)
}

// botActor loads the bot that speaks for a command (see actorForBot).
func (c *Commands) botActor(ctx context.Context, botID int64) *channels.Actor {
	u, err := c.svc.User(ctx, botID)
	if err != nil {
		u = &channels.User{ID: botID, Kind: channels.KindBot}
	}
	return actorForBot(u)
}

// actorForBot is a bot speaking for its command: it may post in public
// channels it has not joined and use a reply's name and icon.
func actorForBot(u *channels.User) *channels.Actor {
	return &channels.Actor{User: *u, TokenKind: channels.TokenBot,
		Scopes: []string{channels.ScopeChatWrite, channels.ScopeChatWritePublic, channels.ScopeChatWriteCustomize}}
}

// saveResponse records what the last response made, for the next one's
// replace_original and delete_original.
func (c *Commands) saveResponse(ctx context.Context, row *responseRow) error {
	return c.svc.DB().Write(context.WithoutCancel(ctx), func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE command_responses SET last_message_id = ?, last_ephemeral = ? WHERE id = ?`,
			nullID(row.lastMessageID), row.lastEphemeral, row.id)
		return err
	})
}

// ResponseError is a failed response_url POST: a status and Slack's code.
type ResponseError struct {
	Status int
	Code   string
}

func (e *ResponseError) Error() string { return e.Code }

// Respond takes a POST to a response URL: the same answer an app gives at
// once, plus replace_original and delete_original.
func (c *Commands) Respond(ctx context.Context, secret string, contentType string, body []byte) error {
	resp, ok := parseCommandResponse(contentType, body)
	if !ok {
		return &ResponseError{Status: http.StatusBadRequest, Code: "no_text"}
	}
	if body = bytes.TrimSpace(body); len(body) > 0 && body[0] == '{' && !json.Valid(body) {
		return &ResponseError{Status: http.StatusBadRequest, Code: "invalid_payload"}
	}
	row, err := c.useResponseURL(ctx, secret)
	if err != nil {
		return err
	}
	cmd, err := c.command(ctx, row.commandID)
	if err != nil {
		return &ResponseError{Status: http.StatusNotFound, Code: "expired_url"}
	}
	// A response URL speaks for the command's bot and its invoker: it ends
	// with either's account.
	user, err := c.svc.User(ctx, row.userID)
	if err != nil {
		return err
	}
	if b, err := c.svc.User(ctx, cmd.BotID); err != nil || b.Deactivated || user.Deactivated {
		return &ResponseError{Status: http.StatusNotFound, Code: "expired_url"}
	}
	actor := &channels.Actor{User: *user}
	bot := c.botActor(ctx, cmd.BotID)
	ch, err := c.svc.Channel(ctx, bot, row.channelID)
	if err != nil {
		if ch, err = c.svc.Channel(ctx, actor, row.channelID); err != nil {
			return &ResponseError{Status: http.StatusNotFound, Code: "channel_not_found"}
		}
	}
	inv := &Invocation{Actor: actor, Channel: ch, ThreadID: row.threadID, Trigger: cmd.Trigger,
		result: &CommandResult{Command: "/" + cmd.Trigger, OK: true}}
	c.respond(ctx, inv, cmd, bot, row, resp, false)
	c.deliver(ctx, inv, cmd.BotID)
	return c.saveResponse(ctx, row)
}

// useResponseURL counts one use of a response URL, refusing one that is
// unknown, expired or used up.
func (c *Commands) useResponseURL(ctx context.Context, secret string) (*responseRow, error) {
	var row responseRow
	var threadID, lastMsg sql.NullInt64
	err := c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		err := tx.QueryRow(`SELECT id, command_id, user_id, channel_id, thread_id, uses, last_message_id, last_ephemeral, expires_at
			FROM command_responses WHERE secret_hash = ?`, channels.HashSecret(secret)).Scan(&row.id, &row.commandID, &row.userID,
			&row.channelID, &threadID, &row.uses, &lastMsg, &row.lastEphemeral, &row.expiresAt)
		if errors.Is(err, sql.ErrNoRows) {
			return &ResponseError{Status: http.StatusNotFound, Code: "no_service"}
		}
		if err != nil {
			return err
		}
		switch {
		case time.Now().UnixMilli() >= row.expiresAt:
			return &ResponseError{Status: http.StatusNotFound, Code: "expired_url"}
		case row.uses >= ResponseURLUses:
			return &ResponseError{Status: http.StatusNotFound, Code: "used_url"}
		}
		_, err = tx.Exec(`UPDATE command_responses SET uses = uses + 1 WHERE id = ?`, row.id)
		return err
	})
	if err != nil {
		return nil, err
	}
	row.threadID, row.lastMessageID = threadID.Int64, lastMsg.Int64
	return &row, nil
}

// PruneResponses deletes response URLs that expired before cutoff.
func (c *Commands) PruneResponses(ctx context.Context, cutoff time.Time) error {
	return c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`DELETE FROM command_responses WHERE expires_at < ?`, cutoff.UnixMilli())
		return err
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nonNull drops a JSON null, which means "none" in an app's answer.
func nonNull(raw json.RawMessage) json.RawMessage {
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	return raw
}

// shortError keeps the end of a transport error, which says what happened
// ("connection refused") without the URL, which may carry a secret.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
