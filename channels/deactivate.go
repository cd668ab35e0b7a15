package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// OwnedBotsFunc lists, in the caller's transaction, the bots a person owns
// (the bots package keeps who owns which).
type OwnedBotsFunc func(tx *sqlite.Tx, ownerID int64) ([]int64, error)

// SetActive deactivates or reactivates a user (admins only). Deactivation
// revokes every session and token of the user in the same transaction, and
// disables the bots the user owns: their tokens are refused and their
// connections closed until the owner is reactivated, which restores them
// (a bot deactivated by itself stays so).
func (s *Service) SetActive(ctx context.Context, actor *Actor, userID int64, active bool) (*User, error) {
	if !actor.IsAdmin {
		return nil, Forbidden("admin_only", "only an admin can do that")
	}
	if userID == actor.ID && !active {
		return nil, Invalid("cannot_deactivate_self", "user_id", "you cannot deactivate yourself")
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	var bots []int64
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		bots = bots[:0]
		now := nowMillis()
		if !active {
			if err := s.st.deleteUserTokens(tx, userID); err != nil {
				return err
			}
		}
		if err := s.st.setUserActive(tx, userID, active, now); err != nil {
			return err
		}
		u.Deactivated, u.UpdatedAt = !active, now
		if err := appendUserUpdated(tx, actor.ID, u); err != nil {
			return err
		}
		if s.hooks.OwnedBots == nil || s.opts.KeepBotsOfDeactivated || u.Kind != KindPerson {
			return nil
		}
		owned, err := s.hooks.OwnedBots(tx, userID)
		if err != nil {
			return fmt.Errorf("list bots of user %d: %w", userID, err)
		}
		for _, id := range owned {
			changed, err := s.setBotWithOwner(tx, actor.ID, id, active, now)
			if err != nil {
				return err
			}
			if changed {
				bots = append(bots, id)
			}
		}
		return nil
	})
	s.revoked(userID, 0)
	for _, id := range bots {
		s.revoked(id, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("set user %d active=%v: %w", userID, active, err)
	}
	return u, nil
}

// setBotWithOwner disables an active bot with its owner, or restores one
// that was disabled that way, and reports whether it changed.
func (s *Service) setBotWithOwner(tx *sqlite.Tx, actorID, botID int64, active bool, now int64) (bool, error) {
	changed, err := s.st.setBotWithOwner(tx, botID, active, now)
	if err != nil {
		return false, fmt.Errorf("set bot %d active=%v: %w", botID, active, err)
	}
	if !changed {
		return false, nil
	}
	bot, err := s.st.userByIDTx(tx, botID)
	if err != nil {
		return false, fmt.Errorf("load bot %d: %w", botID, err)
	}
	return true, appendUserUpdated(tx, actorID, bot)
}
