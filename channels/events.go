package channels

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Event types written to the log.
const (
	EventMessageCreated    = "message.created"
	EventMessageUpdated    = "message.updated"
	EventMessageDeleted    = "message.deleted"
	EventReactionAdded     = "reaction.added"
	EventReactionRemoved   = "reaction.removed"
	EventChannelCreated    = "channel.created"
	EventChannelUpdated    = "channel.updated"
	EventChannelArchived   = "channel.archived"
	EventChannelUnarchived = "channel.unarchived"
	EventMemberJoined      = "member.joined"
	EventMemberLeft        = "member.left"
	EventReadUpdated       = "read.updated"
	EventUserUpdated       = "user.updated"
)

// Event scopes: who may read an event.
const (
	ScopeAll     = "all"     // every user
	ScopeChannel = "channel" // the channel's members, and the subject
	ScopeUser    = "user"    // the subject only
)

// Log is the event log's reader side: readers Follow it, and it wakes them
// when it grows. Its SQL is the store's.
type Log struct {
	st   *store
	mu   sync.Mutex
	wake chan struct{}
}

func newLog(st *store) *Log {
	l := &Log{st: st, wake: make(chan struct{})}
	st.db.OnCommit(l.Notify)
	return l
}

// changed returns a channel that is closed the next time the log grows.
func (l *Log) changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wake
}

// Notify wakes the log's followers: the log may have grown. It runs after
// every commit of this process's writer; whatever learns of commits made
// elsewhere (another node's) calls it too.
func (l *Log) Notify() {
	l.mu.Lock()
	close(l.wake)
	l.wake = make(chan struct{})
	l.mu.Unlock()
}

// newEvent describes an event to append.
type newEvent struct {
	Type      string
	Scope     string
	ChannelID int64
	ActorID   int64
	SubjectID int64
	MessageID int64
	Data      any
}

// appendEvent writes ev in the caller's transaction and returns its seq.
// Its callers hold only the transaction, and a store's writes need nothing
// more, so the zero store serves.
func appendEvent(tx *sqlite.Tx, ev newEvent) (int64, error) {
	var st store
	return st.appendEvent(tx, ev)
}

// Events returns the events after since that userID may see, oldest first.
// kinds (from EventKinds) limits a bot token to the events of the channel
// kinds it has a history scope for; "" is no limit.
func (l *Log) Events(ctx context.Context, userID int64, kinds string, since int64, limit int) ([]Event, error) {
	return l.st.events(ctx, userID, kinds, since, limit)
}

// All returns every event after since, for readers that filter themselves
// (search indexing, webhooks, realtime fan-out).
func (l *Log) All(ctx context.Context, since int64, limit int) ([]Event, error) {
	return l.st.allEvents(ctx, since, limit)
}

// Refs is All without the events' payloads (Data is nil), for readers that
// need only what an event is about (the search indexer).
func (l *Log) Refs(ctx context.Context, since int64, limit int) ([]Event, error) {
	return l.st.eventRefs(ctx, since, limit)
}

// Head returns the newest seq, and the oldest still kept (0 when empty).
func (l *Log) Head(ctx context.Context) (head, oldest int64, err error) {
	return l.st.eventBounds(ctx)
}

// pruneBatch is how many of the oldest events one pruning write looks at,
// so that pruning a large log never holds the writer for long.
const pruneBatch = 2000

// Prune deletes events older than the cutoff, and returns how many. It
// works from the oldest events in short writes, reading them by seq: events
// are appended in time order, so it stops at the first batch that holds an
// event to keep, without scanning the rest of the log.
func (l *Log) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		// Each batch commits on its own, so that writers wait for one batch
		// at most.
		err := l.st.db.Write(ctx, func(tx *sqlite.Tx) error {
			var err error
			n, err = l.st.pruneEvents(tx, pruneBatch, olderThan.UnixMilli())
			return err
		})
		if err != nil {
			return total, fmt.Errorf("prune events: %w", err)
		}
		total += n
		if n < pruneBatch {
			return total, nil
		}
	}
}
