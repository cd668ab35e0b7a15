package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// ReadPosition is how far one member of a conversation has read.
type ReadPosition struct {
	UserID     int64 `json:"user_id"`
	LastReadID int64 `json:"last_read_id"`
}

// Reads lists the read positions of the members of a DM or group DM the
// actor is in, so a client can show "seen" without waiting for the next
// read.updated. A conversation the actor is not in does not exist for them
// (404, like its messages); another kind of channel is a 400.
func (s *Service) Reads(ctx context.Context, actor *Actor, channelID int64) ([]ReadPosition, error) {
	c, member, err := s.loadChannel(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	if !c.IsConversation() {
		return nil, Invalid("not_a_dm", "channel_id", "read positions are shared only in direct messages")
	}
	if !member { // conversations are private: loadChannel already hid it
		return nil, NotFound("channel")
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return nil, err
	}
	return s.st.readPositions(ctx, channelID)
}

// readState is the payload of read.updated.
type readState struct {
	ChannelID  int64 `json:"channel_id"`
	UserID     int64 `json:"user_id"`
	LastReadID int64 `json:"last_read_id"`
}

// MarkRead moves the actor's read position in a channel to messageID.
func (s *Service) MarkRead(ctx context.Context, actor *Actor, channelID, messageID int64) error {
	c, member, err := s.loadChannel(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if err := RequireScope(actor, HistoryScope(c.Kind)); err != nil {
		return err
	}
	if !member {
		return Forbidden("not_in_channel", "join the channel first")
	}
	// In a DM or group DM the others see how far one has read ("seen");
	// elsewhere only the reader's own devices do.
	scope := ScopeUser
	if c.IsConversation() {
		scope = ScopeChannel
	}
	inChannel, err := s.st.readTargetExists(ctx, channelID, messageID)
	if err != nil {
		return err
	}
	if !inChannel {
		return NotFound("message")
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if err := s.st.setLastRead(tx, channelID, actor.ID, messageID); err != nil {
			return err
		}
		_, err := s.st.appendEvent(tx, newEvent{Type: EventReadUpdated, Scope: scope, ChannelID: channelID, ActorID: actor.ID,
			SubjectID: actor.ID, Data: readState{channelID, actor.ID, messageID}})
		return err
	})
	if err != nil {
		return fmt.Errorf("mark channel %d read: %w", channelID, err)
	}
	return nil
}
