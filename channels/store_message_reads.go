package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Reading messages: one, some by id, a channel's or a thread's page, and
// what each carries (reactions, mentions, files), and the users a text
// mentions.

const messageColumns = `id, channel_id, user_id, thread_id, text, markup, attachments, blocks, props, reply_count,
	last_reply_at, created_at, edited_at, deleted_at IS NOT NULL, COALESCE(msg_key, ''), COALESCE(username, ''),
	COALESCE(icon_emoji, ''), COALESCE(icon_url, '')`

func scanMessage(row interface{ Scan(...any) error }, m *Message) error {
	var att, blocks, props []byte
	if err := row.Scan(&m.ID, &m.ChannelID, &m.UserID, &m.ThreadID, &m.Text, &m.Markup, &att, &blocks, &props,
		&m.ReplyCount, &m.LastReplyAt, &m.CreatedAt, &m.EditedAt, &m.Deleted, &m.Key, &m.Username, &m.IconEmoji, &m.IconURL); err != nil {
		return err
	}
	m.Attachments, m.Blocks, m.Props = att, blocks, props
	m.Reactions, m.Files = []Reaction{}, []File{}
	m.Mentions.UserIDs = []int64{}
	return nil
}

func collectMessages(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	msgs := []Message{}
	for rows.Next() {
		var m Message
		if err := scanMessage(rows, &m); err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// message loads one message, deleted or not, without its reactions, files
// and mentions; nil when there is none.
func (st *store) message(ctx context.Context, id int64) (*Message, error) {
	var m Message
	err := scanMessage(st.db.ReadRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id), &m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load message %d: %w", id, err)
	}
	return &m, nil
}

// liveMessages loads the live messages among ids, in no particular order.
func (st *store) liveMessages(ctx context.Context, ids []int64) ([]Message, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE deleted_at IS NULL AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	return collectMessages(rows)
}

// channelMessages lists up to limit top-level messages of a channel with
// ids between after and before (both exclusive), newest first or with asc
// oldest first, and deleted ones that still have replies.
func (st *store) channelMessages(ctx context.Context, channelID, before, after int64, limit int, asc bool) ([]Message, error) {
	order := "DESC"
	if asc {
		order = "ASC"
	}
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE channel_id = ? AND thread_id IS NULL AND id < ? AND id > ? AND (deleted_at IS NULL OR reply_count > 0)
		ORDER BY id `+order+` LIMIT ?`, channelID, before, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list messages of %d: %w", channelID, err)
	}
	return collectMessages(rows)
}

// replies lists up to limit live replies of a thread after a cursor,
// oldest first.
func (st *store) replies(ctx context.Context, rootID, after int64, limit int) ([]Message, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE thread_id = ? AND id > ? AND deleted_at IS NULL ORDER BY id LIMIT ?`, rootID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list replies of %d: %w", rootID, err)
	}
	return collectMessages(rows)
}

// mentionedUserID returns the id of the user named username, or 0.
func (st *store) mentionedUserID(ctx context.Context, username string) (int64, error) {
	var id int64
	err := st.db.ReadRow(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// mentionedUserExists reports whether there is a user with id.
func (st *store) mentionedUserExists(ctx context.Context, id int64) (bool, error) {
	var exists bool
	err := st.db.ReadRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)`, id).Scan(&exists)
	return exists, err
}

// loadMessageDetails fills in the reactions, mentions and files of msgs,
// three queries for all of them.
func (st *store) loadMessageDetails(ctx context.Context, msgs []Message) error {
	byID := make(map[int64]*Message, len(msgs))
	ids := make([]any, len(msgs))
	for i := range msgs {
		byID[msgs[i].ID] = &msgs[i]
		ids[i] = msgs[i].ID
	}
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	if err := st.loadReactions(ctx, byID, in, ids); err != nil {
		return err
	}
	if err := st.loadMentions(ctx, byID, in, ids); err != nil {
		return err
	}
	return st.loadMessageFiles(ctx, byID, in, ids)
}

// loadMentions adds the mentions of the messages in byID, whose ids are
// ids, listed for SQL in in.
func (st *store) loadMentions(ctx context.Context, byID map[int64]*Message, in string, ids []any) error {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT message_id, user_id, kind FROM mentions WHERE message_id IN `+in, ids...)
	if err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var mid int64
		var uid sql.NullInt64
		var kind string
		if err := rows.Scan(&mid, &uid, &kind); err != nil {
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
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load mentions: %w", err)
	}
	return nil
}

// messageIDAt finds the message of a channel posted in [fromMs, toMs) whose
// id is id modulo modulus (exactly id for 0). The candidates are id, then
// every modulus more up to the newest message: a few primary-key lookups,
// where the channel's messages of that second would need an index by time.
func (st *store) messageIDAt(ctx context.Context, channelID, fromMs, toMs, id, modulus int64) (int64, error) {
	var found int64
	err := st.db.ReadRow(ctx, `WITH RECURSIVE candidate(id) AS (
			SELECT ?1 UNION ALL
			SELECT id + ?2 FROM candidate WHERE ?2 > 0 AND id + ?2 <= (SELECT MAX(id) FROM messages))
		SELECT COALESCE(MIN(m.id), 0) FROM candidate c JOIN messages m ON m.id = c.id
		WHERE m.channel_id = ?3 AND m.created_at >= ?4 AND m.created_at < ?5`, id, modulus, channelID, fromMs, toMs).Scan(&found)
	return found, err
}
