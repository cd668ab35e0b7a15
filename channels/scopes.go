package channels

import (
	"slices"
	"strings"
)

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
	ScopeSearchRead         = "search:read" // search the channels the bot can read
	ScopeTeamRead           = "team:read"   // the workspace's name and domain
)

// AllScopes lists every scope, in documentation order.
var AllScopes = []string{
	ScopeChatWrite, ScopeChatWritePublic, ScopeChatWriteCustomize, ScopeChannelsRead, ScopeChannelsHistory,
	ScopeChannelsJoin, ScopeChannelsManage, ScopeGroupsRead, ScopeGroupsHistory, ScopeIMWrite, ScopeIMHistory,
	ScopeReactionsRead, ScopeReactionsWrite, ScopeUsersRead, ScopeUsersReadEmail, ScopeFilesWrite, ScopeFilesRead,
	ScopeCommands, ScopeSearchRead, ScopeTeamRead,
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

// RequireScope is nil when the actor may use scope, else MissingScope. Other
// packages (the Slack-compatible API) call it for what the core does not
// check itself, e.g. reactions:read.
func RequireScope(a *Actor, scope string) error {
	if a.Can(scope) {
		return nil
	}
	return MissingScope(scope)
}

// What a bot token needs, in one place. Operations on a given channel check
// the scope after the channel proved visible, so that a private channel the
// bot is not in stays a 404 whatever its scopes.
//
//	operation                                   scope
//	post (member)                               chat:write
//	post (public channel, not a member)         chat:write.public
//	username / icon_emoji / icon_url overrides  chat:write.customize
//	edit, delete own messages                   chat:write
//	read a channel, its members                 channels:read | groups:read | im:write (by kind)
//	read messages, threads, mark read           channels:history | groups:history | im:history (by kind)
//	list own channels                           filtered by the read scope of each kind
//	browse public channels                      channels:read
//	join                                        channels:join
//	create, rename, topic, archive, leave,
//	add or remove members                       channels:manage
//	open a DM                                   im:write
//	react                                       reactions:write
//	list and read users                         users:read (e-mail with users:read.email)
//	upload, read files                          files:write, files:read
//	event feed and WebSocket                    any history scope; events of a
//	                                            channel only with its kind's
//	                                            history scope (EventKinds)
//	reactions                                   come with the messages they are
//	                                            on (history scopes); reactions:read
//	                                            is for Slack's reactions.get
var channelScopes = map[string]struct{ read, history string }{
	ChannelPublic:  {ScopeChannelsRead, ScopeChannelsHistory},
	ChannelPrivate: {ScopeGroupsRead, ScopeGroupsHistory},
	ChannelDM:      {ScopeIMWrite, ScopeIMHistory},
	ChannelGroupDM: {ScopeIMWrite, ScopeIMHistory},
}

// ReadScope is the scope a bot needs to read a channel of this kind.
func ReadScope(kind string) string { return channelScopes[kind].read }

// HistoryScope is the scope a bot needs to read the messages of a channel of
// this kind.
func HistoryScope(kind string) string { return channelScopes[kind].history }

// EventKinds returns the channel kinds whose events (messages, reactions,
// membership...) the actor may read from the event feed and the WebSocket,
// as a list like ",public,dm,group_dm,"; "" means every kind (people). A bot
// token without any history scope gets MissingScope(channels:history).
func EventKinds(a *Actor) (string, error) {
	if a.Scopes == nil {
		return "", nil
	}
	kinds := ""
	for _, kind := range []string{ChannelPublic, ChannelPrivate, ChannelDM, ChannelGroupDM} {
		if a.Can(HistoryScope(kind)) {
			kinds += "," + kind
		}
	}
	if kinds == "" {
		return "", MissingScope(ScopeChannelsHistory)
	}
	return kinds + ",", nil
}

// KindAllowed reports whether an EventKinds list lets a reader see events
// of a channel of kind.
func KindAllowed(kinds, kind string) bool {
	if kinds == "" {
		return true
	}
	if kind == "" {
		return false
	}
	i := strings.Index(kinds, kind)
	return i > 0 && kinds[i-1] == ',' && i+len(kind) < len(kinds) && kinds[i+len(kind)] == ','
}
