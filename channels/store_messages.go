package channels

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// The messages table and what a message carries with it: its mentions,
// its thread's counters, its idempotency key, and the text its events hold.

func nullJSON(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	return string(raw)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// storedIcon is the icon override to store: none when the icon shown is
// the author's own.
func (m *Message) storedIcon() (emoji, url any) {
	if m.iconDefault {
		return nil, nil
	}
	return nullString(m.IconEmoji), nullString(m.IconURL)
}

// postTargetSQL reads what writing into a channel depends on: its kind,
// whether it is archived, and whether the actor is a member.
const postTargetSQL = `SELECT kind, archived_at IS NOT NULL,
	EXISTS (SELECT 1 FROM members WHERE channel_id = c.id AND user_id = ?1),
	(SELECT deactivated_at IS NOT NULL FROM users WHERE id = ?1) FROM channels c WHERE id = ?2`

// postTargetFacts is what writing into a channel depends on; found is
// false when there is no such channel.
type postTargetFacts struct {
	found                         bool
	kind                          string
	archived, member, deactivated bool
}

// postTarget reads the facts for actorID writing into a channel.
func (st *store) postTarget(ctx context.Context, actorID, channelID int64) (postTargetFacts, error) {
	return scanPostTarget(st.db.ReadRow(ctx, postTargetSQL, actorID, channelID))
}

// postTargetTx is postTarget in a write transaction (a post checks in the
// transaction that inserts it).
func (st *store) postTargetTx(tx *sqlite.Tx, actorID, channelID int64) (postTargetFacts, error) {
	return scanPostTarget(tx.QueryRow(postTargetSQL, actorID, channelID))
}

func scanPostTarget(row *sql.Row) (postTargetFacts, error) {
	var t postTargetFacts
	err := row.Scan(&t.kind, &t.archived, &t.member, &t.deactivated)
	if errors.Is(err, sql.ErrNoRows) {
		return postTargetFacts{}, nil
	}
	if err != nil {
		return postTargetFacts{}, fmt.Errorf("load channel: %w", err)
	}
	t.found = true
	return t, nil
}

// keyedMessage returns the id of the author's live message with key in a
// channel, or 0.
func (st *store) keyedMessage(ctx context.Context, userID, channelID int64, key string) (int64, error) {
	var id int64
	err := st.db.ReadRow(ctx, `SELECT id FROM messages WHERE user_id = ? AND channel_id = ? AND msg_key = ? AND deleted_at IS NULL`,
		userID, channelID, key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up message key: %w", err)
	}
	return id, nil
}

// messagePlace is where a message sits: its channel, its thread's root (0
// for a top-level message) and whether it is deleted. found is false when
// there is no such message.
type messagePlace struct {
	found     bool
	channelID int64
	threadID  int64
	deleted   bool
}

const messagePlaceSQL = `SELECT channel_id, thread_id, deleted_at IS NOT NULL FROM messages WHERE id = ?`

// messagePlace reads where message id sits.
func (st *store) messagePlace(ctx context.Context, id int64) (messagePlace, error) {
	return scanMessagePlace(st.db.ReadRow(ctx, messagePlaceSQL, id))
}

// messagePlaceTx is messagePlace in a write transaction (which sees the
// messages the transaction has written).
func (st *store) messagePlaceTx(tx *sqlite.Tx, id int64) (messagePlace, error) {
	return scanMessagePlace(tx.QueryRow(messagePlaceSQL, id))
}

func scanMessagePlace(row *sql.Row) (messagePlace, error) {
	var p messagePlace
	var thread sql.NullInt64
	err := row.Scan(&p.channelID, &thread, &p.deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return messagePlace{}, nil
	}
	if err != nil {
		return messagePlace{}, err
	}
	p.found, p.threadID = true, thread.Int64
	return p, nil
}

// postByIdempotencyKey looks for the message userID posted with key after
// since; found reports whether there is one, and its id goes to *messageID
// (the caller's variable, so that the hot path allocates nothing more).
func (st *store) postByIdempotencyKey(tx *sqlite.Tx, userID int64, key string, since int64, messageID *int64) (found bool, err error) {
	err = tx.QueryRow(`SELECT message_id FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at > ?`,
		userID, key, since).Scan(messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// errKeyTaken is insertMessage's report that another message of the author
// in the channel holds msg.Key.
var errKeyTaken = errors.New("message key taken")

const insertMessageSQL = `INSERT INTO messages (channel_id, user_id, thread_id, text, markup, attachments, blocks, props, created_at,
	msg_key, username, icon_emoji, icon_url)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertMessage writes msg with its mentions, files, idempotency key and
// its thread root's reply counters, and sets msg.ID.
func (st *store) insertMessage(tx *sqlite.Tx, msg *Message, idemKey string) error {
	iconEmoji, iconURL := msg.storedIcon()
	res, err := tx.Exec(insertMessageSQL, msg.ChannelID, msg.UserID, msg.ThreadID, msg.Text, msg.Markup,
		nullJSON(msg.Attachments), nullJSON(msg.Blocks), nullJSON(msg.Props), msg.CreatedAt,
		nullString(msg.Key), nullString(msg.Username), iconEmoji, iconURL)
	if sqlite.IsUniqueViolation(err) {
		return errKeyTaken
	}
	if err != nil {
		return err
	}
	if msg.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if msg.ThreadID != nil {
		if _, err := tx.Exec(`UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ?`,
			msg.CreatedAt, *msg.ThreadID); err != nil {
			return err
		}
	}
	if err := insertMentions(tx, msg); err != nil {
		return err
	}
	for _, f := range msg.Files {
		if _, err := tx.Exec(`INSERT INTO message_files (message_id, file_id, channel_id) VALUES (?, ?, ?)`,
			msg.ID, f.ID, msg.ChannelID); err != nil {
			return err
		}
	}
	if idemKey != "" {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO idempotency_keys (user_id, key, message_id, created_at) VALUES (?, ?, ?, ?)`,
			msg.UserID, idemKey, msg.ID, msg.CreatedAt); err != nil {
			return err
		}
	}
	return nil
}

