package bots

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
)

// slackWorld is what the Slack API scope tests act on: channels bots are
// put in (public, private, a DM with the admin), a public channel they are
// not in, and a message of the admin's.
type slackWorld struct {
	e                *testEnv
	api              *SlackAPI
	admin            *channels.Actor
	pub, other, priv *channels.Channel
	msg              *channels.Message
	seq              int
}

func newSlackWorld(t *testing.T) *slackWorld {
	t.Helper()
	e := newTestEnv(t, Options{})
	w := &slackWorld{e: e, api: NewSlackAPI(e.svc, nil, e.log, SlackOptions{PublicURL: "http://parley.test"}), admin: e.person("root")}
	w.pub = e.channel(w.admin, "general", false)
	w.other = e.channel(w.admin, "random", false)
	w.priv = e.channel(w.admin, "ops", true)
	var err error
	if w.msg, _, err = e.svc.PostMessage(context.Background(), w.admin, w.pub.ID, channels.NewMessage{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// botIn creates a bot with scopes, in pub and priv, and opens its DM with
// the admin.
func (w *slackWorld) botIn(t *testing.T, scopes []string) (*channels.Actor, *channels.Channel) {
	t.Helper()
	ctx := context.Background()
	w.seq++
	_, bot := w.e.bot(w.admin, fmt.Sprintf("bot%03d", w.seq), scopes...)
	for _, ch := range []*channels.Channel{w.pub, w.priv} {
		if err := w.e.svc.AddMember(ctx, w.admin, ch.ID, bot.ID); err != nil {
			t.Fatal(err)
		}
	}
	dm, _, err := w.e.svc.OpenDM(ctx, w.admin, []int64{bot.ID})
	if err != nil {
		t.Fatal(err)
	}
	return bot, dm
}

// call runs a Web API method as actor, as the HTTP layer would after
// authenticating, and returns its answer and error in Slack's words.
func (w *slackWorld) call(method string, actor *channels.Actor, args url.Values) (map[string]any, *slackError) {
	m, ok := w.api.methods[method]
	if !ok {
		panic("no method " + method)
	}
	out, err := m.fn(&slackCall{ctx: context.Background(), api: w.api, actor: actor, args: &slackArgs{query: args},
		req: httptest.NewRequest("POST", "/api/slack/"+method, nil)})
	if err != nil {
		return nil, toSlack(err)
	}
	return out, nil
}

// TestSlackAPI_Scopes pins the scope each Web API method needs of a bot
// token: with it alone the call succeeds; with every other scope it is
// missing_scope naming it.
func TestSlackAPI_Scopes(t *testing.T) {
	w := newSlackWorld(t)
	pub := func(extra ...string) func(*channels.Channel) url.Values {
		return func(*channels.Channel) url.Values {
			v := url.Values{"channel": {slackwire.ChannelID(w.pub)}}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v
		}
	}
	static := func(kv ...string) func(*channels.Channel) url.Values {
		return func(*channels.Channel) url.Values {
			v := url.Values{}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
	}
	ts := slackwire.MessageTS(w.msg)
	n := 0
	tests := []struct {
		method string
		scope  string
		args   func(dm *channels.Channel) url.Values
		// grantedErr is the answer with the scope granted ("" for ok).
		grantedErr string
	}{
		{"chat.postMessage", channels.ScopeChatWrite, pub("text", "hi"), ""},
		{"conversations.list", channels.ScopeChannelsRead, static("types", "public_channel"), ""},
		{"conversations.list", channels.ScopeGroupsRead, static("types", "private_channel"), ""},
		{"conversations.list", channels.ScopeIMWrite, static("types", "im"), ""},
		{"conversations.info", channels.ScopeChannelsRead, pub(), ""},
		{"conversations.info", channels.ScopeGroupsRead, static("channel", slackwire.ChannelID(w.priv)), ""},
		{"conversations.history", channels.ScopeChannelsHistory, pub(), ""},
		{"conversations.history", channels.ScopeGroupsHistory, static("channel", slackwire.ChannelID(w.priv)), ""},
		{"conversations.history", channels.ScopeIMHistory, func(dm *channels.Channel) url.Values {
			return url.Values{"channel": {slackwire.ChannelID(dm)}}
		}, ""},
		{"conversations.members", channels.ScopeChannelsRead, pub(), ""},
		{"conversations.mark", channels.ScopeChannelsHistory, pub("ts", ts), ""},
		{"conversations.create", channels.ScopeChannelsManage, func(*channels.Channel) url.Values {
			n++
			return url.Values{"name": {fmt.Sprintf("made-%d", n)}}
		}, ""},
		{"conversations.join", channels.ScopeChannelsJoin, static("channel", slackwire.ChannelID(w.other)), ""},
		{"conversations.leave", channels.ScopeChannelsManage, pub(), ""},
		{"conversations.open", channels.ScopeIMWrite, static("users", slackwire.UserID(w.admin.ID)), ""},
		{"reactions.add", channels.ScopeReactionsWrite, pub("timestamp", ts, "name", "tada"), ""},
		{"reactions.get", channels.ScopeReactionsRead, pub("timestamp", ts), ""},
		{"users.list", channels.ScopeUsersRead, static(), ""},
		{"users.info", channels.ScopeUsersRead, static("user", slackwire.UserID(w.admin.ID)), ""},
		{"users.lookupByEmail", channels.ScopeUsersReadEmail, static("email", "nobody@example.com"), "users_not_found"},
		{"files.getUploadURLExternal", channels.ScopeFilesWrite, static("filename", "a.txt", "length", "3"), ""},
		{"team.info", channels.ScopeTeamRead, static(), ""},
		{"bots.info", channels.ScopeUsersRead, static("bot", "B1"), "bot_not_found"},
		{"users.conversations", channels.ScopeChannelsRead, static(), ""},
		{"users.conversations", channels.ScopeGroupsRead, static("types", "private_channel"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" needs "+tt.scope, func(t *testing.T) {
			with, dm := w.botIn(t, []string{tt.scope})
			_, err := w.call(tt.method, with, tt.args(dm))
			if got := errCode(err); got != tt.grantedErr {
				t.Errorf("granted %s: error %q, want %q", tt.scope, got, tt.grantedErr)
			}
			others := slices.DeleteFunc(slices.Clone(channels.AllScopes), func(s string) bool { return s == tt.scope })
			without, dm := w.botIn(t, others)
			_, err = w.call(tt.method, without, tt.args(dm))
			if errCode(err) != "missing_scope" || err.needed != tt.scope {
				t.Errorf("without %s: error %q needing %q, want missing_scope needing it", tt.scope, errCode(err), neededOf(err))
			}
		})
	}
}

func errCode(err *slackError) string {
	if err == nil {
		return ""
	}
	return err.code
}

func neededOf(err *slackError) string {
	if err == nil {
		return ""
	}
	return err.needed
}

// TestSlackAPI_Overrides pins who may post under another name and icon:
// bots with chat:write.customize; the arguments are ignored for others.
func TestSlackAPI_Overrides(t *testing.T) {
	w := newSlackWorld(t)
	plain, _ := w.botIn(t, []string{channels.ScopeChatWrite})
	custom, _ := w.botIn(t, []string{channels.ScopeChatWrite, channels.ScopeChatWriteCustomize})
	tests := []struct {
		name      string
		actor     *channels.Actor
		wantShown bool
	}{
		{"a bot with chat:write.customize", custom, true},
		{"a bot without it", plain, false},
		{"a person", w.admin, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.call("chat.postMessage", tt.actor, url.Values{"channel": {slackwire.ChannelID(w.pub)}, "text": {tt.name},
				"username": {"Deployer"}, "icon_emoji": {":rocket:"}})
			if err != nil {
				t.Fatalf("chat.postMessage: %s", err.code)
			}
			msgs, _, gerr := w.e.svc.Messages(context.Background(), w.admin, w.pub.ID, channels.Page{})
			if gerr != nil {
				t.Fatal(gerr)
			}
			i := slices.IndexFunc(msgs, func(m channels.Message) bool { return m.Text == tt.name })
			if i < 0 {
				t.Fatalf("message %q not posted", tt.name)
			}
			if shown := msgs[i].Username == "Deployer" && msgs[i].IconEmoji == "rocket"; shown != tt.wantShown {
				t.Errorf("posted as %q with %q; overrides shown %v, want %v", msgs[i].Username, msgs[i].IconEmoji, shown, tt.wantShown)
			}
		})
	}
}

// TestSlackAPI_TeamBotsAndConversations pins team.info, bots.info,
// users.conversations, and chat.postMessage's not_in_channel.
func TestSlackAPI_TeamBotsAndConversations(t *testing.T) {
	w := newSlackWorld(t)
	bot, _ := w.botIn(t, []string{channels.ScopeChatWrite, channels.ScopeUsersRead, channels.ScopeTeamRead,
		channels.ScopeChannelsRead, channels.ScopeGroupsRead, channels.ScopeIMWrite})

	team, err := w.call("team.info", bot, url.Values{})
	if err != nil || team["team"].(gin.H)["id"] != slackwire.TeamID || team["team"].(gin.H)["domain"] != slackwire.TeamDomain {
		t.Fatalf("team.info = %v, %v", team, err)
	}
	if _, err := w.call("team.info", bot, url.Values{"team": {"T9"}}); errCode(err) != "team_not_found" {
		t.Errorf("team.info of another team: %v", errCode(err))
	}

	info, err := w.call("bots.info", bot, url.Values{"bot": {slackwire.BotID(bot.ID)}})
	if err != nil {
		t.Fatalf("bots.info: %s", err.code)
	}
	b := info["bot"].(gin.H)
	if b["id"] != slackwire.BotID(bot.ID) || b["user_id"] != slackwire.UserID(bot.ID) || b["deleted"] != false || b["name"] != bot.Username {
		t.Errorf("bots.info = %v", b)
	}
	for _, arg := range []string{slackwire.BotID(w.admin.ID), "B999999", "U1", ""} {
		if _, err := w.call("bots.info", bot, url.Values{"bot": {arg}}); errCode(err) != "bot_not_found" {
			t.Errorf("bots.info(%q): %q, want bot_not_found", arg, errCode(err))
		}
	}

	names := func(args url.Values) []string {
		t.Helper()
		out, err := w.call("users.conversations", bot, args)
		if err != nil {
			t.Fatalf("users.conversations(%v): %s", args, err.code)
		}
		var got []string
		for _, ch := range out["channels"].([]slackChannel) {
			got = append(got, ch.ID)
		}
		return got
	}
	// The bot is in general and ops (and a DM), not random.
	if got := names(url.Values{}); !slices.Equal(got, []string{slackwire.ChannelID(w.pub)}) {
		t.Errorf("public conversations %v", got)
	}
	if got := names(url.Values{"types": {"public_channel,private_channel"}}); !slices.Equal(got,
		[]string{slackwire.ChannelID(w.pub), slackwire.ChannelID(w.priv)}) {
		t.Errorf("public and private conversations %v", got)
	}
	if got := names(url.Values{"types": {"public_channel,private_channel"}, "limit": {"1"}}); len(got) != 1 {
		t.Errorf("a page of one: %v", got)
	}
	if _, err := w.call("users.conversations", bot, url.Values{"user": {slackwire.UserID(w.admin.ID)}}); errCode(err) != "user_not_found" {
		t.Errorf("another user's conversations: %q", errCode(err))
	}

	// chat:write without chat:write.public, outside the channel: as Slack.
	if _, err := w.call("chat.postMessage", bot, url.Values{"channel": {slackwire.ChannelID(w.other)}, "text": {"hi"}}); errCode(err) != "not_in_channel" {
		t.Errorf("posting where not a member: %q, want not_in_channel", errCode(err))
	}
}
