package bots

import (
	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// team.info: the one workspace.
func teamInfo(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeTeamRead); err != nil {
		return nil, err
	}
	if t := c.args.str("team"); t != "" && t != slackwire.TeamID {
		return nil, slackFail("team_not_found")
	}
	return gin.H{"team": gin.H{"id": slackwire.TeamID, "name": slackwire.TeamName, "domain": slackwire.TeamDomain,
		"email_domain": "", "icon": gin.H{"image_default": true}}}, nil
}

// bots.info: a bot by its B id, as Slack shows it (its icon as images
// when it is a URL).
func botsInfo(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeUsersRead); err != nil {
		return nil, err
	}
	id, ok := slackwire.ParseID(c.args.str("bot"), "B")
	if !ok {
		return nil, slackFail("bot_not_found")
	}
	accounts, err := c.api.svc.BotAccounts(c.ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	b := accounts[id]
	if b == nil {
		return nil, slackFail("bot_not_found")
	}
	icons := gin.H{}
	if b.IconURL != "" {
		icons = gin.H{"image_36": b.IconURL, "image_48": b.IconURL, "image_72": b.IconURL}
	}
	if b.IconEmoji != "" {
		icons["emoji"] = ":" + b.IconEmoji + ":"
	}
	name := b.DisplayName
	if name == "" {
		name = b.Username
	}
	appID, err := appIDOf(c.ctx, c.api.svc.DB(), b.ID)
	if err != nil {
		return nil, err
	}
	return gin.H{"bot": gin.H{"id": slackwire.BotID(b.ID), "deleted": b.Deactivated, "name": name,
		"updated": b.UpdatedAt / 1000, "app_id": appID, "user_id": slackwire.UserID(b.ID), "icons": icons}}, nil
}

// users.conversations: the conversations the caller is a member of, of the
// types asked for (public channels by default), by id.
func usersConversations(c *slackCall) (gin.H, error) {
	if u := c.args.str("user"); u != "" {
		if id, ok := slackwire.ParseID(u, "UW"); !ok || id != c.actor.ID {
			// Another person's memberships are theirs to list.
			return nil, slackFail("user_not_found")
		}
	}
	q, err := c.conversationQuery()
	if err != nil {
		return nil, err
	}
	mine, err := c.myConversations(q)
	if err != nil {
		return nil, err
	}
	return c.channelPage(mine, q.limit), nil
}
