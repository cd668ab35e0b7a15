package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// ImportedMessage is a message written as it was elsewhere (an archive, a
// generated corpus): its channel, author, time and thread are kept, and the
// poster's rules (membership, rate limits, keys) do not apply, because the
// operator imports, not the author.
type ImportedMessage struct {
	ChannelID, UserID int64
	Text              string
	Markup            string // markdown (the default) or mrkdwn
	CreatedAt         int64  // Unix ms
	// ThreadID is the root of the thread this message replies to, when
	// the root is already stored.
	ThreadID int64
	// Root is the root's place in the same batch instead, counted from 1
	// (it must come earlier); 0 when the message is not such a reply.
	Root int
}

// ImportMessages stores a batch in one transaction the way PostMessage
// stores a post: each message with its mentions and its message.created
// event, so that every log reader (search, realtime resume, outgoing
// webhooks) sees it. It returns the new ids in order.
func (s *Service) ImportMessages(ctx context.Context, batch []ImportedMessage) ([]int64, error) {
	msgs := make([]Message, len(batch))
	for i, in := range batch {
		m := &msgs[i]
		*m = Message{ChannelID: in.ChannelID, UserID: in.UserID, Text: in.Text, Markup: in.Markup, CreatedAt: in.CreatedAt,
			Reactions: []Reaction{}, Files: []File{}}
		if err := validateBody(&m.Text, &m.Markup, &m.Attachments, &m.Blocks, false); err != nil {
			return nil, fmt.Errorf("message %d of the batch: %w", i+1, err)
		}
		if in.Root < 0 || in.Root > i || (in.Root > 0 && in.ThreadID != 0) {
			return nil, Invalid("invalid_thread", "root", "message %d: root must name an earlier message of the batch", i+1)
		}
		var err error
		if m.Mentions, err = s.resolveMentions(ctx, m.Text, m.Markup); err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(batch))
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		for i, in := range batch {
			m := &msgs[i]
			root := in.ThreadID
			if in.Root > 0 {
				root = ids[in.Root-1]
			}
			if root != 0 {
				if err := s.checkImportRoot(tx, m.ChannelID, root); err != nil {
					return fmt.Errorf("message %d of the batch: %w", i+1, err)
				}
				m.ThreadID = &root
			}
			if err := s.writeMessage(tx, m, ""); err != nil {
				return fmt.Errorf("message %d of the batch: %w", i+1, err)
			}
			ids[i] = m.ID
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import %d messages: %w", len(batch), err)
	}
	return ids, nil
}

// checkImportRoot accepts a thread root that is a top-level message of the
// same channel.
func (s *Service) checkImportRoot(tx *sqlite.Tx, channelID, rootID int64) error {
	p, err := s.st.messagePlaceTx(tx, rootID)
	if err != nil {
		return err
	}
	if !p.found || p.channelID != channelID || p.threadID != 0 {
		return newErr(ErrNotFound, "thread_not_found", fmt.Sprintf("no top-level message %d in channel %d", rootID, channelID))
	}
	return nil
}

// CountMessages counts the messages stored in a channel (the operator's
// view: no access check).
func (s *Service) CountMessages(ctx context.Context, channelID int64) (int64, error) {
	return s.st.countChannelMessages(ctx, channelID)
}
