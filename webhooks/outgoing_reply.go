package webhooks

import (
	"cmp"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/channels"
)

// slackReply is what a format=slack receiver may answer with (Slack's and
// Mattermost's outgoing webhook response).
type slackReply struct {
	Text         string          `json:"text"`
	ResponseType string          `json:"response_type"`
	Username     string          `json:"username"`
	IconEmoji    string          `json:"icon_emoji"`
	IconURL      string          `json:"icon_url"`
	Attachments  json.RawMessage `json:"attachments"`
}

// postReply posts a receiver's JSON answer into the channel of the message
// that triggered it: as the subscription's bot or, without one, as its
// creator under the reply's or the subscription's name; marked from_webhook
// so it triggers no subscription without include_bot_messages;
// response_type "comment" replies in the thread.
func (o *Outgoing) postReply(ctx context.Context, s *Subscription, d *Delivery, body []byte) {
	var r slackReply
	if json.Unmarshal(body, &r) != nil || strings.TrimSpace(r.Text) == "" && len(r.Attachments) == 0 {
		return
	}
	channelID, postID := triggerOf(d)
	if channelID == 0 {
		return
	}
	authorID := s.CreatorID
	if s.BotID != nil {
		authorID = *s.BotID
	}
	u, err := o.svc.User(ctx, authorID)
	if err != nil || u.Deactivated {
		return
	}
	actor := &channels.Actor{User: *u}
	in := channels.NewMessage{Text: r.Text, Markup: channels.MarkupMrkdwn, Attachments: r.Attachments}
	if u.Kind == channels.KindBot {
		// The bot speaks for the subscription: it may post in public
		// channels it has not joined and use the reply's name and icon.
		actor.TokenKind = channels.TokenBot
		actor.Scopes = []string{channels.ScopeChatWrite, channels.ScopeChatWritePublic, channels.ScopeChatWriteCustomize}
		in.Username, in.IconEmoji, in.IconURL = r.Username, r.IconEmoji, r.IconURL
	} else {
		// Shown as "<webhook> via <creator>", as incoming webhooks' posts are,
		// not as if the creator had typed it.
		in.Username = cmp.Or(r.Username, s.Name)
		in.IconEmoji, in.IconURL = r.IconEmoji, r.IconURL
	}
	in.ServerProps = map[string]any{"from_webhook": "true", "webhook_display_name": s.Name}
	if r.ResponseType == "comment" {
		in.ThreadID = postID
	}
	if _, _, err := o.svc.PostMessage(ctx, actor, channelID, in); err != nil {
		o.log.Warn("outgoing webhooks: post reply", "webhook_id", s.ID, "delivery_id", d.ID, "err", err)
	}
}

// triggerOf reads the channel and message ids back from a slack-format body.
func triggerOf(d *Delivery) (channelID, postID int64) {
	var ch, post string
	if d.contentType == "application/json" {
		var p struct {
			ChannelID string `json:"channel_id"`
			PostID    string `json:"post_id"`
		}
		if json.Unmarshal(d.body, &p) != nil {
			return 0, 0
		}
		ch, post = p.ChannelID, p.PostID
	} else {
		v, err := url.ParseQuery(string(d.body))
		if err != nil {
			return 0, 0
		}
		ch, post = v.Get("channel_id"), v.Get("post_id")
	}
	if len(ch) < 2 {
		return 0, 0
	}
	channelID, _ = strconv.ParseInt(ch[1:], 10, 64)
	postID, _ = strconv.ParseInt(post, 10, 64)
	return channelID, postID
}
