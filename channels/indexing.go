package channels

import (
	"context"
	"encoding/json"
)

// What the search indexer reads. It follows the log for which messages
// changed and loads them here, so that the core's tables stay the core's.

// IndexedMessage is a message as the search index needs it.
type IndexedMessage struct {
	ID          int64
	ChannelID   int64
	ChannelKind string
	UserID      int64
	UserKind    string
	ThreadID    int64 // 0 for a root
	ReplyCount  int
	Text        string
	Attachments json.RawMessage
	Blocks      json.RawMessage
	FileNames   []string
	HasReaction bool
	CreatedAt   int64
}

// MessagesForIndex loads the live messages among ids; deleted and unknown
// ones are left out (the indexer removes them from the index).
func (s *Service) MessagesForIndex(ctx context.Context, ids []int64) ([]IndexedMessage, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.st.indexedMessagesByID(ctx, ids)
}

// MessagesForIndexAfter loads up to limit live messages with ids above
// afterID, by id: the pages of a rebuild.
func (s *Service) MessagesForIndexAfter(ctx context.Context, afterID int64, limit int) ([]IndexedMessage, error) {
	return s.st.indexedMessagesAfter(ctx, afterID, limit)
}

// CountMessagesForIndex counts the live messages (for a rebuild's progress).
func (s *Service) CountMessagesForIndex(ctx context.Context) (int64, error) {
	return s.st.countLiveMessages(ctx)
}

// ReadableChannelIDs returns the ids of the channels and conversations the
// actor is a member of: with public channels, what they may search.
func (s *Service) ReadableChannelIDs(ctx context.Context, actor *Actor) ([]int64, error) {
	return s.st.indexMemberChannelIDs(ctx, actor.ID)
}

// DMWith returns the id of the actor's DM with userID, or 0 when they have
// none (it does not open one).
func (s *Service) DMWith(ctx context.Context, actor *Actor, userID int64) (int64, error) {
	members := []int64{actor.ID}
	if userID != actor.ID {
		members = append(members, userID)
	}
	return s.st.indexDMByKey(ctx, dmKey(members))
}
