package channels

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// reactionEvent is the payload of reaction events.
type reactionEvent struct {
	MessageID int64  `json:"message_id"`
	ChannelID int64  `json:"channel_id"`
	UserID    int64  `json:"user_id"`
	Emoji     string `json:"emoji"`
}

// React adds (add=true) or removes the actor's emoji reaction on a message.
// Both are idempotent: repeating one changes nothing and logs no event. A
// message takes up to MaxReactionsPerMessage different emoji, each a known
// one; a reaction stored before names were checked can still be removed.
func (s *Service) React(ctx context.Context, actor *Actor, messageID int64, emoji string, add bool) error {
	emoji, err := ReactionName(emoji, add)
	if err != nil {
		return err
	}
	m, _, err := s.visibleMessage(ctx, actor, messageID)
	if err != nil {
		return err
	}
	if err := RequireScope(actor, ScopeReactionsWrite); err != nil {
		return err
	}
	if err := s.postTarget(ctx, actor.ID, m.ChannelID, nil); err != nil {
		return err
	}
	typ, q := EventReactionAdded, `INSERT OR IGNORE INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?)`
	args := []any{messageID, emoji, actor.ID, nowMillis()}
	if !add {
		typ, q = EventReactionRemoved, `DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`
		args = args[:3]
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if add {
			if err := checkReactionRoom(tx, messageID, emoji); err != nil {
				return err
			}
		}
		res, err := tx.Exec(q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		_, err = appendEvent(tx, newEvent{Type: typ, Scope: ScopeChannel, ChannelID: m.ChannelID, ActorID: actor.ID,
			MessageID: messageID, Data: reactionEvent{messageID, m.ChannelID, actor.ID, emoji}})
		return err
	})
	if err != nil {
		return fmt.Errorf("react %s to message %d: %w", emoji, messageID, err)
	}
	return nil
}

// ReactionName is the stored name of a reaction being added (a known
// emoji, see NormalizeEmoji) or removed (also any name of a shortcode's
// shape, which older versions stored unchecked).
func ReactionName(emoji string, add bool) (string, error) {
	name, err := NormalizeEmoji(emoji)
	if err != nil && !add {
		if legacy, lerr := EmojiName(emoji); lerr == nil {
			return legacy, nil
		}
	}
	return name, err
}

// checkReactionRoom refuses a new emoji on a message that already has
// MaxReactionsPerMessage different ones (one already there may be added by
// more people).
func checkReactionRoom(tx *sqlite.Tx, messageID int64, emoji string) error {
	var distinct int
	var present bool
	err := tx.QueryRow(`SELECT COUNT(DISTINCT emoji), COALESCE(MAX(emoji = ?), 0) FROM reactions WHERE message_id = ?`,
		emoji, messageID).Scan(&distinct, &present)
	if err != nil {
		return fmt.Errorf("count reactions: %w", err)
	}
	if !present && distinct >= MaxReactionsPerMessage {
		return Invalid("too_many_reactions", "emoji", "a message takes at most %d different reactions", MaxReactionsPerMessage)
	}
	return nil
}

// hydrate fills in the reactions, files and mentions of msgs.
func (s *Service) hydrate(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	s.withAuthorIcons(ctx, msgs)
	byID := make(map[int64]*Message, len(msgs))
	ids := make([]any, len(msgs))
	for i := range msgs {
		byID[msgs[i].ID] = &msgs[i]
		ids[i] = msgs[i].ID
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"

	rows, err := s.db.Reader.QueryContext(ctx, `SELECT message_id, emoji, user_id FROM reactions
		WHERE message_id IN `+in+` ORDER BY message_id, created_at, user_id`, ids...)
	if err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}
	for rows.Next() {
		var mid, uid int64
		var emoji string
		if err := rows.Scan(&mid, &emoji, &uid); err != nil {
			rows.Close()
			return fmt.Errorf("scan reaction: %w", err)
		}
		m := byID[mid]
		i := 0
		for i < len(m.Reactions) && m.Reactions[i].Emoji != emoji {
			i++
		}
		if i == len(m.Reactions) {
			m.Reactions = append(m.Reactions, Reaction{Emoji: emoji, UserIDs: []int64{}})
		}
		m.Reactions[i].Count++
		m.Reactions[i].UserIDs = append(m.Reactions[i].UserIDs, uid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}

	rows, err = s.db.Reader.QueryContext(ctx, `SELECT message_id, user_id, kind FROM mentions WHERE message_id IN `+in, ids...)
	if err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}
	for rows.Next() {
		var mid int64
		var uid sql.NullInt64
		var kind string
		if err := rows.Scan(&mid, &uid, &kind); err != nil {
			rows.Close()
			return fmt.Errorf("scan mention: %w", err)
		}
		m := byID[mid]
		switch kind {
		case "user":
			m.Mentions.UserIDs = append(m.Mentions.UserIDs, uid.Int64)
		case "channel":
			m.Mentions.Channel = true
		case "here":
			m.Mentions.Here = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}

	rows, err = s.db.Reader.QueryContext(ctx, `SELECT mf.message_id, `+fileColumns+` FROM message_files mf
		JOIN files f ON f.id = mf.file_id WHERE mf.message_id IN `+in+` ORDER BY f.id`, ids...)
	if err != nil {
		return fmt.Errorf("load message files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var f File
		if err := scanFile(rows, &f, &mid); err != nil {
			return fmt.Errorf("scan file: %w", err)
		}
		byID[mid].Files = append(byID[mid].Files, f)
	}
	return rows.Err()
}
