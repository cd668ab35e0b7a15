package channels

import (
	"context"
	"database/sql"
)

// membershipSnapshot reads the head, the kinds and the members in one
// read-only transaction.
func (st *store) membershipSnapshot(ctx context.Context) (*MembershipSnapshot, error) {
	tx, err := st.db.Reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	snap := &MembershipSnapshot{Kinds: map[int64]string{}}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&snap.Head); err != nil {
		return nil, err
	}
	krows, err := tx.QueryContext(ctx, `SELECT id, kind FROM channels`)
	if err != nil {
		return nil, err
	}
	defer krows.Close()
	for krows.Next() {
		var id int64
		var kind string
		if err := krows.Scan(&id, &kind); err != nil {
			return nil, err
		}
		snap.Kinds[id] = kind
	}
	if err := krows.Err(); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT channel_id, user_id FROM members`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.ChannelID, &m.UserID); err != nil {
			return nil, err
		}
		snap.Members = append(snap.Members, m)
	}
	return snap, rows.Err()
}

func (st *store) channelKind(ctx context.Context, channelID int64) (string, error) {
	var kind string
	err := st.db.ReadRow(ctx, `SELECT kind FROM channels WHERE id = ?`, channelID).Scan(&kind)
	return kind, err
}

func (st *store) isThreadRoot(ctx context.Context, channelID, id int64) (bool, error) {
	var n int
	err := st.db.ReadRow(ctx, `SELECT COUNT(*) FROM messages
		WHERE id = ? AND channel_id = ? AND thread_id IS NULL AND deleted_at IS NULL`, id, channelID).Scan(&n)
	return n == 1, err
}
