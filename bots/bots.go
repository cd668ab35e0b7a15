package bots

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/webhooks"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the bots package's own migrations (the bots table),
// applied after the core's.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrationFiles, "migrations")
	return sub
}

// Options configure bot accounts.
type Options struct {
	// UsersCanCreateBots lets any user create bots, not only admins.
	UsersCanCreateBots bool
	// Sender checks an app's URLs (the SSRF guard, url_verification
	// signed with the app's secret); without one, apps take no URLs.
	Sender *webhooks.Sender
}

// Service manages bot accounts on top of the core's users and tokens.
type Service struct {
	core *channels.Service
	db   *sqlite.DB
	opts Options
}

// New returns the bots service; the bots migrations must have run.
func New(core *channels.Service, opts Options) *Service {
	s := &Service{core: core, db: core.DB(), opts: opts}
	return s
}

// OwnedBots lists the bots a person owns, in the caller's transaction
// (channels.Hooks.OwnedBots).
func OwnedBots(tx *sqlite.Tx, ownerID int64) ([]int64, error) {
	rows, err := tx.Query(`SELECT user_id FROM bots WHERE owner_id = ? ORDER BY user_id`, ownerID)
	if err != nil {
		return nil, err
	}
	return sqlite.ScanIDs(rows)
}

// Bot is a bot account: its user (kind "bot") and what the bots table adds.
type Bot struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	OwnerID     int64  `json:"owner_id"`
	IconEmoji   string `json:"icon_emoji"`
	IconURL     string `json:"icon_url"`
	Deactivated bool   `json:"deactivated"`
	CreatedAt   int64  `json:"created_at"`
}

// NewBot is the input of Create.
type NewBot struct {
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	IconEmoji   string   `json:"icon_emoji"`
	IconURL     string   `json:"icon_url"`
	Scopes      []string `json:"scopes"`
}

// BotPatch holds the fields of PATCH /bots/{id}; nil leaves a field alone.
type BotPatch struct {
	DisplayName *string `json:"display_name"`
	IconEmoji   *string `json:"icon_emoji"`
	IconURL     *string `json:"icon_url"`
}

// Create makes a bot owned by owner, with a first token carrying scopes;
// the token's secret is returned once. Admins may, and any user when the
// server allows users to create bots. A bot token cannot create bots.
func (s *Service) Create(ctx context.Context, owner *channels.Actor, in NewBot) (*Bot, *channels.Token, string, error) {
	if err := s.mayCreate(owner); err != nil {
		return nil, nil, "", err
	}
	return s.create(ctx, owner.ID, in)
}

// mayCreate is nil when the caller may create bots (and apps): an admin, or
// any person when the server lets users create bots; never a bot.
func (s *Service) mayCreate(owner *channels.Actor) error {
	if owner.Scopes != nil || owner.Kind == channels.KindBot {
		return channels.Forbidden("bots_cannot_create_bots", "a bot cannot create bots")
	}
	if !owner.IsAdmin && !s.opts.UsersCanCreateBots {
		return channels.Forbidden("admin_only", "only an admin can create bots on this server")
	}
	return nil
}

// CreateFor makes a bot owned by the user named owner (the admin CLI).
func (s *Service) CreateFor(ctx context.Context, owner string, in NewBot) (*Bot, *channels.Token, string, error) {
	u, err := s.core.UserByName(ctx, owner)
	if err != nil {
		return nil, nil, "", err
	}
	if u.Kind != channels.KindPerson {
		return nil, nil, "", channels.Invalid("invalid_owner", "owner", "a bot's owner must be a person")
	}
	return s.create(ctx, u.ID, in)
}

func (s *Service) create(ctx context.Context, ownerID int64, in NewBot) (*Bot, *channels.Token, string, error) {
	return s.createWith(ctx, ownerID, in, nil)
}

