package channels

import "context"

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
