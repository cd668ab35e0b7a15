package channels

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Limits on a message.
const (
	MaxTextRunes   = 40000
	maxAttachments = 100
	maxBlocks      = 50
	maxFiles       = 10
	maxPageSize    = 200

	idempotencyWindow = 24 * time.Hour
)

// NewMessage is the input of PostMessage.
type NewMessage struct {
	Text        string          `json:"text"`
	Markup      string          `json:"markup"`
	ThreadID    int64           `json:"thread_id"`
	Attachments json.RawMessage `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
	// Props are free-form properties; the reserved ones (ReservedProps)
	// are refused here and set by the server through ServerProps.
	Props   json.RawMessage `json:"props"`
	FileIDs []int64         `json:"file_ids"`
	// ServerProps are the properties only the server sets (an integration's
	// marks), merged over Props.
	ServerProps map[string]any `json:"-"`
	// IdempotencyKey makes a retried post return the first message.
	IdempotencyKey string `json:"-"`

	// Key (bots) names the message for its author in this channel: posting
	// again with the same key updates that message in place.
	Key string `json:"key"`
	// ThreadKey replies under the author's message with that key.
	ThreadKey string `json:"thread_key"`
	// Username, IconEmoji and IconURL override how the author is shown;
	// a bot token needs chat:write.customize.
	Username  string `json:"username"`
	IconEmoji string `json:"icon_emoji"`
	IconURL   string `json:"icon_url"`
}

// postTarget checks that actorID may write into a channel, and with poster
// set the scopes of a post (see checkPostTarget).
func (s *Service) postTarget(ctx context.Context, actorID, channelID int64, poster *Actor) error {
	t, err := s.st.postTarget(ctx, actorID, channelID)
	if err != nil {
		return err
	}
	return checkPostTarget(t, poster)
}

// checkPostTarget decides whether a channel takes a post. With poster
// set, it checks a new post's scopes too: chat:write where the bot is a
// member, and chat:write.public, which lets a bot post into a public
// channel it is not in.
func checkPostTarget(t postTargetFacts, poster *Actor) error {
	// The system bot is the server itself: it posts where the server has
	// to (a reminder into a channel the bot is not in).
	system := poster != nil && poster.TokenKind == TokenSystem
	switch {
	case !t.found, t.kind != ChannelPublic && !t.member && !system:
		return NotFound("channel")
	case t.deactivated:
		// Whatever the path (a response_url, a webhook, a token cached a
		// moment too long), nothing is posted as a deactivated author.
		return Forbidden("account_deactivated", "the author's account is deactivated")
	case system:
	case !t.member && poster != nil && poster.Scopes != nil:
		if !poster.Can(ScopeChatWritePublic) {
			return MissingScope(ScopeChatWritePublic)
		}
	case !t.member:
		return Forbidden("not_in_channel", "join the channel first")
	case poster != nil && !poster.Can(ScopeChatWrite):
		return MissingScope(ScopeChatWrite)
	}
	if t.archived {
		return Forbidden("channel_archived", "the channel is archived")
	}
	return nil
}

// PostMessage posts a message or thread reply as the actor. created is false
// when the idempotency key matched an earlier post, which is returned instead.
func (s *Service) PostMessage(ctx context.Context, actor *Actor, channelID int64, in NewMessage) (m *Message, created bool, err error) {
	ov, err := checkNewMessage(actor, &in)
	if err != nil {
		return nil, false, err
	}
	keyed, err := s.resolveKeys(ctx, actor.ID, channelID, &in)
	if err != nil {
		return nil, false, err
	}
	if keyed != 0 {
		m, err := s.repost(ctx, actor, channelID, keyed, &in, ov)
		return m, false, err
	}
	if err := s.checkPostLimit(actor, channelID); err != nil {
		return nil, false, err
	}
	msg, err := s.newPost(ctx, actor, channelID, &in, ov)
	if err != nil {
		return nil, false, err
	}
	replayID, err := s.storePost(ctx, actor, msg, in.IdempotencyKey)
	if err != nil {
		return nil, false, fmt.Errorf("post message to channel %d: %w", channelID, err)
	}
	if replayID != 0 {
		return s.replayPost(ctx, channelID, replayID)
	}
	return msg, true, nil
}

// checkNewMessage validates a post's input, normalising its body (see
// validateBody), and returns its author overrides.
func checkNewMessage(actor *Actor, in *NewMessage) (Overrides, error) {
	if len(in.IdempotencyKey) > 255 {
		return Overrides{}, Invalid("invalid_idempotency_key", "Idempotency-Key", "Idempotency-Key is longer than 255 characters")
	}
	if err := validateBody(&in.Text, &in.Markup, &in.Attachments, &in.Blocks, len(in.FileIDs) > 0); err != nil {
		return Overrides{}, err
	}
	if len(in.FileIDs) > maxFiles {
		return Overrides{}, Invalid("too_many_files", "file_ids", "at most %d files per message", maxFiles)
	}
	ov, err := checkOverrides(actor, in.Username, in.IconEmoji, in.IconURL)
	if err != nil {
		return Overrides{}, err
	}
	if len(in.Key) > 255 || len(in.ThreadKey) > 255 {
		return Overrides{}, Invalid("invalid_key", "key", "key and thread_key are at most 255 characters")
	}
	return ov, nil
}

// newPost builds the message a post stores: under its thread's root, with
// its files, mentions, props and the author's icon.
func (s *Service) newPost(ctx context.Context, actor *Actor, channelID int64, in *NewMessage, ov Overrides) (*Message, error) {
	msg := &Message{ChannelID: channelID, UserID: actor.ID, Text: in.Text, Markup: in.Markup, Attachments: in.Attachments,
		Blocks: in.Blocks, Props: in.Props, Reactions: []Reaction{}, Files: []File{}, Key: in.Key,
		Username: ov.Username, IconEmoji: ov.IconEmoji, IconURL: ov.IconURL}
	if in.ThreadID != 0 {
		root, err := s.threadRoot(ctx, channelID, in.ThreadID)
		if err != nil {
			return nil, err
		}
		msg.ThreadID = &root
	}
	var err error
	if msg.Files, err = s.attachableFiles(ctx, actor, in.FileIDs); err != nil {
		return nil, err
	}
	if msg.Mentions, err = s.resolveMentions(ctx, msg.Text, msg.Markup); err != nil {
		return nil, err
	}
	if msg.Props, err = mergeProps(msg.Props, in.ServerProps); err != nil {
		return nil, err
	}
	s.withAuthorIcon(ctx, msg)
	return msg, nil
}

// storePost stores msg as the actor's post, unless the actor's idempotency
// key already made one within its window: then it stores nothing and
// returns that post's id.
func (s *Service) storePost(ctx context.Context, actor *Actor, msg *Message, idemKey string) (replayID int64, err error) {
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := nowMillis()
		// Checked in the transaction: the writer's page cache is warm, and
		// membership cannot change between the check and the insert.
		t, err := s.st.postTargetTx(tx, actor.ID, msg.ChannelID)
		if err != nil {
			return err
		}
		if err := checkPostTarget(t, actor); err != nil {
			return err
		}
		if idemKey != "" {
			found, err := s.st.postByIdempotencyKey(tx, actor.ID, idemKey, now-idempotencyWindow.Milliseconds(), &replayID)
			if err != nil || found {
				return err
			}
		}
		msg.CreatedAt = now
		return s.writeMessage(tx, msg, idemKey)
	})
	return replayID, err
}

// writeMessage stores msg (see store.insertMessage), setting msg.ID, and
// logs its message.created event in the same transaction.
func (s *Service) writeMessage(tx *sqlite.Tx, msg *Message, idemKey string) error {
	err := s.st.insertMessage(tx, msg, idemKey)
	if errors.Is(err, errKeyTaken) {
		return Conflict("key_conflict", "another post with this key was being made at the same time; retry")
	}
	if err != nil {
		return err
	}
	_, err = appendEvent(tx, newEvent{Type: EventMessageCreated, Scope: ScopeChannel, ChannelID: msg.ChannelID,
		ActorID: msg.UserID, MessageID: msg.ID, Data: msg})
	return err
}

// replayPost answers a post into channelID whose idempotency key already
// made message id.
func (s *Service) replayPost(ctx context.Context, channelID, id int64) (*Message, bool, error) {
	m, err := s.message(ctx, id)
	if err != nil {
		return nil, false, err
	}
	// A key first used in another channel must not hand out that
	// message: the caller may no longer be allowed to see it.
	if m.ChannelID != channelID {
		return nil, false, Invalid("invalid_idempotency_key", "Idempotency-Key", "the Idempotency-Key was already used for a post to another channel")
	}
	return m, false, nil
}

// threadRoot resolves the message a reply goes under: the message itself, or
// its root when it is already a reply (so bots need not look the root up).
func (s *Service) threadRoot(ctx context.Context, channelID, id int64) (int64, error) {
	p, err := s.st.messagePlace(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("load thread root %d: %w", id, err)
	}
	if !p.found || p.channelID != channelID || p.deleted {
		return 0, newErr(ErrNotFound, "thread_not_found", "the thread's message is not in this channel")
	}
	if p.threadID != 0 {
		return p.threadID, nil
	}
	return id, nil
}

// MessageEdit is the input of EditMessage; nil leaves a field alone.
type MessageEdit struct {
	Text        *string         `json:"text"`
	Attachments json.RawMessage `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
	// overrides replace the author overrides (a keyed re-post).
	overrides *Overrides
	// repost is a keyed re-post: it may write where a new post may
	// (chat:write.public lets a bot update in a public channel it is not in).
	repost bool
}

