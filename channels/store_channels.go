package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

const channelColumns = `c.id, COALESCE(c.name, ''), c.kind, c.topic, c.purpose, c.creator_id, c.archived_at, c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM members mc WHERE mc.channel_id = c.id)`

func scanChannel(row interface{ Scan(...any) error }, c *Channel, extra ...any) error {
	dest := append([]any{&c.ID, &c.Name, &c.Kind, &c.Topic, &c.Purpose, &c.CreatorID, &c.ArchivedAt, &c.CreatedAt,
		&c.UpdatedAt, &c.MemberCount}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	c.Private = c.Kind != ChannelPublic
	c.Archived = c.ArchivedAt != nil
	return nil
}

// channelFor returns channel id with IsMember telling whether userID is in
// it, whatever its kind: the caller decides what the user may see. No such
// channel is sql.ErrNoRows.
func (st *store) channelFor(ctx context.Context, id, userID int64) (*Channel, error) {
	var c Channel
	err := scanChannel(st.db.ReadRow(ctx, `SELECT `+channelColumns+`,
		EXISTS (SELECT 1 FROM members m WHERE m.channel_id = c.id AND m.user_id = ?)
		FROM channels c WHERE c.id = ?`, userID, id), &c, &c.IsMember)
	if err != nil {
		return nil, fmt.Errorf("load channel %d: %w", id, err)
	}
	return &c, nil
}

// channelIDByName returns the id of the channel named name; none is
// sql.ErrNoRows.
func (st *store) channelIDByName(ctx context.Context, name string) (int64, error) {
	var id int64
	if err := st.db.ReadRow(ctx, `SELECT id FROM channels WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("look up channel %q: %w", name, err)
	}
	return id, nil
}

const selectMyChannels = `SELECT ` + channelColumns + `, ` + readStateColumns + `
FROM members m JOIN channels c ON c.id = m.channel_id
WHERE m.user_id = ? ORDER BY c.id`

// memberChannels lists every channel and conversation userID is in, by
// id, with their read state, whatever scopes the reader holds.
func (st *store) memberChannels(ctx context.Context, userID int64) ([]Channel, error) {
	rows, err := st.db.Reader.QueryContext(ctx, selectMyChannels, userID)
	if err != nil {
		return nil, fmt.Errorf("list channels of %d: %w", userID, err)
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var c Channel
		if err := scanChannel(rows, &c, &c.LastReadID, &c.UnreadCount, &c.MentionCount); err != nil {
			return nil, fmt.Errorf("scan channel: %w", err)
		}
		c.IsMember = true
		out = append(out, c)
	}
	return out, rows.Err()
}

// publicChannels lists up to limit public channels after id after, with
// IsMember telling whether userID is in each.
func (st *store) publicChannels(ctx context.Context, userID, after int64, limit int) ([]Channel, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+channelColumns+`,
		EXISTS (SELECT 1 FROM members m WHERE m.channel_id = c.id AND m.user_id = ?)
		FROM channels c WHERE c.kind = 'public' AND c.id > ? ORDER BY c.id LIMIT ?`, userID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("browse channels: %w", err)
	}
	defer rows.Close()
	out := []Channel{}
	for rows.Next() {
		var c Channel
		if err := scanChannel(rows, &c, &c.IsMember); err != nil {
			return nil, fmt.Errorf("scan channel: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertChannel writes named channel c and returns its id; a name taken is
// the unique violation the database reports.
func (st *store) insertChannel(tx *sqlite.Tx, c *Channel) (int64, error) {
	res, err := tx.Exec(`INSERT INTO channels (name, kind, topic, purpose, creator_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Name, c.Kind, c.Topic, c.Purpose, c.CreatorID, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// updateChannel writes c's name, topic, purpose and updated_at. A
// conversation's name stays NULL, so that it never takes a channel's name.
func (st *store) updateChannel(tx *sqlite.Tx, c *Channel) error {
	var name any
	if !c.IsConversation() {
		name = c.Name
	}
	_, err := tx.Exec(`UPDATE channels SET name = ?, topic = ?, purpose = ?, updated_at = ? WHERE id = ?`,
		name, c.Topic, c.Purpose, c.UpdatedAt, c.ID)
	return err
}

// setChannelArchived sets channel id's archived_at (nil unarchives it) and
// updated_at.
func (st *store) setChannelArchived(tx *sqlite.Tx, id int64, archivedAt *int64, updatedAt int64) error {
	var at any
	if archivedAt != nil {
		at = *archivedAt
	}
	_, err := tx.Exec(`UPDATE channels SET archived_at = ?, updated_at = ? WHERE id = ?`, at, updatedAt, id)
	return err
}

// conversationID returns the id of the conversation whose members make
// key (dmKey); none is sql.ErrNoRows.
func (st *store) conversationID(tx *sqlite.Tx, key string) (int64, error) {
	var id int64
	err := tx.QueryRow(`SELECT id FROM channels WHERE dm_key = ?`, key).Scan(&id)
	return id, err
}

// insertConversation writes a DM or group DM of kind named by key and
// returns its id.
func (st *store) insertConversation(tx *sqlite.Tx, kind string, creatorID int64, key string, now int64) (int64, error) {
	res, err := tx.Exec(`INSERT INTO channels (kind, creator_id, dm_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		kind, creatorID, key, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}
