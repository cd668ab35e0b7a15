package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// A bot's own icon (users.icon_emoji, users.icon_url) is shown on its
// messages that set none. Every message shown needs its author's, so they
// are cached by author: the zero value for people and bots without one.

type authorIcon struct{ emoji, url string }

// withAuthorIcons shows the author's own icon on messages that have no icon
// override.
func (s *Service) withAuthorIcons(ctx context.Context, msgs []Message) {
	for i := range msgs {
		s.withAuthorIcon(ctx, &msgs[i])
	}
}

func (s *Service) withAuthorIcon(ctx context.Context, m *Message) {
	if m.Deleted || m.IconEmoji != "" || m.IconURL != "" {
		return
	}
	if m.IconEmoji, m.IconURL = s.authorIcon(ctx, m.UserID); m.IconEmoji != "" || m.IconURL != "" {
		m.iconDefault = true
	}
}

// authorIcon returns a message author's own icon, from the cache.
func (s *Service) authorIcon(ctx context.Context, userID int64) (emoji, url string) {
	if v, ok := s.icons.Load(userID); ok {
		ic := v.(authorIcon)
		return ic.emoji, ic.url
	}
	emoji, url, err := s.st.userIcon(ctx, userID)
	if err != nil {
		return "", "" // shown without the default this time; not cached
	}
	v, _ := s.icons.LoadOrStore(userID, authorIcon{emoji, url}) // a SetBotIcon meanwhile wins
	ic := v.(authorIcon)
	return ic.emoji, ic.url
}

// SetBotIcon changes a bot's default icon (an emoji shortcode or an http(s)
// URL, or neither); the bots package checks who may.
func (s *Service) SetBotIcon(ctx context.Context, botID int64, emoji, url string) error {
	emoji, url, err := ValidateIcon(emoji, url)
	if err != nil {
		return err
	}
	if _, err := s.bot(ctx, botID); err != nil {
		return err
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		return s.st.setUserIcon(tx, botID, emoji, url)
	})
	if err != nil {
		return fmt.Errorf("set the icon of bot %d: %w", botID, err)
	}
	s.icons.Store(botID, authorIcon{emoji, url})
	return nil
}

// BotAccount is what the core keeps of a bot: its user and default icon.
// The bots package adds the rest (its owner) from its own table.
type BotAccount struct {
	User
	IconEmoji, IconURL string
}

// BotAccounts loads the bots among ids, by id; ids that are not bots are
// left out. No access check: the bots package decides who sees a bot.
func (s *Service) BotAccounts(ctx context.Context, ids []int64) (map[int64]*BotAccount, error) {
	out := make(map[int64]*BotAccount, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.st.botAccounts(ctx, ids, out); err != nil {
		return nil, fmt.Errorf("load %d bot accounts: %w", len(ids), err)
	}
	return out, nil
}