// EditMessage changes a message's text (and attachments or blocks); only its
// author may.
func (s *Service) EditMessage(ctx context.Context, actor *Actor, id int64, e MessageEdit) (*Message, error) {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !e.repost {
		if err := RequireScope(actor, ScopeChatWrite); err != nil {
			return nil, err
		}
	}
	if m.UserID != actor.ID {
		return nil, Forbidden("not_author", "only the author can edit a message")
	}
	// An edit goes where a new post may: for a bot, chat:write.public
	// covers a public channel it is not in (as Slack's chat.update does);
	// people need to be members.
	if err := s.postTarget(ctx, actor.ID, m.ChannelID, actor); err != nil {
		return nil, err
	}
	if e.Text != nil {
		m.Text = *e.Text
	}
	if e.Attachments != nil {
		m.Attachments = e.Attachments
	}
	if e.Blocks != nil {
		m.Blocks = e.Blocks
	}
	if e.overrides != nil {
		m.Username, m.IconEmoji, m.IconURL = e.overrides.Username, e.overrides.IconEmoji, e.overrides.IconURL
		m.iconDefault = false
		s.withAuthorIcon(ctx, m)
	}
	if err := validateBody(&m.Text, &m.Markup, &m.Attachments, &m.Blocks, len(m.Files) > 0); err != nil {
		return nil, err
	}
	if m.Mentions, err = s.resolveMentions(ctx, m.Text, m.Markup); err != nil {
		return nil, err
	}
	now := nowMillis()
	m.EditedAt = &now
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		updated, err := s.st.updateMessage(tx, m, now)
		if err != nil {
			return err
		}
		if !updated {
			return NotFound("message")
		}
		seq, err := appendEvent(tx, newEvent{Type: EventMessageUpdated, Scope: ScopeChannel, ChannelID: m.ChannelID,
			ActorID: actor.ID, MessageID: id, Data: m})
		if err != nil {
			return err
		}
		// The earlier text leaves the log, as a deleted message's does: a
		// replay shows the message as it is now, the payload just logged.
		return s.st.copyLatestPayload(tx, id, seq)
	})
	if err != nil {
		return nil, fmt.Errorf("edit message %d: %w", id, err)
	}
	return m, nil
}