// createWith is create with also run in the same transaction once the bot
// exists (an app records itself there).
func (s *Service) createWith(ctx context.Context, ownerID int64, in NewBot, also func(tx *sqlite.Tx, botID, now int64) error) (*Bot, *channels.Token, string, error) {
	emoji, iconURL, err := channels.ValidateIcon(in.IconEmoji, in.IconURL)
	if err != nil {
		return nil, nil, "", err
	}
	var created int64
	u, tok, secret, err := s.core.CreateBot(ctx, channels.NewBot{Username: in.Username, DisplayName: in.DisplayName,
		IconEmoji: emoji, IconURL: iconURL, Scopes: in.Scopes, TokenName: "default"}, func(tx *sqlite.Tx, bot *channels.User) error {
		created = bot.CreatedAt
		if _, err := tx.Exec(`INSERT INTO bots (user_id, owner_id, created_at) VALUES (?, ?, ?)`, bot.ID, ownerID, created); err != nil {
			return err
		}
		if also != nil {
			return also(tx, bot.ID, created)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	b := &Bot{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, OwnerID: ownerID, IconEmoji: emoji,
		IconURL: iconURL, CreatedAt: created}
	return b, tok, secret, nil
}

// botRow is what the bots table keeps of a bot; the core keeps its user
// and icon (channels.BotAccount).
type botRow struct {
	id, ownerID, createdAt int64
}

// withAccounts completes the bots' rows with what the core keeps of them,
// in the rows' order; a row whose user is gone is left out.
func (s *Service) withAccounts(ctx context.Context, rows []botRow) ([]Bot, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	accounts, err := s.core.BotAccounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Bot, 0, len(rows))
	for _, r := range rows {
		if a := accounts[r.id]; a != nil {
			out = append(out, Bot{ID: r.id, Username: a.Username, DisplayName: a.DisplayName, OwnerID: r.ownerID,
				IconEmoji: a.IconEmoji, IconURL: a.IconURL, Deactivated: a.Deactivated, CreatedAt: r.createdAt})
		}
	}
	return out, nil
}

// Bot returns a bot by its user id, without checking who asks; manageable
// adds that check.
func (s *Service) Bot(ctx context.Context, id int64) (*Bot, error) {
	var r botRow
	err := s.db.ReadRow(ctx, `SELECT user_id, owner_id, created_at FROM bots WHERE user_id = ?`, id).Scan(&r.id, &r.ownerID, &r.createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("bot")
	}
	if err != nil {
		return nil, fmt.Errorf("load bot %d: %w", id, err)
	}
	bots, err := s.withAccounts(ctx, []botRow{r})
	if err != nil {
		return nil, fmt.Errorf("load bot %d: %w", id, err)
	}
	if len(bots) == 0 {
		return nil, channels.NotFound("bot")
	}
	return &bots[0], nil
}

// manageable returns a bot the actor may manage: its owner or an admin.
// Anyone else gets 404, as if it did not exist.
func (s *Service) manageable(ctx context.Context, actor *channels.Actor, id int64) (*Bot, error) {
	if actor.Scopes != nil {
		return nil, errBotsCannotManage
	}
	b, err := s.Bot(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayManage(actor, b); err != nil {
		return nil, err
	}
	return b, nil
}

var errBotsCannotManage = channels.Forbidden("bots_cannot_manage_bots", "bot tokens cannot manage bots")

// mayManage is the rule of who manages a bot (and its app): its owner and
// admins; a bot token never (403); anyone else is told it does not exist.
func mayManage(actor *channels.Actor, b *Bot) error {
	if actor.Scopes != nil {
		return errBotsCannotManage
	}
	if b.OwnerID != actor.ID && !actor.IsAdmin {
		return channels.NotFound("bot")
	}
	return nil
}

// Get returns a bot its owner or an admin asks for.
func (s *Service) Get(ctx context.Context, actor *channels.Actor, id int64) (*Bot, error) {
	return s.manageable(ctx, actor, id)
}

// List returns the bots the actor manages (an admin: all of them), by id.
func (s *Service) List(ctx context.Context, actor *channels.Actor) ([]Bot, error) {
	if actor.Scopes != nil {
		return nil, errBotsCannotManage
	}
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT user_id, owner_id, created_at FROM bots
		WHERE owner_id = ? OR ? ORDER BY user_id`, actor.ID, actor.IsAdmin)
	if err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	defer rows.Close()
	var list []botRow
	for rows.Next() {
		var r botRow
		if err := rows.Scan(&r.id, &r.ownerID, &r.createdAt); err != nil {
			return nil, fmt.Errorf("scan bot: %w", err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	return s.withAccounts(ctx, list)
}

// Update changes a bot's display name and icon.
func (s *Service) Update(ctx context.Context, actor *channels.Actor, id int64, p BotPatch) (*Bot, error) {
	b, err := s.manageable(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	emoji, iconURL := b.IconEmoji, b.IconURL
	if p.IconEmoji != nil {
		emoji = *p.IconEmoji
	}
	if p.IconURL != nil {
		iconURL = *p.IconURL
	}
	if emoji, iconURL, err = channels.ValidateIcon(emoji, iconURL); err != nil {
		return nil, err
	}
	if p.DisplayName != nil {
		u, err := s.core.SetBotDisplayName(ctx, actor.ID, id, *p.DisplayName)
		if err != nil {
			return nil, err
		}
		b.DisplayName = u.DisplayName
	}
	if emoji != b.IconEmoji || iconURL != b.IconURL {
		if err := s.core.SetBotIcon(ctx, id, emoji, iconURL); err != nil {
			return nil, err
		}
		b.IconEmoji, b.IconURL = emoji, iconURL
	}
	return b, nil
}

// Delete deactivates a bot and revokes its tokens. Its messages stay.
func (s *Service) Delete(ctx context.Context, actor *channels.Actor, id int64) error {
	if _, err := s.manageable(ctx, actor, id); err != nil {
		return err
	}
	return s.core.DeactivateBot(ctx, actor.ID, id)
}

// Tokens lists a bot's tokens.
func (s *Service) Tokens(ctx context.Context, actor *channels.Actor, id int64) ([]channels.Token, error) {
	if _, err := s.manageable(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.core.BotTokens(ctx, id)
}

// IssueToken gives a bot another named token with scopes; the secret is
// returned once.
func (s *Service) IssueToken(ctx context.Context, actor *channels.Actor, id int64, name string, scopes []string) (*channels.Token, string, error) {
	if _, err := s.manageable(ctx, actor, id); err != nil {
		return nil, "", err
	}
	return s.core.IssueBotToken(ctx, id, strings.TrimSpace(name), scopes)
}

// RevokeToken deletes one of a bot's tokens.
func (s *Service) RevokeToken(ctx context.Context, actor *channels.Actor, id, tokenID int64) error {
	if _, err := s.manageable(ctx, actor, id); err != nil {
		return err
	}
	return s.core.RevokeBotToken(ctx, id, tokenID)
}
