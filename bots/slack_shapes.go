package bots

import (
	"encoding/json"
	"strconv"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// slackMessage is a message in Slack's shape.
type slackMessage struct {
	Type         string          `json:"type"`
	Subtype      string          `json:"subtype,omitempty"`
	Hidden       bool            `json:"hidden,omitempty"`
	User         string          `json:"user,omitempty"`
	BotID        string          `json:"bot_id,omitempty"`
	Username     string          `json:"username,omitempty"`
	Icons        *slackIcons     `json:"icons,omitempty"`
	Text         string          `json:"text"`
	TS           string          `json:"ts"`
	ThreadTS     string          `json:"thread_ts,omitempty"`
	ParentUserID string          `json:"parent_user_id,omitempty"`
	ReplyCount   int             `json:"reply_count,omitempty"`
	Team         string          `json:"team"`
	Edited       *slackEdited    `json:"edited,omitempty"`
	Reactions    []slackReaction `json:"reactions,omitempty"`
	Attachments  json.RawMessage `json:"attachments,omitempty"`
	Blocks       json.RawMessage `json:"blocks,omitempty"`
	Files        []slackFile     `json:"files,omitempty"`
}

// slackIcons is a message's icon override. Slack sends emoji and image_48;
// slack-go reads icon_emoji and icon_url, so both spellings are given.
type slackIcons struct {
	Emoji     string `json:"emoji,omitempty"`
	URL       string `json:"image_48,omitempty"`
	IconEmoji string `json:"icon_emoji,omitempty"`
	IconURL   string `json:"icon_url,omitempty"`
}

type slackEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type slackReaction struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Users []string `json:"users"`
}

type slackFile struct {
	ID         string `json:"id"`
	Created    int64  `json:"created"`
	Timestamp  int64  `json:"timestamp"`
	Name       string `json:"name"`
	Title      string `json:"title"`
	Mimetype   string `json:"mimetype"`
	User       string `json:"user"`
	Size       int64  `json:"size"`
	URLPrivate string `json:"url_private"`
	Permalink  string `json:"permalink"`
}

// shapeMessage renders m in Slack's shape; threadTS is the ts of its
// thread's root when the caller knows it ("" looks it up for replies).
func (c *slackCall) shapeMessage(m *channels.Message, threadTS string) slackMessage {
	out := slackMessage{Type: "message", User: slackwire.UserID(m.UserID), Text: m.Text, TS: slackwire.MessageTS(m), Team: slackwire.TeamID,
		Attachments: m.Attachments, Blocks: m.Blocks}
	if m.Deleted {
		out.Subtype, out.Hidden, out.Text = "tombstone", true, "This message was deleted."
	}
	if author := c.user(m.UserID); author != nil && author.Kind == channels.KindBot {
		out.BotID, out.Username = slackwire.BotID(author.ID), author.Username
	}
	if m.Username != "" {
		out.Username = m.Username
	}
	if m.IconEmoji != "" || m.IconURL != "" {
		out.Icons = &slackIcons{URL: m.IconURL, IconURL: m.IconURL}
		if m.IconEmoji != "" {
			out.Icons.Emoji = ":" + m.IconEmoji + ":"
			out.Icons.IconEmoji = out.Icons.Emoji
		}
	}
	switch {
	case m.ThreadID != nil:
		if threadTS == "" {
			if root, err := c.api.svc.Message(c.ctx, c.finder(), *m.ThreadID); err == nil {
				threadTS = slackwire.MessageTS(root)
				out.ParentUserID = slackwire.UserID(root.UserID)
			}
		}
		out.ThreadTS = threadTS
	case m.ReplyCount > 0:
		out.ThreadTS, out.ReplyCount = out.TS, m.ReplyCount
	}
	if m.EditedAt != nil {
		out.Edited = &slackEdited{User: slackwire.UserID(m.UserID), TS: slackwire.MillisTS(*m.EditedAt)}
	}
	for _, r := range m.Reactions {
		users := make([]string, len(r.UserIDs))
		for i, id := range r.UserIDs {
			users[i] = slackwire.UserID(id)
		}
		out.Reactions = append(out.Reactions, slackReaction{Name: r.Emoji, Count: r.Count, Users: users})
	}
	for i := range m.Files {
		out.Files = append(out.Files, c.shapeFile(&m.Files[i], ""))
	}
	return out
}

func (c *slackCall) shapeFile(f *channels.File, title string) slackFile {
	if title == "" {
		title = f.Name
	}
	url := c.baseURL() + "/api/v1/files/" + strconv.FormatInt(f.ID, 10)
	return slackFile{ID: slackwire.FileID(f.ID), Created: f.CreatedAt / 1000, Timestamp: f.CreatedAt / 1000, Name: f.Name,
		Title: title, Mimetype: f.ContentType, User: slackwire.UserID(f.UploaderID), Size: f.Size, URLPrivate: url, Permalink: url}
}

