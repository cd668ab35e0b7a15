package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// membership is the payload of member events.
type membership struct {
	ChannelID int64 `json:"channel_id"`
	UserID    int64 `json:"user_id"`
}

// Join adds the actor to a public channel. Joining twice is not an error.
func (s *Service) Join(ctx context.Context, actor *Actor, id int64) (*Channel, error) {
	if err := RequireScope(actor, ScopeChannelsJoin); err != nil {
		return nil, err
	}
	c, member, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if member {
		return c, nil
	}
	if c.Archived {
		return nil, Forbidden("channel_archived", "the channel is archived")
	}
	if err := s.addMember(ctx, actor.ID, c, actor.ID); err != nil {
		return nil, err
	}
	c, _, err = s.loadChannel(ctx, actor, id)
	return c, err
}

func (s *Service) addMember(ctx context.Context, actorID int64, c *Channel, userID int64) error {
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		added, err := s.st.addMember(tx, c.ID, userID)
		if err != nil || !added { // already a member: nothing happened
			return err
		}
		_, err = s.st.appendEvent(tx, newEvent{Type: EventMemberJoined, Scope: ScopeChannel, ChannelID: c.ID, ActorID: actorID,
			SubjectID: userID, Data: membership{c.ID, userID}})
		return err
	})
	if err != nil {
		return fmt.Errorf("add user %d to channel %d: %w", userID, c.ID, err)
	}
	return nil
}

// Leave removes the actor from a channel. Leaving a channel one is not in
// is not an error.
func (s *Service) Leave(ctx context.Context, actor *Actor, id int64) error {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return err
	}
	c, member, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return err
	}
	if c.IsConversation() {
		return Invalid("cannot_leave_conversation", "channel_id", "you cannot leave a direct message")
	}
	if !member {
		return nil
	}
	return s.removeMember(ctx, actor.ID, c, actor.ID)
}

func (s *Service) removeMember(ctx context.Context, actorID int64, c *Channel, userID int64) error {
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		removed, err := s.st.deleteMember(tx, c.ID, userID)
		if err != nil {
			return err
		}
		if !removed {
			return NotFound("member")
		}
		_, err = s.st.appendEvent(tx, newEvent{Type: EventMemberLeft, Scope: ScopeChannel, ChannelID: c.ID, ActorID: actorID,
			SubjectID: userID, Data: membership{c.ID, userID}})
		return err
	})
	if err != nil {
		return fmt.Errorf("remove user %d from channel %d: %w", userID, c.ID, err)
	}
	return nil
}

// Members lists the users in a channel the actor may read.
func (s *Service) Members(ctx context.Context, actor *Actor, id, after int64, limit int) ([]User, error) {
	if _, err := s.Channel(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.st.memberUsers(ctx, id, after, limit)
}

// AddMember adds a user to a channel; any member may add people.
func (s *Service) AddMember(ctx context.Context, actor *Actor, id, userID int64) error {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return err
	}
	c, err := s.writableChannel(ctx, actor, id)
	if err != nil {
		return err
	}
	if c.IsConversation() {
		return Invalid("cannot_add_to_conversation", "channel_id", "open a new direct message to add people")
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.Deactivated {
		return Invalid("user_deactivated", "user_id", "that user is deactivated")
	}
	return s.addMember(ctx, actor.ID, c, userID)
}

// RemoveMember removes a user from a channel: themselves, or anyone if the
// actor created the channel or is an admin.
func (s *Service) RemoveMember(ctx context.Context, actor *Actor, id, userID int64) error {
	if err := RequireScope(actor, ScopeChannelsManage); err != nil {
		return err
	}
	if userID == actor.ID {
		return s.Leave(ctx, actor, id)
	}
	c, member, err := s.loadChannel(ctx, actor, id)
	if err != nil {
		return err
	}
	if c.IsConversation() {
		return Invalid("cannot_remove_from_conversation", "channel_id", "people cannot be removed from a direct message")
	}
	if !member && !actor.IsAdmin {
		return Forbidden("not_in_channel", "join the channel first")
	}
	if c.CreatorID != actor.ID && !actor.IsAdmin {
		return Forbidden("not_allowed", "only the channel's creator or an admin can remove people")
	}
	return s.removeMember(ctx, actor.ID, c, userID)
}

// maxConversation is how many people a group DM holds, the caller included.
const maxConversation = 8

// OpenDM returns the DM or group DM among the actor and userIDs, creating it
// the first time; the same set of people always gets the same conversation.
// created reports whether it is new.
func (s *Service) OpenDM(ctx context.Context, actor *Actor, userIDs []int64) (c *Channel, created bool, err error) {
	if err := RequireScope(actor, ScopeIMWrite); err != nil {
		return nil, false, err
	}
	set := map[int64]bool{actor.ID: true}
	for _, id := range userIDs {
		set[id] = true
	}
	if len(set) > maxConversation {
		return nil, false, Invalid("too_many_users", "user_ids", "a group DM holds at most %d people", maxConversation)
	}
	ids := make([]int64, 0, len(set))
	for id := range set {
		if id != actor.ID {
			u, err := s.User(ctx, id)
			if err != nil {
				return nil, false, err
			}
			if u.Deactivated {
				return nil, false, Invalid("user_deactivated", "user_ids", "user %d is deactivated", id)
			}
		}
		ids = append(ids, id)
	}
	key := dmKey(ids)
	kind := ChannelDM
	if len(ids) > 2 {
		kind = ChannelGroupDM
	}
	var id int64
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		var err error
		id, err = s.st.conversationID(tx, key)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := nowMillis()
		if id, err = s.st.insertConversation(tx, kind, actor.ID, key, now); err != nil {
			return err
		}
		for _, uid := range ids {
			if err := s.st.insertMember(tx, id, uid); err != nil {
				return err
			}
		}
		created = true
		data := Channel{ID: id, Kind: kind, Private: true, CreatorID: actor.ID, CreatedAt: now, UpdatedAt: now,
			MemberCount: len(ids), UserIDs: ids}
		_, err = s.st.appendEvent(tx, newEvent{Type: EventChannelCreated, Scope: ScopeChannel, ChannelID: id, ActorID: actor.ID, Data: data})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("open conversation %s: %w", key, err)
	}
	c, _, err = s.loadChannel(ctx, actor, id)
	return c, created, err
}

// dmKey names a conversation by its members, so that opening it again
// finds it: their ids, sorted, joined with commas. It sorts ids.
func dmKey(ids []int64) string {
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}
