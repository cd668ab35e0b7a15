package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// readStateColumns are member m's last read id, unread and mention counts
// in channel c.
const readStateColumns = `m.last_read_id,
	(SELECT COUNT(*) FROM messages x WHERE x.channel_id = c.id AND x.thread_id IS NULL AND x.id > m.last_read_id
		AND x.deleted_at IS NULL AND x.user_id != m.user_id),
	(SELECT COUNT(DISTINCT n.message_id) FROM mentions n JOIN messages x ON x.id = n.message_id
		WHERE n.channel_id = c.id AND n.message_id > m.last_read_id AND (n.user_id = m.user_id OR n.user_id IS NULL)
		AND x.user_id != m.user_id AND x.deleted_at IS NULL)`

// readState fills c's LastReadID, UnreadCount and MentionCount for member
// userID; sql.ErrNoRows when they are not in it.
func (st *store) readState(ctx context.Context, c *Channel, userID int64) error {
	err := st.db.ReadRow(ctx, `SELECT `+readStateColumns+` FROM members m JOIN channels c ON c.id = m.channel_id
		WHERE m.channel_id = ? AND m.user_id = ?`, c.ID, userID).Scan(&c.LastReadID, &c.UnreadCount, &c.MentionCount)
	if err != nil {
		return fmt.Errorf("read state of channel %d: %w", c.ID, err)
	}
	return nil
}

// readPositions lists how far each member of channelID has read, by user id.
func (st *store) readPositions(ctx context.Context, channelID int64) ([]ReadPosition, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT user_id, last_read_id FROM members
		WHERE channel_id = ? ORDER BY user_id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list read positions of %d: %w", channelID, err)
	}
	defer rows.Close()
	out := []ReadPosition{}
	for rows.Next() {
		var r ReadPosition
		if err := rows.Scan(&r.UserID, &r.LastReadID); err != nil {
			return nil, fmt.Errorf("scan read position: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// readTargetExists reports whether message messageID is in channelID, so
// that a read position always names one of the channel's messages.
func (st *store) readTargetExists(ctx context.Context, channelID, messageID int64) (bool, error) {
	var ok bool
	if err := st.db.ReadRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id = ? AND channel_id = ?)`,
		messageID, channelID).Scan(&ok); err != nil {
		return false, fmt.Errorf("check message %d: %w", messageID, err)
	}
	return ok, nil
}

// setLastRead moves userID's read position in channelID to messageID.
func (st *store) setLastRead(tx *sqlite.Tx, channelID, userID, messageID int64) error {
	_, err := tx.Exec(`UPDATE members SET last_read_id = ? WHERE channel_id = ? AND user_id = ?`,
		messageID, channelID, userID)
	return err
}
