package bots

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

func usersList(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeUsersRead); err != nil {
		return nil, err
	}
	limit, err := c.pageLimit(200, 1000)
	if err != nil {
		return nil, err
	}
	after, err := decodeCursor("users", c.args.str("cursor"))
	if err != nil {
		return nil, err
	}
	users, err := c.api.svc.Users(c.ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	next := ""
	if len(users) > limit {
		users = users[:limit]
		next = encodeCursor("users", users[limit-1].ID)
	}
	out := make([]slackUser, len(users))
	for i := range users {
		out[i] = c.shapeUser(&users[i])
	}
	return gin.H{"members": out, "cache_ts": time.Now().Unix(), "response_metadata": metadata(next)}, nil
}

func usersInfo(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeUsersRead); err != nil {
		return nil, err
	}
	id, ok := slackwire.ParseID(c.args.str("user"), "UWB")
	if !ok {
		return nil, slackFail("user_not_found")
	}
	u, err := c.api.svc.User(c.ctx, id)
	if err != nil {
		return nil, err
	}
	return gin.H{"user": c.shapeUser(u)}, nil
}

// usersLookupByEmail finds a user by e-mail address. Only those who may
// read e-mail addresses (admins, bots with users:read.email) find others.
func usersLookupByEmail(c *slackCall) (gin.H, error) {
	if err := c.need(channels.ScopeUsersReadEmail); err != nil {
		return nil, err
	}
	email := strings.TrimSpace(c.args.str("email"))
	if email == "" {
		return nil, slackFail("invalid_email")
	}
	const page = 500
	for after := int64(0); ; {
		users, err := c.api.svc.Users(c.ctx, after, page)
		if err != nil {
			return nil, err
		}
		for i := range users {
			u := &users[i]
			if u.Email != "" && strings.EqualFold(u.Email, email) && c.mayReadEmail(u.ID) {
				return gin.H{"user": c.shapeUser(u)}, nil
			}
		}
		if len(users) < page {
			return nil, slackFail("users_not_found")
		}
		after = users[len(users)-1].ID
	}
}