// tombstone is what remains of a deleted message, in its events and its
// message.deleted event.
type tombstone struct {
	ID        int64  `json:"id"`
	ChannelID int64  `json:"channel_id"`
	ThreadID  *int64 `json:"thread_id"`
	Deleted   bool   `json:"deleted"`
}

// DeleteMessage deletes a message (its author, or an admin). Its text,
// attachments, reactions and files are removed, also from earlier events.
func (s *Service) DeleteMessage(ctx context.Context, actor *Actor, id int64) error {
	m, _, err := s.visibleMessage(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := RequireScope(actor, ScopeChatWrite); err != nil {
		return err
	}
	if m.UserID != actor.ID && !actor.IsAdmin {
		return Forbidden("not_author", "only the author or an admin can delete a message")
	}
	var orphans []string
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := nowMillis()
		deleted, err := s.st.deleteMessage(tx, id, now)
		if err != nil {
			return err
		}
		if !deleted {
			return NotFound("message")
		}
		if orphans, err = s.st.unlinkFiles(tx, id, now); err != nil {
			return err
		}
		if m.ThreadID != nil {
			if err := s.st.removeReply(tx, *m.ThreadID); err != nil {
				return err
			}
		}
		ts := tombstone{ID: id, ChannelID: m.ChannelID, ThreadID: m.ThreadID, Deleted: true}
		scrubbed, _ := json.Marshal(ts)
		if err := s.st.scrubMessageEvents(tx, id, scrubbed); err != nil {
			return err
		}
		_, err = appendEvent(tx, newEvent{Type: EventMessageDeleted, Scope: ScopeChannel, ChannelID: m.ChannelID,
			ActorID: actor.ID, MessageID: id, Data: ts})
		return err
	})
	if err != nil {
		return fmt.Errorf("delete message %d: %w", id, err)
	}
	s.removeBlobs(ctx, orphans)
	return nil
}
