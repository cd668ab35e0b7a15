package channels

import (
	"encoding/json"
	"time"
)

// User is a person or a bot. Times are Unix milliseconds.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	Kind        string `json:"kind"`
	IsAdmin     bool   `json:"is_admin"`
	StatusText  string `json:"status_text"`
	StatusEmoji string `json:"status_emoji"`
	Deactivated bool   `json:"deactivated"`
	DNDUntil    *int64 `json:"dnd_until"`
	CreatedAt   int64  `json:"created_at"`
	UpdatedAt   int64  `json:"updated_at"`
	// Presence is online, away, offline or dnd, filled in by the API.
	Presence string `json:"presence,omitempty"`
}

// DNDIndefinite is the dnd_until of a do-not-disturb without an end.
const DNDIndefinite = 1<<63 - 1

// DNDActive reports whether the user does not want to be disturbed at t.
func (u *User) DNDActive(t time.Time) bool {
	return u.DNDUntil != nil && *u.DNDUntil > t.UnixMilli()
}

// User kinds.
const (
	KindPerson = "person"
	KindBot    = "bot"
)

// Actor is an authenticated caller: the user and the token it came with.
type Actor struct {
	User
	TokenID   int64
	TokenKind string
	// TokenExpiresAt is when the token stops working (Unix ms; 0 never):
	// a WebSocket opened with it is closed then.
	TokenExpiresAt int64
	// Scopes limit a bot token; nil for people, who are not limited.
	Scopes []string
}

// Token is a session, personal access token or bot token, without its secret.
type Token struct {
	ID         int64  `json:"id"`
	UserID     int64  `json:"user_id"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Hint       string `json:"hint"`
	CreatedAt  int64  `json:"created_at"`
	ExpiresAt  *int64 `json:"expires_at"`
	LastUsedAt *int64 `json:"last_used_at"`
	// Scopes are a bot token's scopes; absent for people's tokens.
	Scopes []string `json:"scopes,omitempty"`
}

// Token kinds; each secret starts with its prefix.
const (
	TokenSession  = "session"
	TokenPersonal = "personal"
	TokenBot      = "bot"
	// TokenSystem is no stored token: the server itself acting as the
	// system bot (see SystemBot).
	TokenSystem = "system"
)

// Channel kinds.
const (
	ChannelPublic  = "public"
	ChannelPrivate = "private"
	ChannelDM      = "dm"
	ChannelGroupDM = "group_dm"
)

// Channel is a public or private channel, a DM or a group DM.
type Channel struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Private     bool    `json:"private"`
	Topic       string  `json:"topic"`
	Purpose     string  `json:"purpose"`
	CreatorID   int64   `json:"creator_id"`
	Archived    bool    `json:"archived"`
	ArchivedAt  *int64  `json:"archived_at"`
	CreatedAt   int64   `json:"created_at"`
	UpdatedAt   int64   `json:"updated_at"`
	MemberCount int     `json:"member_count"`
	IsMember    bool    `json:"is_member"`
	UserIDs     []int64 `json:"user_ids,omitempty"`

	// Read state of the caller; set in the caller's channel list and by
	// ChannelWithReadState, 0 elsewhere.
	LastReadID   int64 `json:"last_read_id"`
	UnreadCount  int   `json:"unread_count"`
	MentionCount int   `json:"mention_count"`
}

// IsConversation reports whether c is a DM or group DM.
func (c *Channel) IsConversation() bool { return c.Kind == ChannelDM || c.Kind == ChannelGroupDM }

// Markups a message's text may be written in.
const (
	MarkupMarkdown = "markdown"
	MarkupMrkdwn   = "mrkdwn"
)

// Message is a top-level message or a thread reply.
type Message struct {
	ID          int64           `json:"id"`
	ChannelID   int64           `json:"channel_id"`
	UserID      int64           `json:"user_id"`
	ThreadID    *int64          `json:"thread_id"`
	Text        string          `json:"text"`
	Markup      string          `json:"markup"`
	Attachments json.RawMessage `json:"attachments,omitempty"`
	Blocks      json.RawMessage `json:"blocks,omitempty"`
	Props       json.RawMessage `json:"props,omitempty"`
	Mentions    Mentions        `json:"mentions"`
	ReplyCount  int             `json:"reply_count"`
	LastReplyAt *int64          `json:"last_reply_at"`
	Reactions   []Reaction      `json:"reactions"`
	Files       []File          `json:"files"`
	CreatedAt   int64           `json:"created_at"`
	EditedAt    *int64          `json:"edited_at"`
	Deleted     bool            `json:"deleted"`
	// Key is a bot's own key for the message (see NewMessage.Key).
	Key string `json:"key,omitempty"`
	// Username, IconEmoji and IconURL override how the author is shown
	// (bots with chat:write.customize).
	Username  string `json:"username,omitempty"`
	IconEmoji string `json:"icon_emoji,omitempty"`
	IconURL   string `json:"icon_url,omitempty"`

	// iconDefault is set when IconEmoji and IconURL are the author's own
	// icon (a bot's), filled in for display and not stored on the message.
	iconDefault bool
}

// Mentions are the mentions recognised in a message's text.
type Mentions struct {
	UserIDs []int64 `json:"user_ids"`
	Channel bool    `json:"channel"`
	Here    bool    `json:"here"`
}

// Reaction is one emoji on a message and who put it there.
type Reaction struct {
	Emoji   string  `json:"emoji"`
	Count   int     `json:"count"`
	UserIDs []int64 `json:"user_ids"`
}

// File is an uploaded file's metadata.
type File struct {
	ID          int64  `json:"id"`
	UploaderID  int64  `json:"uploader_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Width       *int   `json:"width,omitempty"`
	Height      *int   `json:"height,omitempty"`
	CreatedAt   int64  `json:"created_at"`
}

// Event is one row of the event log.
type Event struct {
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	ChannelID *int64          `json:"channel_id"`
	ActorID   *int64          `json:"actor_id"`
	Data      json.RawMessage `json:"data"`
	CreatedAt int64           `json:"created_at"`

	// Who may see the event: scope plus the user it is about.
	Scope     string `json:"-"`
	SubjectID *int64 `json:"-"`
	// MessageID is the message a message or reaction event is about.
	MessageID int64 `json:"-"`
}

// Invite is a one-time sign-up code made by an admin.
type Invite struct {
	ID        int64  `json:"id"`
	Code      string `json:"code,omitempty"`
	CreatedBy int64  `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt int64  `json:"expires_at"`
}

func nowMillis() int64 { return time.Now().UnixMilli() }

func ptr[T any](v T) *T { return &v }
