package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/slack-go/slack"
)

// TestSlackAPI_TeamBotsConversations drives team.info, bots.info and
// users.conversations with slack-go, and a post where a bot with
// chat:write alone is not a member (not_in_channel, as Slack answers).
func TestSlackAPI_TeamBotsConversations(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("admin")
	bot, _ := admin.createBot("helper", "chat:write", "team:read", "users:read", "channels:read", "groups:read")
	api := ts.slackAPI(bot.Token)
	joined := admin.createChannel("joined", false)
	secret := admin.createChannel("secret", true)
	elsewhere := admin.createChannel("elsewhere", false)
	for _, ch := range []int64{joined.ID, secret.ID} {
		admin.mustJSON(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/channels/%d/members", ch), map[string]any{"user_id": bot.User.ID}, nil)
	}

	team, err := api.GetTeamInfo()
	must(t, err)
	if team.ID != "T1" || team.Name != "Parley" || team.Domain != "parley" {
		t.Errorf("team.info = %+v", team)
	}
	info, err := api.GetBotInfo(slack.GetBotInfoParameters{Bot: sid("B", bot.User.ID)})
	must(t, err)
	if info.ID != sid("B", bot.User.ID) || info.UserID != sid("U", bot.User.ID) || info.Name != "helper" || info.Deleted {
		t.Errorf("bots.info = %+v", info)
	}
	convs, next, err := api.GetConversationsForUser(&slack.GetConversationsForUserParameters{Types: []string{"public_channel", "private_channel"}})
	must(t, err)
	if next != "" || len(convs) != 2 || convs[0].ID != sid("C", joined.ID) || convs[1].ID != sid("C", secret.ID) || !convs[1].IsPrivate {
		t.Errorf("users.conversations = %+v, next %q", convs, next)
	}
	_, _, err = api.PostMessage(sid("C", elsewhere.ID), slack.MsgOptionText("hi", false))
	slackErr(t, err, "not_in_channel")
}
