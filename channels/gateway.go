package channels

import (
	"context"
	"fmt"
)

// What the realtime gateway reads besides the log: who is in which channel
// when it starts following, and two lookups while it runs.

// Membership is one person (or bot) in one channel.
type Membership struct {
	ChannelID, UserID int64
}

// MembershipSnapshot is every channel's kind and every membership as of one
// position of the event log, read together.
type MembershipSnapshot struct {
	Head    int64 // the last event the snapshot includes
	Kinds   map[int64]string
	Members []Membership
}

// MembershipSnapshot reads the log's head, the channels' kinds and every
// membership in one read transaction, so that a reader that applies the
// events after Head to it stays exact.
func (s *Service) MembershipSnapshot(ctx context.Context) (*MembershipSnapshot, error) {
	snap, err := s.st.membershipSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the membership snapshot: %w", err)
	}
	return snap, nil
}

// ChannelKind returns a channel's kind (public, private, dm, group_dm),
// with no access check: the gateway filters events by kind for bot tokens
// limited to some kinds.
func (s *Service) ChannelKind(ctx context.Context, channelID int64) (string, error) {
	kind, err := s.st.channelKind(ctx, channelID)
	if err != nil {
		return "", fmt.Errorf("read the kind of channel %d: %w", channelID, err)
	}
	return kind, nil
}

// IsThreadRoot reports whether id is a message of channelID that can have
// replies: not a reply itself, and not deleted. There is no access check:
// the gateway asks for a member's typing indicator.
func (s *Service) IsThreadRoot(ctx context.Context, channelID, id int64) (bool, error) {
	ok, err := s.st.isThreadRoot(ctx, channelID, id)
	if err != nil {
		return false, fmt.Errorf("look up thread %d: %w", id, err)
	}
	return ok, nil
}
