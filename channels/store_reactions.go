package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// addReaction records userID's emoji on a message at now; added is false
// when it was already there.
func (st *store) addReaction(tx *sqlite.Tx, messageID int64, emoji string, userID, now int64) (added bool, err error) {
	res, err := tx.Exec(`INSERT OR IGNORE INTO reactions (message_id, emoji, user_id, created_at) VALUES (?, ?, ?, ?)`,
		messageID, emoji, userID, now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// removeReaction takes userID's emoji off a message; removed is false when
// it was not there.
func (st *store) removeReaction(tx *sqlite.Tx, messageID int64, emoji string, userID int64) (removed bool, err error) {
	res, err := tx.Exec(`DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`, messageID, emoji, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// reactionRoom counts the different emoji on a message and reports
// whether emoji is among them.
func (st *store) reactionRoom(tx *sqlite.Tx, messageID int64, emoji string) (distinct int, present bool, err error) {
	err = tx.QueryRow(`SELECT COUNT(DISTINCT emoji), COALESCE(MAX(emoji = ?), 0) FROM reactions WHERE message_id = ?`,
		emoji, messageID).Scan(&distinct, &present)
	if err != nil {
		return 0, false, fmt.Errorf("count reactions: %w", err)
	}
	return distinct, present, nil
}

// loadReactions adds the reactions of the messages in byID, whose ids are
// ids, listed for SQL in in: each emoji once, in the order it was first
// used, with its users in the order they reacted.
func (st *store) loadReactions(ctx context.Context, byID map[int64]*Message, in string, ids []any) error {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT message_id, emoji, user_id FROM reactions
		WHERE message_id IN `+in+` ORDER BY message_id, created_at, user_id`, ids...)
	if err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid, uid int64
		var emoji string
		if err := rows.Scan(&mid, &emoji, &uid); err != nil {
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
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load reactions: %w", err)
	}
	return nil
}
