package bots

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// App-level tokens begin as Slack's do: Bolt, slack-go's socketmode and
// Hubot's adapter tell an app token by this prefix.
const prefixAppToken = "xapp-"

// appTokenScope is the one scope app-level tokens carry: opening Socket
// Mode connections.
const appTokenScope = "connections:write"

// App is a Slack-style app: a bot with one signing secret, where its events
// and interactions go, and its Socket Mode switch. Its owner is its bot's.
type App struct {
	ID      int64  `json:"id"`
	SlackID string `json:"app_id"` // A<id>
	Name    string `json:"name"`
	Bot     *Bot   `json:"bot"`
	// SigningSecret signs every request Parley sends the app; shown to its
	// owner and admins.
	SigningSecret    string   `json:"signing_secret"`
	EventsURL        string   `json:"events_url"`
	BotEvents        []string `json:"bot_events"`
	InteractivityURL string   `json:"interactivity_url"`
	SocketMode       bool     `json:"socket_mode"`
	CreatedAt        int64    `json:"created_at"`
	UpdatedAt        int64    `json:"updated_at"`

	oldSecret      string
	oldSecretUntil int64
}

// AppSlackID is an app's Slack ID.
func AppSlackID(id int64) string { return "A" + strconv.FormatInt(id, 10) }

// NewApp is the input of CreateApp: the app's name and its bot.
type NewApp struct {
	Name string `json:"name"`
	NewBot
}

// CreateApp makes an app with a bot of its own, owned by owner (who may
// create bots), and returns it with its bot's first token, shown once.
// The signing secret exists from the start, before any URL is set.
func (s *Service) CreateApp(ctx context.Context, owner *channels.Actor, in NewApp) (*App, string, error) {
	if err := s.mayCreate(owner); err != nil {
		return nil, "", err
	}
	return s.createApp(ctx, owner.ID, in)
}

// CreateAppFor makes an app whose bot the person named owner owns, with a
// first app-level token (the admin CLI); it returns the app and the secrets
// of its bot token and app token.
func (s *Service) CreateAppFor(ctx context.Context, owner string, in NewApp) (app *App, botToken, appToken string, err error) {
	u, err := s.core.UserByName(ctx, owner)
	if err != nil {
		return nil, "", "", err
	}
	if u.Kind != channels.KindPerson {
		return nil, "", "", channels.Invalid("invalid_owner", "owner", "an app's owner must be a person")
	}
	if app, botToken, err = s.createApp(ctx, u.ID, in); err != nil {
		return nil, "", "", err
	}
	if _, appToken, err = s.issueAppToken(ctx, app.ID, "default"); err != nil {
		return nil, "", "", err
	}
	return app, botToken, appToken, nil
}

