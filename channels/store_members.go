package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// newMemberRow inserts member ?2 of channel ?1 at time ?3: they read the
// channel's log from the next event on, and start with everything already
// posted marked read.
const newMemberRow = `INTO members (channel_id, user_id, joined_at, joined_seq, last_read_id)
	VALUES (?1, ?2, ?3, ` + nextEventSeq + `, (SELECT COALESCE(MAX(id), 0) FROM messages WHERE channel_id = ?1))`

// insertMember makes userID a member of a channel they are not in yet.
func (st *store) insertMember(tx *sqlite.Tx, channelID, userID int64) error {
	_, err := tx.Exec(`INSERT `+newMemberRow, channelID, userID, nowMillis())
	if err != nil {
		return fmt.Errorf("add member %d to %d: %w", userID, channelID, err)
	}
	return nil
}

// addMember makes userID a member of channelID, and reports false when
// they already were.
func (st *store) addMember(tx *sqlite.Tx, channelID, userID int64) (bool, error) {
	res, err := tx.Exec(`INSERT OR IGNORE `+newMemberRow, channelID, userID, nowMillis())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// deleteMember removes userID from channelID, and reports false when they
// were not in it.
func (st *store) deleteMember(tx *sqlite.Tx, channelID, userID int64) (bool, error) {
	res, err := tx.Exec(`DELETE FROM members WHERE channel_id = ? AND user_id = ?`, channelID, userID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// memberIDs lists the ids of channelID's members, in order.
func (st *store) memberIDs(ctx context.Context, channelID int64) ([]int64, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT user_id FROM members WHERE channel_id = ? ORDER BY user_id`, channelID)
	if err != nil {
		return nil, fmt.Errorf("list member ids of %d: %w", channelID, err)
	}
	return sqlite.ScanIDs(rows)
}

// memberUsers lists up to limit members of channelID after user id after.
func (st *store) memberUsers(ctx context.Context, channelID, after int64, limit int) ([]User, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE id IN (SELECT user_id FROM members WHERE channel_id = ?) AND id > ? ORDER BY id LIMIT ?`, channelID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list members of %d: %w", channelID, err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		var u User
		if err := scanUser(rows, &u); err != nil {
			return nil, fmt.Errorf("scan member: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
