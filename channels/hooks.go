package channels

// Hooks are the calls the core makes into other parts of the app: the
// realtime hub (closing a revoked token's connections, a user's presence)
// and the bots package (a person's bots). cmd/parley wires
// them in one place (Service.SetHooks) before serving; a nil hook does
// nothing.
type Hooks struct {
	// Revoked closes the connections of a revoked token (tokenID != 0) or
	// of a user.
	Revoked func(userID, tokenID int64)
	// PresenceOf is a user's presence, shown on user objects.
	PresenceOf func(u *User) string
	// OwnedBots lists the bots a person owns, disabled with their owner
	// unless Options.KeepBotsOfDeactivated.
	OwnedBots OwnedBotsFunc
}

// SetHooks installs h in place of the hooks before. Call it before the
// service serves requests.
func (s *Service) SetHooks(h Hooks) { s.hooks = h }
