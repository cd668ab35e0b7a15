package bots

import (
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// reactionTarget resolves channel + timestamp and the name of a reaction
// being added or removed.
func (c *slackCall) reactionTarget(add bool) (*channels.Message, string, error) {
	if c.args.str("channel") == "" || c.args.str("timestamp") == "" {
		return nil, "", slackFail("no_item_specified")
	}
	if _, ok := slackwire.ParseTS(c.args.str("timestamp")); !ok {
		return nil, "", slackFail("bad_timestamp")
	}
	_, m, err := c.message("channel", "timestamp")
	if err != nil {
		return nil, "", err
	}
	name, err := channels.ReactionName(c.args.str("name"), add)
	if err != nil {
		return nil, "", slackFail("invalid_name")
	}
	return m, name, nil
}

// reacted reports whether the caller has put name on m.
func (c *slackCall) reacted(m *channels.Message, name string) bool {
	for _, r := range m.Reactions {
		if r.Emoji == name {
			return slices.Contains(r.UserIDs, c.actor.ID)
		}
	}
	return false
}

func reactionsAdd(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeReactionsWrite); err != nil {
		return nil, err
	}
	m, name, err := c.reactionTarget(true)
	if err != nil {
		return nil, err
	}
	if c.reacted(m, name) {
		return nil, slackFail("already_reacted")
	}
	return gin.H{}, c.api.svc.React(c.ctx, c.actor, m.ID, name, true)
}

func reactionsRemove(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeReactionsWrite); err != nil {
		return nil, err
	}
	m, name, err := c.reactionTarget(false)
	if err != nil {
		return nil, err
	}
	if !c.reacted(m, name) {
		return nil, slackFail("no_reaction")
	}
	return gin.H{}, c.api.svc.React(c.ctx, c.actor, m.ID, name, false)
}

func reactionsGet(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeReactionsRead); err != nil {
		return nil, err
	}
	if c.args.str("channel") == "" || c.args.str("timestamp") == "" {
		return nil, slackFail("no_item_specified")
	}
	if _, ok := slackwire.ParseTS(c.args.str("timestamp")); !ok {
		return nil, slackFail("bad_timestamp")
	}
	ch, m, err := c.message("channel", "timestamp")
	if err != nil {
		return nil, err
	}
	return gin.H{"type": "message", "channel": slackwire.ChannelID(ch), "message": c.shapeMessage(m, "")}, nil
}