func insertMentions(tx *sqlite.Tx, msg *Message) error {
	const q = `INSERT INTO mentions (message_id, channel_id, user_id, kind) VALUES (?, ?, ?, ?)`
	for _, uid := range msg.Mentions.UserIDs {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, uid, "user"); err != nil {
			return err
		}
	}
	if msg.Mentions.Channel {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, nil, "channel"); err != nil {
			return err
		}
	}
	if msg.Mentions.Here {
		if _, err := tx.Exec(q, msg.ID, msg.ChannelID, nil, "here"); err != nil {
			return err
		}
	}
	return nil
}

// updateMessage writes an edit of live message m (its text, attachments,
// blocks and author overrides, edited at editedAt) and replaces its
// mentions; updated is false when m is gone or deleted.
func (st *store) updateMessage(tx *sqlite.Tx, m *Message, editedAt int64) (updated bool, err error) {
	iconEmoji, iconURL := m.storedIcon()
	res, err := tx.Exec(`UPDATE messages SET text = ?, attachments = ?, blocks = ?, edited_at = ?, username = ?, icon_emoji = ?, icon_url = ?
		WHERE id = ? AND deleted_at IS NULL`,
		m.Text, nullJSON(m.Attachments), nullJSON(m.Blocks), editedAt, nullString(m.Username), iconEmoji, iconURL, m.ID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := tx.Exec(`DELETE FROM mentions WHERE message_id = ?`, m.ID); err != nil {
		return false, err
	}
	return true, insertMentions(tx, m)
}

// copyLatestPayload overwrites the payloads of a message's earlier created
// and updated events with that of event seq, so that the earlier text
// leaves the log.
func (st *store) copyLatestPayload(tx *sqlite.Tx, messageID, seq int64) error {
	_, err := tx.Exec(`UPDATE events SET payload = (SELECT payload FROM events WHERE seq = ?1)
		WHERE message_id = ?2 AND type IN (?3, ?4) AND seq < ?1`, seq, messageID, EventMessageCreated, EventMessageUpdated)
	return err
}

// deleteMessage empties live message id into a tombstone deleted at now,
// with its mentions and reactions; deleted is false when it is gone or
// already deleted.
func (st *store) deleteMessage(tx *sqlite.Tx, id, now int64) (deleted bool, err error) {
	res, err := tx.Exec(`UPDATE messages SET text = '', attachments = NULL, blocks = NULL, props = NULL, msg_key = NULL, deleted_at = ?
		WHERE id = ? AND deleted_at IS NULL`, now, id)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	for _, q := range []string{`DELETE FROM mentions WHERE message_id = ?`, `DELETE FROM reactions WHERE message_id = ?`} {
		if _, err := tx.Exec(q, id); err != nil {
			return false, err
		}
	}
	return true, nil
}

// removeReply counts a deleted reply out of its thread's root.
func (st *store) removeReply(tx *sqlite.Tx, rootID int64) error {
	// The reply is already marked deleted, so last_reply_at falls back
	// to the newest reply left (NULL when none is).
	_, err := tx.Exec(`UPDATE messages SET reply_count = reply_count - 1,
		last_reply_at = (SELECT MAX(created_at) FROM messages WHERE thread_id = ?1 AND deleted_at IS NULL)
		WHERE id = ?1`, rootID)
	return err
}

// scrubMessageEvents replaces the payload of a message's created and
// updated events.
func (st *store) scrubMessageEvents(tx *sqlite.Tx, messageID int64, payload []byte) error {
	_, err := tx.Exec(`UPDATE events SET payload = ? WHERE message_id = ? AND type IN (?, ?)`,
		payload, messageID, EventMessageCreated, EventMessageUpdated)
	return err
}
