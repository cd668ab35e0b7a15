package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Memberships: joining, leaving, adding and removing members, and DMs and
// group DMs, whose members are fixed when they are opened.

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
