package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// SystemBotUsername is the system bot's username. People cannot sign up
// with it; on a workspace where someone already had it, the bot takes the
// first free name of systemBotNames.
const SystemBotUsername = "parley"

var systemBotNames = []string{SystemBotUsername, "parley-bot", "parley-system"}

// SystemBot returns the workspace's system bot, creating it on first use.
// It has no tokens and no owner: only the server acts as it.
func (s *Service) SystemBot(ctx context.Context) (*User, error) {
	if id := s.systemBotID.Load(); id != 0 {
		return s.User(ctx, id)
	}
	var id int64
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		var err error
		id, err = s.st.systemBotID(tx)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, name := range systemBotNames {
			taken, err := s.st.usernameTaken(tx, name)
			if err != nil {
				return err
			}
			if taken {
				continue
			}
			now := nowMillis()
			if id, err = s.st.insertSystemBot(tx, name, now); err != nil {
				return err
			}
			u := &User{ID: id, Username: name, DisplayName: "Parley", Kind: KindBot, CreatedAt: now, UpdatedAt: now}
			return appendUserUpdated(tx, id, u)
		}
		return errors.New("every system bot username is taken")
	})
	if err != nil {
		return nil, fmt.Errorf("system bot: %w", err)
	}
	s.systemBotID.Store(id)
	return s.User(ctx, id)
}

// SystemActor is the server acting as the system bot, which may post in
// any channel that is not archived.
func (s *Service) SystemActor(ctx context.Context) (*Actor, error) {
	bot, err := s.SystemBot(ctx)
	if err != nil {
		return nil, err
	}
	if bot.Deactivated {
		return nil, errors.New("the system bot is deactivated")
	}
	return &Actor{User: *bot, TokenKind: TokenSystem}, nil
}

// Notify sends userID a direct message from the system bot, written in
// Slack mrkdwn. It is how the server tells someone about something that
// happened to what they own.
func (s *Service) Notify(ctx context.Context, userID int64, text string) (*Message, error) {
	actor, err := s.SystemActor(ctx)
	if err != nil {
		return nil, fmt.Errorf("notify user %d: %w", userID, err)
	}
	dm, _, err := s.OpenDM(ctx, actor, []int64{userID})
	if err != nil {
		return nil, fmt.Errorf("notify user %d: %w", userID, err)
	}
	m, _, err := s.PostMessage(ctx, actor, dm.ID, NewMessage{Text: text, Markup: MarkupMrkdwn})
	if err != nil {
		return nil, fmt.Errorf("notify user %d: %w", userID, err)
	}
	return m, nil
}
