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

// What the search indexer reads. It follows the log for which messages
// changed and loads them here, so that the core's tables stay the core's.

// IndexedMessage is a message as the search index needs it.
type IndexedMessage struct {
	ID          int64
	ChannelID   int64
	ChannelKind string
	UserID      int64
	UserKind    string
	ThreadID    int64 // 0 for a root
	ReplyCount  int
	Text        string
	Attachments json.RawMessage
	Blocks      json.RawMessage
	FileNames   []string
	HasReaction bool
	CreatedAt   int64
}

const indexedMessageSQL = `SELECT m.id, m.channel_id, c.kind, m.user_id, u.kind, COALESCE(m.thread_id, 0), m.reply_count,
	m.text, COALESCE(m.attachments, ''), COALESCE(m.blocks, ''), m.created_at,
	EXISTS (SELECT 1 FROM reactions r WHERE r.message_id = m.id),
	COALESCE((SELECT group_concat(f.name, char(10)) FROM message_files mf JOIN files f ON f.id = mf.file_id WHERE mf.message_id = m.id), '')
FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.id = m.user_id
WHERE m.deleted_at IS NULL AND `

// MessagesForIndex loads the live messages among ids; deleted and unknown
// ones are left out (the indexer removes them from the index).
func (s *Service) MessagesForIndex(ctx context.Context, ids []int64) ([]IndexedMessage, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return s.indexedMessages(ctx, `m.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
}

// MessagesForIndexAfter loads up to limit live messages with ids above
// afterID, by id: the pages of a rebuild.
func (s *Service) MessagesForIndexAfter(ctx context.Context, afterID int64, limit int) ([]IndexedMessage, error) {
	return s.indexedMessages(ctx, `m.id > ? ORDER BY m.id LIMIT ?`, afterID, limit)
}

// CountMessagesForIndex counts the live messages (for a rebuild's progress).
func (s *Service) CountMessagesForIndex(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.ReadRow(ctx, `SELECT COUNT(*) FROM messages WHERE deleted_at IS NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

func (s *Service) indexedMessages(ctx context.Context, where string, args ...any) ([]IndexedMessage, error) {
	rows, err := s.db.Reader.QueryContext(ctx, indexedMessageSQL+where, args...)
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

// ReadableChannelIDs returns the ids of the channels and conversations the
// actor is a member of: with public channels, what they may search.
func (s *Service) ReadableChannelIDs(ctx context.Context, actor *Actor) ([]int64, error) {
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT channel_id FROM members WHERE user_id = ? ORDER BY channel_id`, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("list readable channels: %w", err)
	}
	return sqlite.ScanIDs(rows)
}

// DMWith returns the id of the actor's DM with userID, or 0 when they have
// none (it does not open one).
func (s *Service) DMWith(ctx context.Context, actor *Actor, userID int64) (int64, error) {
	members := []int64{actor.ID}
	if userID != actor.ID {
		members = append(members, userID)
	}
	key := dmKey(members)
	var id int64
	err := s.db.ReadRow(ctx, `SELECT id FROM channels WHERE dm_key = ?`, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find DM: %w", err)
	}
	return id, nil
}