func (s *Service) createApp(ctx context.Context, ownerID int64, in NewApp) (*App, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 80 {
		return nil, "", channels.Invalid("invalid_name", "name", "an app's name is 1-80 characters")
	}
	app := &App{Name: in.Name, SigningSecret: newSigningSecret(), BotEvents: []string{}}
	bot, _, token, err := s.createWith(ctx, ownerID, in.NewBot, func(tx *sqlite.Tx, botID, now int64) error {
		res, err := tx.Exec(`INSERT INTO apps (name, bot_user_id, signing_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			app.Name, botID, app.SigningSecret, now, now)
		if err != nil {
			return err
		}
		app.CreatedAt, app.UpdatedAt = now, now
		app.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, "", err
	}
	app.SlackID, app.Bot = AppSlackID(app.ID), bot
	return app, token, nil
}

// newSigningSecret is a random signing secret in Slack's form: 32
// lowercase hex digits.
func newSigningSecret() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

const appColumns = `a.id, a.name, a.bot_user_id, a.signing_secret, a.old_secret, a.old_secret_until, a.events_url,
	a.bot_events, a.interactivity_url, a.socket_mode, a.created_at, a.updated_at`

// scanApp reads appColumns (then more) into a, returning its bot's id.
func scanApp(row interface{ Scan(...any) error }, a *App, more ...any) (botID int64, err error) {
	var events string
	err = row.Scan(append([]any{&a.ID, &a.Name, &botID, &a.SigningSecret, &a.oldSecret, &a.oldSecretUntil, &a.EventsURL,
		&events, &a.InteractivityURL, &a.SocketMode, &a.CreatedAt, &a.UpdatedAt}, more...)...)
	if err != nil {
		return 0, err
	}
	a.SlackID = AppSlackID(a.ID)
	a.BotEvents, err = decodeEvents(events)
	return botID, err
}

// app loads an app by id, without checking who asks.
func (s *Service) app(ctx context.Context, id int64) (*App, error) {
	var a App
	botID, err := scanApp(s.db.ReadRow(ctx, `SELECT `+appColumns+` FROM apps a WHERE a.id = ?`, id), &a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("app")
	}
	if err != nil {
		return nil, fmt.Errorf("load app %d: %w", id, err)
	}
	if a.Bot, err = s.Bot(ctx, botID); err != nil {
		return nil, fmt.Errorf("load app %d: %w", id, err)
	}
	return &a, nil
}

// App returns an app its owner or an admin asks for; anyone else gets 404.
func (s *Service) App(ctx context.Context, actor *channels.Actor, id int64) (*App, error) {
	a, err := s.app(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayManage(actor, a.Bot); err != nil {
		if errors.Is(err, channels.ErrNotFound) {
			return nil, channels.NotFound("app")
		}
		return nil, err
	}
	return a, nil
}

// SigningSecrets are the secrets a request to the app may be signed with
// at now: its secret and, during the grace period after a rotation, the
// one before.
func (a *App) SigningSecrets(now time.Time) []string {
	if a.oldSecret != "" && now.UnixMilli() < a.oldSecretUntil {
		return []string{a.SigningSecret, a.oldSecret}
	}
	return []string{a.SigningSecret}
}

// RotateSigningSecret gives the app a new signing secret; the old one still
// verifies for grace.
func (s *Service) RotateSigningSecret(ctx context.Context, actor *channels.Actor, id int64, grace time.Duration) (*App, error) {
	a, err := s.App(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	next := newSigningSecret()
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE apps SET signing_secret = ?, old_secret = ?, old_secret_until = ?, updated_at = ? WHERE id = ?`,
			next, a.SigningSecret, now.Add(grace).UnixMilli(), now.UnixMilli(), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rotate the signing secret of app %d: %w", id, err)
	}
	a.oldSecret, a.oldSecretUntil, a.SigningSecret, a.UpdatedAt = a.SigningSecret, now.Add(grace).UnixMilli(), next, now.UnixMilli()
	return a, nil
}

// AppToken is an app-level token as listed (its secret is shown once).
type AppToken struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Hint      string `json:"hint"`
	Scopes    string `json:"scopes"` // connections:write
	CreatedAt int64  `json:"created_at"`
}

// IssueAppToken makes an app-level token (scope connections:write) for
// Socket Mode; its secret is returned once and only its hash kept.
func (s *Service) IssueAppToken(ctx context.Context, actor *channels.Actor, appID int64, name string) (*AppToken, string, error) {
	if _, err := s.App(ctx, actor, appID); err != nil {
		return nil, "", err
	}
	return s.issueAppToken(ctx, appID, name)
}

func (s *Service) issueAppToken(ctx context.Context, appID int64, name string) (*AppToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "default"
	}
	if utf8.RuneCountInString(name) > 80 {
		return nil, "", channels.Invalid("invalid_name", "name", "a token's name is at most 80 characters")
	}
	secret := prefixAppToken + "1-" + AppSlackID(appID) + "-" + strings.TrimPrefix(channels.NewSecret("x"), "x")
	t := &AppToken{Name: name, Hint: secret[:len(prefixAppToken)+2] + "…" + secret[len(secret)-4:], Scopes: appTokenScope,
		CreatedAt: time.Now().UnixMilli()}
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO app_tokens (app_id, name, hash, hint, created_at) VALUES (?, ?, ?, ?, ?)`,
			appID, t.Name, channels.HashSecret(secret), t.Hint, t.CreatedAt)
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("issue an app token for app %d: %w", appID, err)
	}
	return t, secret, nil
}

// AppByToken returns the app an app-level token belongs to; an unknown or
// revoked token, or an app whose bot is deactivated, is not found.
func (s *Service) AppByToken(ctx context.Context, token string) (*App, error) {
	if !strings.HasPrefix(token, prefixAppToken) {
		return nil, channels.NotFound("app")
	}
	var appID int64
	err := s.db.ReadRow(ctx, `SELECT app_id FROM app_tokens WHERE hash = ?`, channels.HashSecret(token)).Scan(&appID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("app")
	}
	if err != nil {
		return nil, fmt.Errorf("look up an app token: %w", err)
	}
	a, err := s.app(ctx, appID)
	if err != nil {
		return nil, err
	}
	if a.Bot.Deactivated {
		return nil, channels.NotFound("app")
	}
	return a, nil
}

// decodeEvents reads a stored list of bot events.
func decodeEvents(raw string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("decode bot events: %w", err)
	}
	return out, nil
}

// ListApps returns the apps whose bots the actor manages (an admin: all),
// by id.
func (s *Service) ListApps(ctx context.Context, actor *channels.Actor) ([]App, error) {
	if actor.Scopes != nil {
		return nil, errBotsCannotManage
	}
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT `+appColumns+`, b.owner_id, b.created_at FROM apps a
		JOIN bots b ON b.user_id = a.bot_user_id WHERE b.owner_id = ? OR ? ORDER BY a.id`, actor.ID, actor.IsAdmin)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	defer rows.Close()
	var (
		apps []App
		bots []botRow
	)
	for rows.Next() {
		var a App
		var r botRow
		if r.id, err = scanApp(rows, &a, &r.ownerID, &r.createdAt); err != nil {
			return nil, fmt.Errorf("list apps: %w", err)
		}
		apps, bots = append(apps, a), append(bots, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	withBots, err := s.withAccounts(ctx, bots)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	byID := make(map[int64]*Bot, len(withBots))
	for i := range withBots {
		byID[withBots[i].ID] = &withBots[i]
	}
	out := make([]App, 0, len(apps))
	for i, a := range apps {
		if a.Bot = byID[bots[i].id]; a.Bot != nil {
			out = append(out, a)
		}
	}
	return out, nil
}

// AppTokens lists an app's app-level tokens, without their secrets.
func (s *Service) AppTokens(ctx context.Context, actor *channels.Actor, appID int64) ([]AppToken, error) {
	if _, err := s.App(ctx, actor, appID); err != nil {
		return nil, err
	}
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT id, name, hint, created_at FROM app_tokens WHERE app_id = ? ORDER BY id`, appID)
	if err != nil {
		return nil, fmt.Errorf("list the tokens of app %d: %w", appID, err)
	}
	defer rows.Close()
	out := []AppToken{}
	for rows.Next() {
		t := AppToken{Scopes: appTokenScope}
		if err := rows.Scan(&t.ID, &t.Name, &t.Hint, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("list the tokens of app %d: %w", appID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAppToken deletes one of an app's app-level tokens.
func (s *Service) RevokeAppToken(ctx context.Context, actor *channels.Actor, appID, tokenID int64) error {
	if _, err := s.App(ctx, actor, appID); err != nil {
		return err
	}
	var gone bool
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`DELETE FROM app_tokens WHERE id = ? AND app_id = ?`, tokenID, appID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		gone = n > 0
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke token %d of app %d: %w", tokenID, appID, err)
	}
	if !gone {
		return channels.NotFound("token")
	}
	return nil
}

// appIDOf is the Slack ID of the app a bot belongs to, "" for a bot made
// without one.
func appIDOf(ctx context.Context, db *sqlite.DB, botID int64) (string, error) {
	var id int64
	err := db.ReadRow(ctx, `SELECT id FROM apps WHERE bot_user_id = ?`, botID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up the app of bot %d: %w", botID, err)
	}
	return AppSlackID(id), nil
}
