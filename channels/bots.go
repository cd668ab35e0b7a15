package channels

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Bot accounts are users of kind "bot": they have no password (Login only
// accepts people) and act through bot tokens (plb_…) limited by scopes. The
// bots package keeps what else a bot has (its owner) in its own table and
// calls these methods; the core knows the user, its default icon and its
// tokens.

// NormalizeScopes checks scope names, drops duplicates and sorts them in
// documentation order. An unknown name is a 400 invalid_scope.
func NormalizeScopes(scopes []string) ([]string, error) {
	out := []string{}
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if !ValidScope(sc) {
			return nil, Invalid("invalid_scope", "scopes", "%q is not a scope; known scopes: %s", sc, strings.Join(AllScopes, ", "))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(AllScopes, a) - slices.Index(AllScopes, b) })
	return out, nil
}

// NewBot is the input of CreateBot.
type NewBot struct {
	Username    string
	DisplayName string
	// IconEmoji or IconURL is the default icon of its messages (optional).
	IconEmoji, IconURL string
	// Scopes and TokenName describe the first token.
	Scopes    []string
	TokenName string
}

// CreateBot makes a bot user and its first token; also runs in the same
// transaction (the bots package records the bot's owner there).
// The token's secret is returned once.
func (s *Service) CreateBot(ctx context.Context, in NewBot, also func(tx *sqlite.Tx, bot *User) error) (*User, *Token, string, error) {
	in.Username = strings.TrimSpace(in.Username)
	if !usernamePattern.MatchString(in.Username) || reservedUsernames[in.Username] {
		return nil, nil, "", Invalid("invalid_username", "username", "username must be 1-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if utf8.RuneCountInString(in.DisplayName) > 80 {
		return nil, nil, "", Invalid("invalid_display_name", "display_name", "display name is longer than 80 characters")
	}
	iconEmoji, iconURL, err := ValidateIcon(in.IconEmoji, in.IconURL)
	if err != nil {
		return nil, nil, "", err
	}
	scopes, err := NormalizeScopes(in.Scopes)
	if err != nil {
		return nil, nil, "", err
	}
	if in.TokenName == "" {
		in.TokenName = "default"
	}
	secret := NewSecret(PrefixBot)
	now := nowMillis()
	u := &User{Username: in.Username, DisplayName: in.DisplayName, Kind: KindBot, CreatedAt: now, UpdatedAt: now}
	var t *Token
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		var err error
		u.ID, err = s.st.insertBot(tx, u, iconEmoji, iconURL)
		if sqlite.IsUniqueViolation(err) {
			return Conflict("username_taken", "that username is taken")
		}
		if err != nil {
			return err
		}
		t = &Token{UserID: u.ID, Kind: TokenBot, Name: in.TokenName, Hint: secretHint(secret), CreatedAt: now, Scopes: scopes}
		if t.ID, err = s.insertBotToken(tx, t, secret); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, u); err != nil {
				return err
			}
		}
		return appendUserUpdated(tx, u.ID, u)
	})
	if err != nil {
		return nil, nil, "", fmt.Errorf("create bot %q: %w", in.Username, err)
	}
	s.icons.Store(u.ID, authorIcon{iconEmoji, iconURL})
	return u, t, secret, nil
}

// insertBotToken stores bot token t with the secret; t.Scopes must not be
// nil (NormalizeScopes), as a bot token is always limited by them.
func (s *Service) insertBotToken(tx *sqlite.Tx, t *Token, secret string) (int64, error) {
	id, err := s.st.insertToken(tx, t, HashSecret(secret))
	if err != nil {
		return 0, fmt.Errorf("store bot token: %w", err)
	}
	return id, nil
}

// bot loads a bot user by id; people are not bots (404 bot_not_found).
func (s *Service) bot(ctx context.Context, id int64) (*User, error) {
	u, err := s.User(ctx, id)
	if errors.Is(err, ErrNotFound) || err == nil && u.Kind != KindBot {
		return nil, NotFound("bot")
	}
	return u, err
}

// IssueBotToken issues another named token with scopes to an active bot.
// The caller (the bots package) has checked that the actor may.
func (s *Service) IssueBotToken(ctx context.Context, botID int64, name string, scopes []string) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, "", Invalid("invalid_name", "name", "a token needs a name of 1-100 characters")
	}
	scopes, err := NormalizeScopes(scopes)
	if err != nil {
		return nil, "", err
	}
	u, err := s.bot(ctx, botID)
	if err != nil {
		return nil, "", err
	}
	if u.Deactivated {
		return nil, "", Invalid("bot_deactivated", "id", "the bot is deactivated")
	}
	secret := NewSecret(PrefixBot)
	t := &Token{UserID: botID, Kind: TokenBot, Name: name, Hint: secretHint(secret), CreatedAt: nowMillis(), Scopes: scopes}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) (err error) {
		t.ID, err = s.insertBotToken(tx, t, secret)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("issue token to bot %d: %w", botID, err)
	}
	return t, secret, nil
}

// BotTokens lists a bot's tokens, without secrets.
func (s *Service) BotTokens(ctx context.Context, botID int64) ([]Token, error) {
	return s.st.botTokens(ctx, botID)
}

// RevokeBotToken deletes one token of a bot; requests with it fail with 401
// at once and its WebSockets are closed.
func (s *Service) RevokeBotToken(ctx context.Context, botID, tokenID int64) error {
	err := s.revokeToken(ctx, tokenID, botID, TokenBot)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("revoke token %d of bot %d: %w", tokenID, botID, err)
	}
	return err
}

// SetBotDisplayName changes a bot's display name.
func (s *Service) SetBotDisplayName(ctx context.Context, actorID, botID int64, name string) (*User, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 80 {
		return nil, Invalid("invalid_display_name", "display_name", "display name is longer than 80 characters")
	}
	u, err := s.bot(ctx, botID)
	if err != nil {
		return nil, err
	}
	u.DisplayName, u.UpdatedAt = name, nowMillis()
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if err := s.st.setDisplayName(tx, u.ID, u.DisplayName, u.UpdatedAt); err != nil {
			return err
		}
		return appendUserUpdated(tx, actorID, u)
	})
	s.auth.forget(u.ID, 0)
	if err != nil {
		return nil, fmt.Errorf("rename bot %d: %w", botID, err)
	}
	return u, nil
}

// DeactivateBot deactivates a bot user and deletes every token of it in one
// transaction; its requests fail with 401 at once. The caller has checked
// that the actor may (the bot's owner or an admin).
func (s *Service) DeactivateBot(ctx context.Context, actorID, botID int64) error {
	u, err := s.bot(ctx, botID)
	if err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := nowMillis()
		if err := s.st.deleteUserTokens(tx, botID); err != nil {
			return err
		}
		if err := s.st.deactivateBot(tx, botID, now); err != nil {
			return err
		}
		u.Deactivated, u.UpdatedAt = true, now
		return appendUserUpdated(tx, actorID, u)
	})
	s.revoked(botID, 0)
	if err != nil {
		return fmt.Errorf("deactivate bot %d: %w", botID, err)
	}
	return nil
}
