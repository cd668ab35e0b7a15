package channels

import (
	"context"
	"errors"
	"fmt"
)

// Reading messages: one, a batch by id (search results), a channel's
// history and a thread's replies, each only as far as the reader may see.

// message loads one message without checking access.
func (s *Service) message(ctx context.Context, id int64) (*Message, error) {
	m, err := s.st.message(ctx, id)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, NotFound("message")
	}
	msgs := []Message{*m}
	if err := s.hydrate(ctx, msgs); err != nil {
		return nil, err
	}
	return &msgs[0], nil
}

// Message returns a message the actor may read. Deleted messages are gone.
func (s *Service) Message(ctx context.Context, actor *Actor, id int64) (*Message, error) {
	m, c, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, err
	}
	return m, nil
}

// VisibleMessages loads the messages among ids that the actor may read, in
// the order of ids, with their channels: one query for the messages and
// one per distinct channel, where calling Message per id would repeat
// both. Deleted, unknown and unreadable ids are left out.
func (s *Service) VisibleMessages(ctx context.Context, actor *Actor, ids []int64) ([]Message, map[int64]*Channel, error) {
	chans := map[int64]*Channel{}
	if len(ids) == 0 {
		return nil, chans, nil
	}
	found, err := s.st.liveMessages(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]Message, len(found))
	unreadable := map[int64]bool{}
	for _, m := range found {
		if _, seen := chans[m.ChannelID]; !seen && !unreadable[m.ChannelID] {
			c, _, err := s.loadChannel(ctx, actor, m.ChannelID)
			switch {
			case errors.Is(err, ErrNotFound), err == nil && !actor.Can(HistoryScope(c.Kind)):
				unreadable[m.ChannelID] = true
				continue
			case err != nil:
				return nil, nil, err
			}
			chans[m.ChannelID] = c
		}
		if !unreadable[m.ChannelID] {
			byID[m.ID] = m
		}
	}
	out := make([]Message, 0, len(byID))
	for _, id := range ids {
		if m, ok := byID[id]; ok {
			out = append(out, m)
		}
	}
	return out, chans, s.hydrate(ctx, out)
}

// visibleMessage returns a message in a channel the actor may see, and the
// channel, without checking scopes.
func (s *Service) visibleMessage(ctx context.Context, actor *Actor, id int64) (*Message, *Channel, error) {
	m, err := s.message(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	c, _, err := s.loadChannel(ctx, actor, m.ChannelID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil, NotFound("message")
		}
		return nil, nil, err
	}
	if m.Deleted {
		return nil, nil, NotFound("message")
	}
	return m, c, nil
}

// Page selects a slice of a list by id: Before and After are exclusive
// cursors; Limit is clamped to 1..200 (default 50).
type Page struct {
	Before int64
	After  int64
	Limit  int
}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return 50
	case p.Limit > maxPageSize:
		return maxPageSize
	}
	return p.Limit
}

// Messages lists a channel's top-level messages, newest first. more reports
// whether the page was cut by the limit. A deleted message stays as a
// tombstone while it has replies.
func (s *Service) Messages(ctx context.Context, actor *Actor, channelID int64, p Page) (msgs []Message, more bool, err error) {
	c, _, err := s.loadChannel(ctx, actor, channelID)
	if err != nil {
		return nil, false, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, false, err
	}
	limit := p.limit()
	before := p.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	// Only After: the messages just after the cursor, read oldest first
	// and returned newest first below.
	asc := p.After > 0 && p.Before <= 0
	msgs, err = s.st.channelMessages(ctx, channelID, before, p.After, limit+1, asc)
	if err != nil {
		return nil, false, err
	}
	if len(msgs) > limit {
		msgs, more = msgs[:limit], true
	}
	if asc {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	return msgs, more, s.hydrate(ctx, msgs)
}

// Replies lists a thread's replies, oldest first, after the cursor.
func (s *Service) Replies(ctx context.Context, actor *Actor, rootID int64, p Page) (msgs []Message, more bool, err error) {
	root, err := s.message(ctx, rootID)
	if err != nil {
		return nil, false, err
	}
	c, _, err := s.loadChannel(ctx, actor, root.ChannelID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, false, NotFound("message")
		}
		return nil, false, err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, false, err
	}
	if root.ThreadID != nil || root.Deleted && root.ReplyCount == 0 {
		return nil, false, NotFound("message")
	}
	limit := p.limit()
	if msgs, err = s.st.replies(ctx, rootID, p.After, limit+1); err != nil {
		return nil, false, err
	}
	if len(msgs) > limit {
		msgs, more = msgs[:limit], true
	}
	return msgs, more, s.hydrate(ctx, msgs)
}

// MessageIDAt finds the message of a channel posted in second (Unix
// seconds) whose id is id modulo modulus (exactly id when modulus is 0):
// what a Slack ts names. It returns 0 when there is none. It checks no
// access: callers load the message as the reader next.
func (s *Service) MessageIDAt(ctx context.Context, channelID, second, id, modulus int64) (int64, error) {
	if id < 0 || modulus < 0 || modulus > 0 && id >= modulus {
		return 0, nil
	}
	found, err := s.st.messageIDAt(ctx, channelID, second*1000, second*1000+1000, id, modulus)
	if err != nil {
		return 0, fmt.Errorf("find the message at %d.%d in channel %d: %w", second, id, channelID, err)
	}
	return found, nil
}
