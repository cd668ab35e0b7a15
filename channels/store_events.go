package channels

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

const insertEvent = `INSERT INTO events (type, scope, channel_id, actor_id, subject_id, message_id, payload, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

// appendEvent writes ev in tx and returns its seq.
func (st *store) appendEvent(tx *sqlite.Tx, ev newEvent) (int64, error) {
	payload, err := json.Marshal(ev.Data)
	if err != nil {
		return 0, fmt.Errorf("encode %s event: %w", ev.Type, err)
	}
	res, err := tx.Exec(insertEvent, ev.Type, ev.Scope, nullID(ev.ChannelID), nullID(ev.ActorID),
		nullID(ev.SubjectID), nullID(ev.MessageID), payload, nowMillis())
	if err != nil {
		return 0, fmt.Errorf("append %s event: %w", ev.Type, err)
	}
	return res.LastInsertId()
}

// nullID stores the id 0, which no row has, as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nextEventSeq is the seq the next appended event gets (events.seq is
// AUTOINCREMENT, and appends are serialized on the writer): a member's
// joined_seq, so that their membership event and all after it are theirs to
// read, and nothing before.
const nextEventSeq = `(SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) + 1)`

// The events userID (?2) may read after seq ?1: everyone reads scope
// 'all', its subject reads an event about them, and a channel's members read
// its scope 'channel' events from the moment they joined (members.joined_seq).
const (
	eventColumns = `e.seq, e.type, e.scope, e.channel_id, e.actor_id, e.subject_id, e.payload, e.created_at, COALESCE(e.message_id, 0)`
	// visibleSinceJoin checks each channel event against the reader's
	// joined_seq: one membership lookup per event.
	visibleSinceJoin = `FROM events e
LEFT JOIN members m ON e.scope = 'channel' AND m.channel_id = e.channel_id AND m.user_id = ?2
WHERE e.seq > ?1 AND (e.scope = 'all' OR e.subject_id = ?2 OR m.joined_seq <= e.seq)`
	// visibleSettled is the same when the reader joined all their channels
	// at or before ?1+1, the usual case of a resume: membership alone
	// decides, against a list of the reader's channels made once.
	visibleSettled = `FROM events e
WHERE e.seq > ?1 AND (e.scope = 'all' OR e.subject_id = ?2
   OR (e.scope = 'channel' AND e.channel_id IN (SELECT channel_id FROM members WHERE user_id = ?2)))`
	// ofKinds limits a bot token to the events of the channel kinds in ?4
	// (see EventKinds).
	ofKinds     = ` AND (e.channel_id IS NULL OR instr(?4, ',' || (SELECT kind FROM channels WHERE id = e.channel_id) || ',') > 0)`
	eventsOrder = ` ORDER BY e.seq LIMIT ?3`
)

// visibleEventsQuery is the query for a reader whose latest join is at
// latestJoin, limited to kinds when kinds is set.
func visibleEventsQuery(since, latestJoin int64, kinds bool) string {
	from := visibleSettled
	if latestJoin > since+1 {
		from = visibleSinceJoin
	}
	q := `SELECT ` + eventColumns + ` ` + from
	if kinds {
		q += ofKinds
	}
	return q + eventsOrder
}

// events returns up to limit events after since that userID may read,
// oldest first, of the channel kinds in kinds when it is not "".
func (st *store) events(ctx context.Context, userID int64, kinds string, since int64, limit int) ([]Event, error) {
	// The reader's latest join picks the cheaper query when it allows.
	var latestJoin int64
	err := st.db.ReadRow(ctx, `SELECT COALESCE(MAX(joined_seq), 0) FROM members WHERE user_id = ?`, userID).Scan(&latestJoin)
	if err != nil {
		return nil, fmt.Errorf("read memberships of %d: %w", userID, err)
	}
	args := []any{since, userID, limit}
	if kinds != "" {
		args = append(args, kinds)
	}
	rows, err := st.db.Reader.QueryContext(ctx, visibleEventsQuery(since, latestJoin, kinds != ""), args...)
	if err != nil {
		return nil, fmt.Errorf("read events after %d: %w", since, err)
	}
	return scanEvents(rows)
}

const (
	selectAllEvents = `SELECT seq, type, scope, channel_id, actor_id, subject_id, payload, created_at, COALESCE(message_id, 0)
FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
	selectEventRefs = `SELECT seq, type, scope, channel_id, actor_id, subject_id, NULL, created_at, COALESCE(message_id, 0)
FROM events WHERE seq > ? ORDER BY seq LIMIT ?`
)

// allEvents returns up to limit events after since, whoever may read them.
func (st *store) allEvents(ctx context.Context, since int64, limit int) ([]Event, error) {
	rows, err := st.db.Reader.QueryContext(ctx, selectAllEvents, since, limit)
	if err != nil {
		return nil, fmt.Errorf("read events after %d: %w", since, err)
	}
	return scanEvents(rows)
}

// eventRefs is allEvents without the payloads.
func (st *store) eventRefs(ctx context.Context, since int64, limit int) ([]Event, error) {
	rows, err := st.db.Reader.QueryContext(ctx, selectEventRefs, since, limit)
	if err != nil {
		return nil, fmt.Errorf("read event refs after %d: %w", since, err)
	}
	return scanEvents(rows)
}

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var payload []byte
		if err := rows.Scan(&e.Seq, &e.Type, &e.Scope, &e.ChannelID, &e.ActorID, &e.SubjectID, &payload, &e.CreatedAt, &e.MessageID); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.Data = payload
		out = append(out, e)
	}
	return out, rows.Err()
}

// eventBounds returns the newest seq and the oldest kept (0 when empty).
func (st *store) eventBounds(ctx context.Context) (head, oldest int64, err error) {
	// Two subqueries: SQLite answers a lone MAX or MIN from the primary key
	// at once, but scans the whole log for both in one SELECT.
	err = st.db.ReadRow(ctx, `SELECT COALESCE((SELECT MAX(seq) FROM events), 0), COALESCE((SELECT MIN(seq) FROM events), 0)`).Scan(&head, &oldest)
	if err != nil {
		return 0, 0, fmt.Errorf("read event log head: %w", err)
	}
	return head, oldest, nil
}

// pruneEvents deletes, of the oldest batch events, those created before
// olderThan (Unix ms), never the newest event, and returns how many.
func (st *store) pruneEvents(tx *sqlite.Tx, batch int, olderThan int64) (int64, error) {
	// Keep the newest event so the head survives pruning.
	res, err := tx.Exec(`DELETE FROM events WHERE seq IN (
		SELECT seq FROM events WHERE seq < (SELECT MAX(seq) FROM events) ORDER BY seq LIMIT ?)
		AND created_at < ?`, batch, olderThan)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
