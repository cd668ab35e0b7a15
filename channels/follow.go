package channels

import (
	"context"
	"time"
)

// FollowOptions tune how a reader follows the event log.
type FollowOptions struct {
	// Batch is how many events one read hands over; 512 when 0.
	Batch int
	// NoPayloads reads the events without their data (Data is nil), for
	// readers that need only their kind and the message they are about.
	NoPayloads bool
	// Linger, after a wake, waits this long for more commits to gather
	// before reading, for readers whose cost is per batch, not per event.
	Linger time.Duration
	// Skip, when set, is asked after the log's head is read and before the
	// events are, whether the reader wants none of them for now; then the
	// reader is handed an empty batch that reaches the head.
	Skip func(ctx context.Context) (bool, error)
	// Failed is told of each failure (a read, or the reader's own) before
	// the retry.
	Failed func(error)
}

const defaultFollowBatch = 512

// Follow hands fn the events after from, in order and in batches, until ctx
// ends: at once, and again whenever the log grows (Notify). upTo is the seq
// the reader has reached once fn returns nil: the batch's last, or the
// head when Skip said so. A batch that could not be read, or that fn
// failed, is tried again after a Backoff, so a reader sees every event, in
// order, and never one twice unless it failed on it. Follow returns when
// ctx ends.
func (l *Log) Follow(ctx context.Context, from int64, opts FollowOptions, fn func(ctx context.Context, events []Event, upTo int64) error) {
	if opts.Batch <= 0 {
		opts.Batch = defaultFollowBatch
	}
	var retry Backoff
	for ctx.Err() == nil {
		wake := l.changed() // before reading, so that no commit is missed
		n, err := l.followStep(ctx, &from, opts, fn)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if opts.Failed != nil {
				opts.Failed(err)
			}
			if !retry.Wait(ctx) {
				return
			}
			continue
		}
		retry.Reset()
		if n == opts.Batch {
			continue // more is waiting
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
		if opts.Linger > 0 {
			select {
			case <-time.After(opts.Linger):
			case <-ctx.Done():
				return
			}
		}
	}
}

// followStep reads and hands over one batch after *from, moving *from past
// it once fn accepts it; it returns how many events the batch held.
func (l *Log) followStep(ctx context.Context, from *int64, opts FollowOptions, fn func(context.Context, []Event, int64) error) (int, error) {
	if opts.Skip != nil {
		head, _, err := l.Head(ctx)
		if err != nil || head <= *from {
			return 0, err
		}
		skip, err := opts.Skip(ctx)
		if err != nil {
			return 0, err
		}
		if skip {
			if err := fn(ctx, nil, head); err != nil {
				return 0, err
			}
			*from = head
			return 0, nil
		}
	}
	read := l.All
	if opts.NoPayloads {
		read = l.Refs
	}
	events, err := read(ctx, *from, opts.Batch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	last := events[len(events)-1].Seq
	if err := fn(ctx, events, last); err != nil {
		return 0, err
	}
	*from = last
	return len(events), nil
}

// Backoff is the one retry policy of the log's readers and what they
// depend on: the first retry after 100 ms, each next one after twice as
// long, up to 10 s. The zero value is ready.
type Backoff struct {
	next time.Duration
}

const (
	backoffFirst = 100 * time.Millisecond
	backoffMax   = 10 * time.Second
)

// Wait sleeps until the next retry is due, and reports false when ctx
// ended first.
func (b *Backoff) Wait(ctx context.Context) bool {
	if b.next == 0 {
		b.next = backoffFirst
	}
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next = min(2*b.next, backoffMax)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Reset starts the next failure's retries from the first delay again.
func (b *Backoff) Reset() { b.next = 0 }
