package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// reactionEvent is the payload of reaction events.
type reactionEvent struct {
	MessageID int64  `json:"message_id"`
	ChannelID int64  `json:"channel_id"`
	UserID    int64  `json:"user_id"`
	Emoji     string `json:"emoji"`
}

// React adds (add=true) or removes the actor's emoji reaction on a message.
// Both are idempotent: repeating one changes nothing and logs no event. A
// message takes up to MaxReactionsPerMessage different emoji, each a known
// one; a reaction stored before names were checked can still be removed.
func (s *Service) React(ctx context.Context, actor *Actor, messageID int64, emoji string, add bool) error {
	emoji, err := ReactionName(emoji, add)
	if err != nil {
		return err
	}
	m, _, err := s.visibleMessage(ctx, actor, messageID)
	if err != nil {
		return err
	}
	if err := RequireScope(actor, ScopeReactionsWrite); err != nil {
		return err
	}
	if err := s.postTarget(ctx, actor.ID, m.ChannelID, nil); err != nil {
		return err
	}
	typ, now := EventReactionAdded, nowMillis()
	if !add {
		typ = EventReactionRemoved
	}
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		var changed bool
		var err error
		if add {
			if err := s.checkReactionRoom(tx, messageID, emoji); err != nil {
				return err
			}
			changed, err = s.st.addReaction(tx, messageID, emoji, actor.ID, now)
		} else {
			changed, err = s.st.removeReaction(tx, messageID, emoji, actor.ID)
		}
		if err != nil || !changed {
			return err
		}
		_, err = appendEvent(tx, newEvent{Type: typ, Scope: ScopeChannel, ChannelID: m.ChannelID, ActorID: actor.ID,
			MessageID: messageID, Data: reactionEvent{messageID, m.ChannelID, actor.ID, emoji}})
		return err
	})
	if err != nil {
		return fmt.Errorf("react %s to message %d: %w", emoji, messageID, err)
	}
	return nil
}

// ReactionName is the stored name of a reaction being added (a known
// emoji, see NormalizeEmoji) or removed (also any name of a shortcode's
// shape, which older versions stored unchecked).
func ReactionName(emoji string, add bool) (string, error) {
	name, err := NormalizeEmoji(emoji)
	if err != nil && !add {
		if legacy, lerr := EmojiName(emoji); lerr == nil {
			return legacy, nil
		}
	}
	return name, err
}

// checkReactionRoom refuses a new emoji on a message that already has
// MaxReactionsPerMessage different ones (one already there may be added by
// more people).
func (s *Service) checkReactionRoom(tx *sqlite.Tx, messageID int64, emoji string) error {
	distinct, present, err := s.st.reactionRoom(tx, messageID, emoji)
	if err != nil {
		return err
	}
	if !present && distinct >= MaxReactionsPerMessage {
		return Invalid("too_many_reactions", "emoji", "a message takes at most %d different reactions", MaxReactionsPerMessage)
	}
	return nil
}

// hydrate fills in the reactions, files and mentions of msgs.
func (s *Service) hydrate(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	s.withAuthorIcons(ctx, msgs)
	return s.st.loadMessageDetails(ctx, msgs)
}
