package bots

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// finder is the caller without scope limits, for resolving the channel,
// message or member a call names: visibility stays the caller's (a private
// channel it is not in is still channel_not_found), and each method checks
// its own scope, as Slack does (chat.postMessage needs chat:write only, not
// channels:read).
func (c *slackCall) finder() *channels.Actor {
	a := *c.actor
	a.Scopes = nil
	return &a
}

// channel resolves a channel argument given as an ID (C…, D…, G…), #name
// or name. Channels the caller cannot see are channel_not_found.
func (c *slackCall) channel(arg string) (*channels.Channel, error) {
	v := strings.TrimSpace(c.args.str(arg))
	if v == "" {
		return nil, slackFail("channel_not_found")
	}
	if id, ok := slackwire.ParseID(v, "CDG"); ok {
		return c.api.svc.Channel(c.ctx, c.finder(), id)
	}
	return c.api.svc.ChannelByName(c.ctx, c.finder(), strings.TrimPrefix(v, "#"))
}

// postChannel is channel for posting, where a user ID (U…) means the DM
// with that user, as in Slack.
func (c *slackCall) postChannel(arg string) (*channels.Channel, error) {
	if uid, ok := slackwire.ParseID(strings.TrimSpace(c.args.str(arg)), "UW"); ok {
		ch, _, err := c.api.svc.OpenDM(c.ctx, c.actor, []int64{uid})
		if err != nil {
			return nil, renamed(err, "user_not_found", "channel_not_found")
		}
		return ch, nil
	}
	return c.channel(arg)
}

// message resolves a channel argument and a ts argument to a message of
// that channel.
func (c *slackCall) message(chArg, tsArg string) (*channels.Channel, *channels.Message, error) {
	ch, err := c.channel(chArg)
	if err != nil {
		return nil, nil, err
	}
	ref, ok := slackwire.ParseTS(c.args.str(tsArg))
	if !ok {
		return nil, nil, slackFail("message_not_found")
	}
	m, err := c.messageAt(ch.ID, ref, c.finder())
	if err != nil {
		return nil, nil, err
	}
	return ch, m, nil
}

// messageAt loads the message of a channel a ts names, as reader may see
// it; one the ts does not name (another channel, another second) is not
// found. While ids are under a million the fraction is the id itself, one
// lookup; past that the core finds the id by second and residue.
func (c *slackCall) messageAt(channelID int64, ref slackwire.TSRef, reader *channels.Actor) (*channels.Message, error) {
	m, err := c.api.svc.Message(c.ctx, reader, ref.ID)
	if err == nil && m.ChannelID == channelID && ref.Names(m) {
		return m, nil
	}
	if err != nil && !errors.Is(err, channels.ErrNotFound) {
		return nil, err
	}
	if ref.Exact {
		return nil, slackFail("message_not_found")
	}
	id, err := c.api.svc.MessageIDAt(c.ctx, channelID, ref.Second, ref.ID, ref.Modulus())
	if err != nil {
		return nil, err
	}
	if id == 0 || id == ref.ID {
		return nil, slackFail("message_not_found")
	}
	return c.api.svc.Message(c.ctx, reader, id)
}

// body reads the attachments and blocks arguments.
func (c *slackCall) body() (attachments, blocks json.RawMessage, hasAtt, hasBlocks bool, err error) {
	if attachments, hasAtt, err = c.args.rawJSON("attachments"); err != nil {
		return
	}
	blocks, hasBlocks, err = c.args.rawJSON("blocks")
	return
}

// threadID reads thread_ts: the id of the message of the channel to reply
// under, or 0. Whether the poster may reply there is PostMessage's to say.
func (c *slackCall) threadID(channelID int64) (int64, error) {
	ts := c.args.str("thread_ts")
	if ts == "" {
		return 0, nil
	}
	ref, ok := slackwire.ParseTS(ts)
	if !ok {
		return 0, slackFail("thread_not_found")
	}
	id, err := c.api.svc.MessageIDAt(c.ctx, channelID, ref.Second, ref.ID, ref.Modulus())
	if err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, slackFail("thread_not_found")
	}
	return id, nil
}

func chatPostMessage(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChatWrite); err != nil {
		return nil, err
	}
	chID, chSID, err := c.postTarget("channel")
	if err != nil {
		return nil, err
	}
	atts, blocks, _, _, err := c.body()
	if err != nil {
		return nil, err
	}
	in := channels.NewMessage{Text: c.args.str("text"), Markup: channels.MarkupMrkdwn, Attachments: atts, Blocks: blocks}
	if in.ThreadID, err = c.threadID(chID); err != nil {
		return nil, err
	}
	c.overrides(&in)
	m, _, err := c.api.svc.PostMessage(c.ctx, c.actor, chID, in)
	if err != nil {
		return nil, err
	}
	return gin.H{"channel": chSID, "ts": slackwire.MessageTS(m), "message": c.shapeMessage(m, "")}, nil
}