// slackChannel is a conversation in Slack's shape.
type slackChannel struct {
	ID             string     `json:"id"`
	Name           string     `json:"name,omitempty"`
	NameNormalized string     `json:"name_normalized,omitempty"`
	IsChannel      bool       `json:"is_channel"`
	IsGroup        bool       `json:"is_group"`
	IsIM           bool       `json:"is_im"`
	IsMpIM         bool       `json:"is_mpim"`
	IsPrivate      bool       `json:"is_private"`
	IsArchived     bool       `json:"is_archived"`
	IsGeneral      bool       `json:"is_general"`
	IsMember       bool       `json:"is_member"`
	Created        int64      `json:"created"`
	Updated        int64      `json:"updated"`
	Creator        string     `json:"creator"`
	User           string     `json:"user,omitempty"`
	Topic          slackTopic `json:"topic"`
	Purpose        slackTopic `json:"purpose"`
	NumMembers     int        `json:"num_members"`
	UnreadCount    int        `json:"unread_count,omitempty"`
}

type slackTopic struct {
	Value   string `json:"value"`
	Creator string `json:"creator"`
	LastSet int64  `json:"last_set"`
}

func (c *slackCall) shapeChannel(ch *channels.Channel) slackChannel {
	out := slackChannel{ID: slackwire.ChannelID(ch), Name: ch.Name, NameNormalized: ch.Name, IsPrivate: ch.Private,
		IsArchived: ch.Archived, IsGeneral: ch.Name == "general", IsMember: ch.IsMember, Created: ch.CreatedAt / 1000,
		Updated: ch.UpdatedAt, Creator: slackwire.UserID(ch.CreatorID), NumMembers: ch.MemberCount, UnreadCount: ch.UnreadCount,
		Topic: slackTopic{Value: ch.Topic}, Purpose: slackTopic{Value: ch.Purpose}}
	switch ch.Kind {
	case channels.ChannelPublic, channels.ChannelPrivate:
		out.IsChannel = true
	case channels.ChannelDM:
		out.IsIM = true
		for _, id := range ch.UserIDs {
			if id != c.actor.ID || len(ch.UserIDs) == 1 {
				out.User = slackwire.UserID(id)
			}
		}
	case channels.ChannelGroupDM:
		out.IsMpIM, out.IsGroup = true, true
	}
	return out
}

// slackUser is a user in Slack's shape.
type slackUser struct {
	ID        string       `json:"id"`
	TeamID    string       `json:"team_id"`
	Name      string       `json:"name"`
	Deleted   bool         `json:"deleted"`
	RealName  string       `json:"real_name"`
	TZ        string       `json:"tz"`
	TZLabel   string       `json:"tz_label"`
	TZOffset  int          `json:"tz_offset"`
	IsAdmin   bool         `json:"is_admin"`
	IsOwner   bool         `json:"is_owner"`
	IsBot     bool         `json:"is_bot"`
	IsAppUser bool         `json:"is_app_user"`
	Updated   int64        `json:"updated"`
	Profile   slackProfile `json:"profile"`
}

type slackProfile struct {
	RealName    string `json:"real_name"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	StatusText  string `json:"status_text"`
	StatusEmoji string `json:"status_emoji"`
	BotID       string `json:"bot_id,omitempty"`
	Team        string `json:"team"`
}

// shapeUser renders u; the e-mail shows to the user, admins, and bots
// granted users:read.email.
func (c *slackCall) shapeUser(u *channels.User) slackUser {
	real := u.DisplayName
	if real == "" {
		real = u.Username
	}
	out := slackUser{ID: slackwire.UserID(u.ID), TeamID: slackwire.TeamID, Name: u.Username, Deleted: u.Deactivated, RealName: real,
		TZ: "UTC", TZLabel: "Coordinated Universal Time", IsAdmin: u.IsAdmin, IsBot: u.Kind == channels.KindBot,
		Updated: u.UpdatedAt / 1000,
		Profile: slackProfile{RealName: real, DisplayName: u.DisplayName, StatusText: u.StatusText,
			StatusEmoji: u.StatusEmoji, Team: slackwire.TeamID}}
	if out.IsBot {
		out.Profile.BotID = slackwire.BotID(u.ID)
	}
	if c.mayReadEmail(u.ID) {
		out.Profile.Email = u.Email
	}
	return out
}

func (c *slackCall) mayReadEmail(of int64) bool {
	if of == c.actor.ID {
		return true
	}
	if c.actor.Scopes != nil {
		return c.actor.Can(channels.ScopeUsersReadEmail)
	}
	return c.actor.IsAdmin
}
