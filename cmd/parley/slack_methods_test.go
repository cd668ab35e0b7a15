package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/parley-chat/parley/bots"
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

// TestSlackAPI_AppBotIdentity: an app's bot token says which app it is in
// auth.test and bots.info, as Slack's does; a plain bot's says none.
func TestSlackAPI_AppBotIdentity(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("admin")
	var created struct {
		App      bots.App `json:"app"`
		BotToken string   `json:"bot_token"`
	}
	admin.mustJSON(http.StatusCreated, "POST", "/api/v1/apps",
		map[string]any{"name": "Bolt", "username": "bolt", "scopes": []string{"users:read"}}, &created)
	auth, err := ts.slackAPI(created.BotToken).AuthTest()
	must(t, err)
	if auth.BotID != sid("B", created.App.Bot.ID) || auth.UserID != sid("U", created.App.Bot.ID) {
		t.Errorf("auth.test = %+v", auth)
	}
	raw := slackRaw(t, mustRequest(t, ts.URL+"/api/slack/auth.test", created.BotToken))
	if raw["app_id"] != created.App.SlackID {
		t.Errorf("auth.test app_id = %v, want %s", raw["app_id"], created.App.SlackID)
	}
	info, err := ts.slackAPI(created.BotToken).GetBotInfo(slack.GetBotInfoParameters{Bot: sid("B", created.App.Bot.ID)})
	must(t, err)
	if info.AppID != created.App.SlackID {
		t.Errorf("bots.info app_id = %q, want %s", info.AppID, created.App.SlackID)
	}
	plain, _ := admin.createBot("plain", "users:read")
	if raw := slackRaw(t, mustRequest(t, ts.URL+"/api/slack/auth.test", plain.Token)); raw["app_id"] != nil {
		t.Errorf("a plain bot's auth.test names app %v", raw["app_id"])
	}
}

// mustRequest is a POST to a Web API method with a bearer token.
func mustRequest(t *testing.T, url, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}