// postTarget resolves chat.postMessage's channel to its id and Slack ID.
// A channel given by ID whose kind is known (kinds never change) is not
// loaded again: PostMessage checks that the caller may post there, with the
// same errors, so the hot path of a bot posting to one channel costs no
// channel lookup.
func (c *slackCall) postTarget(arg string) (int64, string, error) {
	if id, ok := slackwire.ParseID(strings.TrimSpace(c.args.str(arg)), "CDG"); ok {
		if kind, ok := c.api.kinds.Load(id); ok {
			return id, slackwire.ChannelID(&channels.Channel{ID: id, Kind: kind.(string)}), nil
		}
	}
	ch, err := c.postChannel(arg)
	if err != nil {
		return 0, "", err
	}
	c.api.kinds.Store(ch.ID, ch.Kind)
	return ch.ID, slackwire.ChannelID(ch), nil
}

// overrides reads username and icon_emoji/icon_url into the message's
// author overrides: honoured for bots with chat:write.customize (the core
// checks them), and ignored for everyone else, as Slack does.
func (c *slackCall) overrides(in *channels.NewMessage) {
	if c.actor.Kind != channels.KindBot || !c.actor.Can(channels.ScopeChatWriteCustomize) {
		return
	}
	in.Username, in.IconEmoji, in.IconURL = c.args.str("username"), c.args.str("icon_emoji"), c.args.str("icon_url")
}

func chatUpdate(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChatWrite); err != nil {
		return nil, err
	}
	ch, m, err := c.message("channel", "ts")
	if err != nil {
		return nil, err
	}
	if m.UserID != c.actor.ID {
		return nil, slackFail("cant_update_message")
	}
	atts, blocks, hasAtt, hasBlocks, err := c.body()
	if err != nil {
		return nil, err
	}
	var edit channels.MessageEdit
	if c.args.has("text") {
		text := c.args.str("text")
		edit.Text = &text
	}
	// An empty array (or empty argument) clears; an absent one keeps.
	if hasAtt {
		edit.Attachments = orEmpty(atts)
	}
	if hasBlocks {
		edit.Blocks = orEmpty(blocks)
	}
	updated, err := c.api.svc.EditMessage(c.ctx, c.actor, m.ID, edit)
	if err != nil {
		return nil, renamed(err, "not_author", "cant_update_message")
	}
	shaped := c.shapeMessage(updated, "")
	return gin.H{"channel": slackwire.ChannelID(ch), "ts": shaped.TS, "text": updated.Text, "message": shaped}, nil
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("[]")
	}
	return raw
}

func chatDelete(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChatWrite); err != nil {
		return nil, err
	}
	ch, m, err := c.message("channel", "ts")
	if err != nil {
		return nil, err
	}
	if err := c.api.svc.DeleteMessage(c.ctx, c.actor, m.ID); err != nil {
		return nil, renamed(err, "not_author", "cant_delete_message")
	}
	return gin.H{"channel": slackwire.ChannelID(ch), "ts": slackwire.MessageTS(m)}, nil
}

func chatPostEphemeral(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeChatWrite); err != nil {
		return nil, err
	}
	ch, err := c.channel("channel")
	if err != nil {
		return nil, err
	}
	if !ch.IsMember {
		return nil, slackFail("not_in_channel")
	}
	if ch.Archived {
		return nil, slackFail("is_archived")
	}
	uid, ok := slackwire.ParseID(c.args.str("user"), "UW")
	if !ok {
		return nil, slackFail("user_not_found")
	}
	if in, err := c.isMember(ch, uid); err != nil {
		return nil, err
	} else if !in {
		return nil, slackFail("user_not_in_channel")
	}
	atts, blocks, _, _, err := c.body()
	if err != nil {
		return nil, err
	}
	text := c.args.str("text")
	if utf8.RuneCountInString(text) > channels.MaxTextRunes {
		return nil, slackFail("msg_too_long")
	}
	if strings.TrimSpace(text) == "" && len(atts) == 0 && len(blocks) == 0 {
		return nil, slackFail("no_text")
	}
	tid, err := c.threadID(ch.ID)
	if err != nil {
		return nil, err
	}
	e := Ephemeral{Text: text, Attachments: atts, Blocks: blocks}
	e.stamp(ch.ID, c.actor.ID, tid)
	if err := c.api.hub.SendEphemeral(uid, ch.ID, e); err != nil {
		return nil, err
	}
	return gin.H{"message_ts": e.TS}, nil
}

// isMember reports whether a user is in a channel the caller can see.
func (c *slackCall) isMember(ch *channels.Channel, uid int64) (bool, error) {
	members, err := c.api.svc.Members(c.ctx, c.finder(), ch.ID, uid-1, 1)
	if err != nil {
		return false, err
	}
	return len(members) == 1 && members[0].ID == uid, nil
}

func chatGetPermalink(c *slackCall) (gin.H, error) {
	ch, m, err := c.message("channel", "message_ts")
	if err != nil {
		return nil, err
	}
	ts := slackwire.MessageTS(m)
	link := c.baseURL() + "/archives/" + slackwire.ChannelID(ch) + "/p" + strings.Replace(ts, ".", "", 1)
	return gin.H{"channel": slackwire.ChannelID(ch), "permalink": link}, nil
}
