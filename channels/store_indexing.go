package channels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// What the search indexer and the operator's tools read.

const indexedMessageSQL = `SELECT m.id, m.channel_id, c.kind, m.user_id, u.kind, COALESCE(m.thread_id, 0), m.reply_count,
	m.text, COALESCE(m.attachments, ''), COALESCE(m.blocks, ''), m.created_at,
	EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = m.id),
	COALESCE((SELECT group_concat(f.name, char(10)) FROM message_files mf JOIN files f ON f.id = mf.file_id WHERE mf.message_id = m.id), '')
FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.user_id
WHERE m.deleted_at IS NULL AND `

// indexedMessagesByID loads the live messages among ids, as the index
// needs them.
func (st *store) indexedMessagesByID(ctx context.Context, ids []int64) ([]IndexedMessage, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return st.indexedMessages(ctx, `m.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
}

// indexedMessagesAfter loads up to limit live messages with ids above
// afterID, by id.
func (st *store) indexedMessagesAfter(ctx context.Context, afterID int64, limit int) ([]IndexedMessage, error) {
	return st.indexedMessages(ctx, `m.id > ? ORDER BY m.id LIMIT ?`, afterID, limit)
}

func (st *store) indexedMessages(ctx context.Context, where string, args ...any) ([]IndexedMessage, error) {
	rows, err := st.db.Reader.QueryContext(ctx, indexedMessageSQL+where, args...)
	if err != nil {
		return nil, fmt.Errorf("load messages for the index: %w", err)
	}
	defer rows.Close()
	var out []IndexedMessage
	for rows.Next() {
		var m IndexedMessage
		var atts, blocks, files string
		if err := rows.Scan(&m.ID, &m.ChannelID, &m.ChannelKind, &m.UserID, &m.UserKind, &m.ThreadID, &m.ReplyCount,
			&m.Text, &atts, &blocks, &m.CreatedAt, &m.HasReaction, &files); err != nil {
			return nil, fmt.Errorf("scan message for the index: %w", err)
		}
		if atts != "" {
			m.Attachments = json.RawMessage(atts)
		}
		if blocks != "" {
			m.Blocks = json.RawMessage(blocks)
		}
		if files != "" {
			m.FileNames = strings.Split(files, "\n")
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// countLiveMessages counts the messages not deleted.
func (st *store) countLiveMessages(ctx context.Context) (int64, error) {
	var n int64
	if err := st.db.ReadRow(ctx, `SELECT COUNT(*) FROM messages WHERE deleted_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// countChannelMessages counts the messages stored in a channel, deleted
// ones too.
func (st *store) countChannelMessages(ctx context.Context, channelID int64) (int64, error) {
	var n int64
	if err := st.db.ReadRow(ctx, `SELECT COUNT(*) FROM messages WHERE channel_id = ?`, channelID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages of channel %d: %w", channelID, err)
	}
	return n, nil
}

// indexMemberChannelIDs lists the ids of the channels userID is a member
// of, in order.
func (st *store) indexMemberChannelIDs(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT channel_id FROM members WHERE user_id = ? ORDER BY channel_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list readable channels: %w", err)
	}
	return sqlite.ScanIDs(rows)
}

// indexDMByKey returns the id of the DM with dm_key key, or 0.
func (st *store) indexDMByKey(ctx context.Context, key string) (int64, error) {
	var id int64
	err := st.db.ReadRow(ctx, `SELECT id FROM channels WHERE dm_key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find DM: %w", err)
	}
	return id, nil
}
