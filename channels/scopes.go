package channels

import "slices"

// Scopes a bot token may carry (Slack's names). People's tokens are not
// limited by scopes.
const (
	ScopeChatWrite          = "chat:write"           // post, edit, delete own messages where a member
	ScopeChatWritePublic    = "chat:write.public"    // post in any public channel without joining
	ScopeChatWriteCustomize = "chat:write.customize" // per-message username and icon
	ScopeChannelsRead       = "channels:read"
	ScopeChannelsHistory    = "channels:history"
	ScopeChannelsJoin       = "channels:join"
	ScopeChannelsManage     = "channels:manage"
	ScopeGroupsRead         = "groups:read"    // private channels the bot is in
	ScopeGroupsHistory      = "groups:history" // private channels the bot is in
	ScopeIMWrite            = "im:write"
	ScopeIMHistory          = "im:history"
	ScopeReactionsRead      = "reactions:read"
	ScopeReactionsWrite     = "reactions:write"
	ScopeUsersRead          = "users:read"
	ScopeUsersReadEmail     = "users:read.email"
	ScopeFilesWrite         = "files:write"
	ScopeFilesRead          = "files:read"
	ScopeCommands           = "commands"
)

// AllScopes lists every scope, in documentation order.
var AllScopes = []string{
	ScopeChatWrite, ScopeChatWritePublic, ScopeChatWriteCustomize, ScopeChannelsRead, ScopeChannelsHistory,
	ScopeChannelsJoin, ScopeChannelsManage, ScopeGroupsRead, ScopeGroupsHistory, ScopeIMWrite, ScopeIMHistory,
	ScopeReactionsRead, ScopeReactionsWrite, ScopeUsersRead, ScopeUsersReadEmail, ScopeFilesWrite, ScopeFilesRead,
	ScopeCommands,
}

// ValidScope reports whether s names a scope.
func ValidScope(s string) bool { return slices.Contains(AllScopes, s) }

// Can reports whether the actor may use scope: people always may; a bot
// token only with the scope granted.
func (a *Actor) Can(scope string) bool {
	if a.Scopes == nil {
		return true
	}
	return slices.Contains(a.Scopes, scope)
}

// MissingScope is the error of a call outside the caller's scopes; it names
// the scope needed (403 missing_scope).
func MissingScope(scope string) error {
	return &Error{Kind: ErrForbidden, Code: "missing_scope", Message: "this token lacks the " + scope + " scope", Field: scope}
}
