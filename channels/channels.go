package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels/sqlite"
)

var channelNamePattern = regexp.MustCompile(`^[a-z0-9_-]{1,80}$`)

func validateChannelName(name string) error {
	if !channelNamePattern.MatchString(name) {
		return Invalid("invalid_name", "name", "channel names are 1-80 characters of lowercase a-z, 0-9, '-' and '_'")
	}
	return nil
}

func validateTopic(field, s string) error {
	if utf8.RuneCountInString(s) > 250 {
		return Invalid("invalid_"+field, field, "%s is longer than 250 characters", field)
	}
	return nil
}

// loadChannel returns a channel the actor may read, and whether the actor is
// a member. A private channel or DM the actor is not in does not exist for
// them: ErrNotFound, never ErrForbidden.
func (s *Service) loadChannel(ctx context.Context, actor *Actor, id int64) (*Channel, bool, error) {
	c, err := s.st.channelFor(ctx, id, actor.ID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && c.Private && !c.IsMember {
		return nil, false, NotFound("channel")
	}
	if err != nil {
		return nil, false, err
	}
	if c.IsConversation() {
		if c.UserIDs, err = s.st.memberIDs(ctx, id); err != nil {
			return nil, false, err
		}
	}
	return c, c.IsMember, nil
}

// writableChannel is loadChannel for writes: the actor must be a member and
// the channel not archived.
func (s *Service) writableChannel(ctx context.Context, actor *Actor, id int64) (*Channel, error) {
	c, member, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !member {
		return nil, Forbidden("not_in_channel", "join the channel first")
	}
	if c.Archived {
		return nil, Forbidden("channel_archived", "the channel is archived")
	}
	return c, nil
}

// Channel returns a channel the actor may read.
func (s *Service) Channel(ctx context.Context, actor *Actor, id int64) (*Channel, error) {
	c, _, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if err := RequireScope(actor, ReadScope(c.Kind)); err != nil {
		return nil, err
	}
	return c, nil
}

// ChannelByName returns a named channel the actor may read.
func (s *Service) ChannelByName(ctx context.Context, actor *Actor, name string) (*Channel, error) {
	id, err := s.st.channelIDByName(ctx, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("channel")
	}
	if err != nil {
		return nil, err
	}
	return s.Channel(ctx, actor, id)
}

// NewChannel is the input of CreateChannel.
type NewChannel struct {
	Name    string `json:"name"`
	Topic   string `json:"topic"`
	Purpose string `json:"purpose"`
	Private bool   `json:"private"`
}

// CreateChannel creates a channel with the actor as its first member.
func (s *Service) CreateChannel(ctx context.Context, actor *Actor, in NewChannel) (*Channel, error) {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return nil, err
	}
	if err := validateChannelName(in.Name); err != nil {
		return nil, err
	}
	if err := validateTopic("topic", in.Topic); err != nil {
		return nil, err
	}
	if err := validateTopic("purpose", in.Purpose); err != nil {
		return nil, err
	}
	kind, scope := ChannelPublic, ScopeAll
	if in.Private {
		kind, scope = ChannelPrivate, ScopeChannel
	}
	now := nowMillis()
	c := &Channel{Name: in.Name, Kind: kind, Private: in.Private, Topic: in.Topic, Purpose: in.Purpose,
		CreatorID: actor.ID, CreatedAt: now, UpdatedAt: now, MemberCount: 1, IsMember: true}
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		id, err := s.st.insertChannel(tx, c)
		if sqlite.IsUniqueViolation(err) {
			return Conflict("name_taken", "a channel with that name exists")
		}
		if err != nil {
			return err
		}
		c.ID = id
		if err := s.st.insertMember(tx, c.ID, actor.ID); err != nil {
			return err
		}
		_, err = s.st.appendEvent(tx, newEvent{Type: EventChannelCreated, Scope: scope, ChannelID: c.ID, ActorID: actor.ID, Data: c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create channel %q: %w", in.Name, err)
	}
	return c, nil
}

// ChannelWithReadState is Channel with the actor's read position, unread
// and mention counts, as the actor's channel list has them (all 0 when the
// actor is not a member). Channel leaves them out: counting costs a scan of
// the unread messages, which only a reader needs.
func (s *Service) ChannelWithReadState(ctx context.Context, actor *Actor, id int64) (*Channel, error) {
	c, err := s.Channel(ctx, actor, id)
	if err != nil || !c.IsMember {
		return c, err
	}
	err = s.st.readState(ctx, c, actor.ID)
	if errors.Is(err, sql.ErrNoRows) { // left since Channel read it
		c.IsMember = false
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Channels lists the actor's channels and conversations with their unread
// and mention counts.
func (s *Service) Channels(ctx context.Context, actor *Actor) ([]Channel, error) {
	if !actor.Can(ScopeChannelsRead) && !actor.Can(ScopeGroupsRead) && !actor.Can(ScopeIMWrite) {
		return nil, MissingScope(ScopeChannelsRead)
	}
	mine, err := s.st.memberChannels(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	// A token lists only the kinds of channel it may read.
	out := mine[:0]
	for _, c := range mine {
		if actor.Can(ReadScope(c.Kind)) {
			out = append(out, c)
		}
	}
	for i := range out {
		if out[i].IsConversation() {
			if out[i].UserIDs, err = s.st.memberIDs(ctx, out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// BrowseChannels lists public channels by id after the cursor, for joining.
func (s *Service) BrowseChannels(ctx context.Context, actor *Actor, after int64, limit int) ([]Channel, error) {
	if err := RequireScope(actor, ScopeChannelsRead); err != nil {
		return nil, err
	}
	return s.st.publicChannels(ctx, actor.ID, after, limit)
}

// ChannelPatch holds the fields of PATCH /channels/{id}; nil leaves a field alone.
type ChannelPatch struct {
	Name    *string `json:"name"`
	Topic   *string `json:"topic"`
	Purpose *string `json:"purpose"`
}

// UpdateChannel renames a channel (its creator or an admin) or sets its
// topic and purpose (any member).
func (s *Service) UpdateChannel(ctx context.Context, actor *Actor, id int64, p ChannelPatch) (*Channel, error) {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return nil, err
	}
	c, err := s.writableChannel(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil && *p.Name != c.Name {
		if c.IsConversation() {
			return nil, Invalid("cannot_rename_conversation", "name", "a direct message has no name")
		}
		if c.CreatorID != actor.ID && !actor.IsAdmin {
			return nil, Forbidden("not_allowed", "only the channel's creator or an admin can rename it")
		}
		if err := validateChannelName(*p.Name); err != nil {
			return nil, err
		}
		c.Name = *p.Name
	}
	if p.Topic != nil {
		if err := validateTopic("topic", *p.Topic); err != nil {
			return nil, err
		}
		c.Topic = *p.Topic
	}
	if p.Purpose != nil {
		if err := validateTopic("purpose", *p.Purpose); err != nil {
			return nil, err
		}
		c.Purpose = *p.Purpose
	}
	c.UpdatedAt = nowMillis()
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		err := s.st.updateChannel(tx, c)
		if sqlite.IsUniqueViolation(err) {
			return Conflict("name_taken", "a channel with that name exists")
		}
		if err != nil {
			return err
		}
		_, err = s.st.appendEvent(tx, newEvent{Type: EventChannelUpdated, Scope: channelScope(c), ChannelID: c.ID, ActorID: actor.ID, Data: c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update channel %d: %w", id, err)
	}
	return c, nil
}

func channelScope(c *Channel) string {
	if c.Private {
		return ScopeChannel
	}
	return ScopeAll
}

// SetArchived archives or unarchives a channel (its creator or an admin).
func (s *Service) SetArchived(ctx context.Context, actor *Actor, id int64, archived bool) (*Channel, error) {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return nil, err
	}
	c, member, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.IsConversation() {
		return nil, Invalid("cannot_archive_conversation", "channel_id", "a direct message cannot be archived")
	}
	if !member && !actor.IsAdmin {
		return nil, Forbidden("not_in_channel", "join the channel first")
	}
	if c.CreatorID != actor.ID && !actor.IsAdmin {
		return nil, Forbidden("not_allowed", "only the channel's creator or an admin can archive it")
	}
	if c.Archived == archived {
		return c, nil
	}
	now := nowMillis()
	typ := EventChannelUnarchived
	c.ArchivedAt, c.Archived = nil, archived
	if archived {
		typ, c.ArchivedAt = EventChannelArchived, &now
	}
	c.UpdatedAt = now
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if err := s.st.setChannelArchived(tx, id, c.ArchivedAt, now); err != nil {
			return err
		}
		_, err := s.st.appendEvent(tx, newEvent{Type: typ, Scope: channelScope(c), ChannelID: id, ActorID: actor.ID, Data: c})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("set channel %d archived=%v: %w", id, archived, err)
	}
	return c, nil
}
