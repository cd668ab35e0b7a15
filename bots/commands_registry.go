package bots

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// Command is a bot-owned slash command.
type Command struct {
	ID          int64  `json:"id"`
	Trigger     string `json:"trigger"`
	URL         string `json:"url"`
	Method      string `json:"method"`
	Description string `json:"description"`
	UsageHint   string `json:"usage_hint"`
	BotID       int64  `json:"bot_id"`
	CreatorID   int64  `json:"creator_id"`
	// Token is the legacy verification token sent in each request.
	Token     string `json:"token"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	secret      string
	botUsername string
}

// CommandInput creates a command, or (nil fields left alone) updates one.
type CommandInput struct {
	Trigger     *string `json:"trigger"`
	URL         *string `json:"url"`
	Method      *string `json:"method"`
	Description *string `json:"description"`
	UsageHint   *string `json:"usage_hint"`
	BotID       *int64  `json:"bot_id"`
}

const commandColumns = `c.id, c.trigger, c.url, c.method, c.description, c.usage_hint, c.bot_id, c.creator_id, c.secret, c.token,
	c.created_at, c.updated_at`

func scanCommand(row interface{ Scan(...any) error }, c *Command) error {
	return row.Scan(&c.ID, &c.Trigger, &c.URL, &c.Method, &c.Description, &c.UsageHint, &c.BotID, &c.CreatorID, &c.secret,
		&c.Token, &c.CreatedAt, &c.UpdatedAt)
}

// commandByTrigger finds the bot-owned command with that trigger.
func (c *Commands) commandByTrigger(ctx context.Context, trigger string) (*Command, error) {
	return c.loadCommand(ctx, "c.trigger = ?", trigger)
}

// command loads a command by id.
func (c *Commands) command(ctx context.Context, id int64) (*Command, error) {
	return c.loadCommand(ctx, "c.id = ?", id)
}

func (c *Commands) loadCommand(ctx context.Context, where string, arg any) (*Command, error) {
	var cmd Command
	err := scanCommand(c.svc.DB().ReadRow(ctx, `SELECT `+commandColumns+` FROM commands c WHERE `+where, arg), &cmd)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("command")
	}
	if err != nil {
		return nil, fmt.Errorf("load command %v: %w", arg, err)
	}
	cmds, err := c.withBots(ctx, []Command{cmd}, false)
	if err != nil {
		return nil, fmt.Errorf("load command %v: %w", arg, err)
	}
	return &cmds[0], nil
}

// queryCommands runs a query for commands (commandColumns of c).
func (c *Commands) queryCommands(ctx context.Context, query string, args ...any) ([]Command, error) {
	rows, err := c.svc.DB().Reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Command{}
	for rows.Next() {
		var cmd Command
		if err := scanCommand(rows, &cmd); err != nil {
			return nil, err
		}
		out = append(out, cmd)
	}
	return out, rows.Err()
}

// withBots names each command's bot (the core keeps bot accounts); with
// activeOnly, the commands of deactivated bots are left out.
func (c *Commands) withBots(ctx context.Context, cmds []Command, activeOnly bool) ([]Command, error) {
	ids := make([]int64, len(cmds))
	for i, cmd := range cmds {
		ids[i] = cmd.BotID
	}
	accounts, err := c.svc.BotAccounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := cmds[:0]
	for _, cmd := range cmds {
		a := accounts[cmd.BotID]
		if activeOnly && (a == nil || a.Deactivated) {
			continue
		}
		if a != nil {
			cmd.botUsername = a.Username
		}
		out = append(out, cmd)
	}
	return out, nil
}

// registered lists every bot-owned command of an active bot.
func (c *Commands) registered(ctx context.Context) ([]Command, error) {
	cmds, err := c.queryCommands(ctx, `SELECT `+commandColumns+` FROM commands c ORDER BY c.trigger`)
	if err == nil {
		cmds, err = c.withBots(ctx, cmds, true)
	}
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return cmds, nil
}

// managed returns a command the actor may change: its bot's owner or an
// admin. Anyone else gets 404.
func (c *Commands) managed(ctx context.Context, actor *channels.Actor, id int64) (*Command, error) {
	cmd, err := c.command(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := c.bots.manageable(ctx, actor, cmd.BotID); err != nil {
		if errors.Is(err, channels.ErrNotFound) {
			return nil, channels.NotFound("command")
		}
		return nil, err
	}
	return cmd, nil
}

// Get returns a command the actor manages.
func (c *Commands) Get(ctx context.Context, actor *channels.Actor, id int64) (*Command, error) {
	return c.managed(ctx, actor, id)
}

// Managed lists the commands of the bots the actor manages (an admin: all).
func (c *Commands) Managed(ctx context.Context, actor *channels.Actor) ([]Command, error) {
	if actor.Scopes != nil {
		return nil, channels.Forbidden("bots_cannot_manage_bots", "bot tokens cannot manage commands")
	}
	cmds, err := c.queryCommands(ctx, `SELECT `+commandColumns+` FROM commands c JOIN bots b ON b.user_id = c.bot_id
		WHERE b.owner_id = ? OR ? ORDER BY c.trigger`, actor.ID, actor.IsAdmin)
	if err == nil {
		cmds, err = c.withBots(ctx, cmds, false)
	}
	if err != nil {
		return nil, fmt.Errorf("list managed commands: %w", err)
	}
	return cmds, nil
}

// apply validates in onto cmd.
func (c *Commands) apply(ctx context.Context, actor *channels.Actor, cmd *Command, in CommandInput) error {
	if in.Trigger != nil {
		t := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(*in.Trigger), "/"))
		if !validTrigger.MatchString(t) {
			return channels.Invalid("invalid_trigger", "trigger", "a trigger is 1-32 characters of a-z, 0-9, '_' and '-'")
		}
		if _, builtIn := c.builtins[t]; builtIn || reservedTriggers[t] {
			return channels.Conflict("trigger_reserved", fmt.Sprintf("/%s is a built-in command", t))
		}
		cmd.Trigger = t
	}
	if in.URL != nil {
		u, err := url.Parse(strings.TrimSpace(*in.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(*in.URL) > 2000 {
			return channels.Invalid("invalid_url", "url", "the command URL must be an absolute http or https URL")
		}
		cmd.URL = u.String()
	}
	if in.Method != nil {
		m := strings.ToUpper(strings.TrimSpace(*in.Method))
		switch m {
		case "POST", "P", "":
			m = "POST"
		case "GET", "G":
			m = "GET"
		default:
			return channels.Invalid("invalid_method", "method", "method is POST or GET")
		}
		cmd.Method = m
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > 128 {
			return channels.Invalid("invalid_description", "description", "a description is at most 128 characters")
		}
		cmd.Description = strings.TrimSpace(*in.Description)
	}
	if in.UsageHint != nil {
		if utf8.RuneCountInString(*in.UsageHint) > 128 {
			return channels.Invalid("invalid_usage_hint", "usage_hint", "a usage hint is at most 128 characters")
		}
		cmd.UsageHint = strings.TrimSpace(*in.UsageHint)
	}
	if in.BotID != nil {
		b, err := c.bots.manageable(ctx, actor, *in.BotID)
		if errors.Is(err, channels.ErrNotFound) {
			return channels.Invalid("bot_not_found", "bot_id", "no bot %d that you manage", *in.BotID)
		}
		if err != nil {
			return err
		}
		if b.Deactivated {
			return channels.Invalid("bot_deactivated", "bot_id", "bot %d is deactivated", b.ID)
		}
		cmd.BotID = b.ID
	}
	return nil
}

// reservedTriggers are built-ins that may not be registered even where
// this server leaves them out (/search without a search backend).
var reservedTriggers = map[string]bool{"search": true, "remind": true}

// Create registers a bot-owned command; the actor must manage the bot.
// The signing secret is returned once (and again on rotation).
func (c *Commands) Create(ctx context.Context, actor *channels.Actor, in CommandInput) (*Command, string, error) {
	if actor.Scopes != nil {
		return nil, "", channels.Forbidden("bots_cannot_manage_bots", "bot tokens cannot manage commands")
	}
	// Each pointer is checked as itself: a nil *string stored in an any
	// is not a nil any.
	for _, f := range []struct {
		field   string
		missing bool
	}{{"trigger", in.Trigger == nil || *in.Trigger == ""}, {"url", in.URL == nil || *in.URL == ""}, {"bot_id", in.BotID == nil}} {
		if f.missing {
			return nil, "", channels.Invalid("missing_"+f.field, f.field, "%s is required", f.field)
		}
	}
	cmd := &Command{Method: "POST", CreatorID: actor.ID, secret: channels.NewSecret("plc_"), Token: channels.NewSecret("")[:26]}
	if err := c.apply(ctx, actor, cmd, in); err != nil {
		return nil, "", err
	}
	now := time.Now().UnixMilli()
	cmd.CreatedAt, cmd.UpdatedAt = now, now
	err := c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO commands (trigger, url, method, description, usage_hint, bot_id, creator_id, secret, token, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, cmd.Trigger, cmd.URL, cmd.Method, cmd.Description, cmd.UsageHint, cmd.BotID,
			cmd.CreatorID, cmd.secret, cmd.Token, now, now)
		if sqlite.IsUniqueViolation(err) {
			return channels.Conflict("trigger_taken", fmt.Sprintf("/%s is already a command", cmd.Trigger))
		}
		if err != nil {
			return err
		}
		cmd.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("create command /%s: %w", cmd.Trigger, err)
	}
	created, err := c.command(ctx, cmd.ID)
	if err != nil {
		return nil, "", err
	}
	return created, cmd.secret, nil
}

// Update changes a command the actor manages.
func (c *Commands) Update(ctx context.Context, actor *channels.Actor, id int64, in CommandInput) (*Command, error) {
	cmd, err := c.managed(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := c.apply(ctx, actor, cmd, in); err != nil {
		return nil, err
	}
	err = c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE commands SET trigger = ?, url = ?, method = ?, description = ?, usage_hint = ?, bot_id = ?, updated_at = ?
			WHERE id = ?`, cmd.Trigger, cmd.URL, cmd.Method, cmd.Description, cmd.UsageHint, cmd.BotID, time.Now().UnixMilli(), id)
		if sqlite.IsUniqueViolation(err) {
			return channels.Conflict("trigger_taken", fmt.Sprintf("/%s is already a command", cmd.Trigger))
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update command %d: %w", id, err)
	}
	return c.command(ctx, id)
}

// Delete removes a command the actor manages; its response URLs stop
// working.
func (c *Commands) Delete(ctx context.Context, actor *channels.Actor, id int64) error {
	if _, err := c.managed(ctx, actor, id); err != nil {
		return err
	}
	return c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`DELETE FROM commands WHERE id = ?`, id)
		return err
	})
}

// RotateSecret gives a command a new signing secret and returns it.
func (c *Commands) RotateSecret(ctx context.Context, actor *channels.Actor, id int64) (*Command, string, error) {
	if _, err := c.managed(ctx, actor, id); err != nil {
		return nil, "", err
	}
	secret := channels.NewSecret("plc_")
	err := c.svc.DB().Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE commands SET secret = ?, updated_at = ? WHERE id = ?`, secret, time.Now().UnixMilli(), id)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("rotate command %d secret: %w", id, err)
	}
	cmd, err := c.command(ctx, id)
	return cmd, secret, err
}
