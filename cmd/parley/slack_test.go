package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// slackAPI is a real slack-go client of the test server, as token.
func (ts *testServer) slackAPI(token string) *slack.Client {
	return slack.New(token, slack.OptionAPIURL(ts.URL+"/api/slack/"))
}

// slackErr requires err to be a Slack API error with code.
func slackErr(t *testing.T, err error, code string) {
	t.Helper()
	var se slack.SlackErrorResponse
	if err == nil || !errors.As(err, &se) || se.Err != code {
		t.Fatalf("error = %v, want Slack error %q", err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sid(prefix string, id int64) string { return fmt.Sprintf("%s%d", prefix, id) }

// nativeMessage reads a message through the native API.
func nativeMessage(c *client, ts string) channels.Message {
	c.ts.t.Helper()
	_, frac, _ := strings.Cut(ts, ".")
	var id int64
	fmt.Sscan(strings.TrimLeft(frac, "0"), &id)
	var m channels.Message
	c.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/messages/%d", id), nil, &m)
	return m
}

func TestSlackAPI_Messages(t *testing.T) {
	ts := newTestServer(t)
	alice, bob := ts.signup("alice"), ts.signup("bob")
	api, bobAPI := ts.slackAPI(alice.Token), ts.slackAPI(bob.Token)

	auth, err := api.AuthTest()
	must(t, err)
	if auth.UserID != sid("U", alice.User.ID) || auth.TeamID != "T1" || auth.User != "alice" || auth.URL != ts.URL+"/" {
		t.Fatalf("auth.test = %+v", auth)
	}

	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "deploys"})
	must(t, err)
	if ch.ID == "" || ch.ID[0] != 'C' || ch.Name != "deploys" || !ch.IsMember {
		t.Fatalf("created channel %+v", ch)
	}

	t.Run("posts with mrkdwn, attachments and blocks, visible in the native API", func(t *testing.T) {
		chID, msgTS, err := api.PostMessage("#deploys", slack.MsgOptionText("build *42* passed", false),
			slack.MsgOptionAttachments(slack.Attachment{Color: "good", Text: "all green"}),
			slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*done*", false, false), nil, nil)))
		must(t, err)
		if chID != ch.ID {
			t.Fatalf("channel %q, want %q", chID, ch.ID)
		}
		m := nativeMessage(alice, msgTS)
		if m.Text != "build *42* passed" || m.Markup != "mrkdwn" || !strings.Contains(string(m.Attachments), "all green") ||
			!strings.Contains(string(m.Blocks), "*done*") || sid("C", m.ChannelID) != ch.ID {
			t.Fatalf("native message %+v", m)
		}
		if want := fmt.Sprintf("%d.%06d", m.CreatedAt/1000, m.ID); msgTS != want {
			t.Fatalf("ts %q, want %q", msgTS, want)
		}
		hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID, Limit: 1})
		must(t, err)
		got := hist.Messages[0]
		if got.Timestamp != msgTS || got.User != auth.UserID || got.Type != "message" || len(got.Attachments) != 1 ||
			got.Attachments[0].Text != "all green" || len(got.Blocks.BlockSet) != 1 {
			t.Fatalf("history message %+v", got)
		}
	})

	t.Run("threads, updates and deletes", func(t *testing.T) {
		_, root, err := api.PostMessage(ch.ID, slack.MsgOptionText("root", false))
		must(t, err)
		_, reply, err := api.PostMessage(ch.ID, slack.MsgOptionText("reply", false), slack.MsgOptionTS(root))
		must(t, err)
		msgs, more, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: ch.ID, Timestamp: root})
		must(t, err)
		if more || len(msgs) != 2 || msgs[0].Timestamp != root || msgs[1].Timestamp != reply || msgs[1].ThreadTimestamp != root ||
			msgs[0].ReplyCount != 1 {
			t.Fatalf("replies %+v", msgs)
		}
		if n := nativeMessage(alice, reply); n.ThreadID == nil || sid("", *n.ThreadID) != sid("", nativeMessage(alice, root).ID) {
			t.Fatalf("native reply %+v", n)
		}

		_, _, text, err := api.UpdateMessage(ch.ID, reply, slack.MsgOptionText("reply, edited", false))
		must(t, err)
		if text != "reply, edited" {
			t.Fatalf("updated text %q", text)
		}
		msgs, _, _, err = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: ch.ID, Timestamp: root})
		must(t, err)
		if msgs[1].Text != "reply, edited" || msgs[1].Edited == nil || msgs[1].Edited.User != auth.UserID {
			t.Fatalf("edited reply %+v", msgs[1])
		}

		_, _, err = api.DeleteMessage(ch.ID, reply)
		must(t, err)
		msgs, _, _, err = api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: ch.ID, Timestamp: root})
		must(t, err)
		if len(msgs) != 1 {
			t.Fatalf("after delete, replies %+v", msgs)
		}
		_, _, err = api.DeleteMessage(ch.ID, reply)
		slackErr(t, err, "message_not_found")

		link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: ch.ID, Ts: root})
		must(t, err)
		if want := ts.URL + "/archives/" + ch.ID + "/p" + strings.Replace(root, ".", "", 1); link != want {
			t.Fatalf("permalink %q, want %q", link, want)
		}
	})

	t.Run("errors", func(t *testing.T) {
		_, _, err := api.PostMessage("#nowhere", slack.MsgOptionText("x", false))
		slackErr(t, err, "channel_not_found")
		_, _, err = api.PostMessage("C999999", slack.MsgOptionText("x", false))
		slackErr(t, err, "channel_not_found")
		_, _, err = bobAPI.PostMessage(ch.ID, slack.MsgOptionText("x", false))
		slackErr(t, err, "not_in_channel")
		_, _, err = ts.slackAPI("nonsense").PostMessage(ch.ID, slack.MsgOptionText("x", false))
		slackErr(t, err, "invalid_auth")
		_, err = ts.slackAPI("").AuthTest()
		slackErr(t, err, "not_authed")
		_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText(strings.Repeat("x", 40001), false))
		slackErr(t, err, "msg_too_long")
		_, _, err = api.PostMessage(ch.ID, slack.MsgOptionText("  ", false))
		slackErr(t, err, "no_text")
		_, _, _, err = api.UpdateMessage(ch.ID, "1700000000.999999", slack.MsgOptionText("x", false))
		slackErr(t, err, "message_not_found")

		_, mine, err := api.PostMessage(ch.ID, slack.MsgOptionText("alice's", false))
		must(t, err)
		_, _, _, err = bobAPI.JoinConversation(ch.ID)
		must(t, err)
		_, _, _, err = bobAPI.UpdateMessage(ch.ID, mine, slack.MsgOptionText("bob was here", false))
		slackErr(t, err, "cant_update_message")
		_, _, err = bobAPI.DeleteMessage(ch.ID, mine)
		slackErr(t, err, "cant_delete_message")

		other, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "other"})
		must(t, err)
		_, _, _, err = api.UpdateMessage(other.ID, mine, slack.MsgOptionText("x", false))
		slackErr(t, err, "message_not_found")
	})

	t.Run("reactions", func(t *testing.T) {
		_, msgTS, err := api.PostMessage(ch.ID, slack.MsgOptionText("react to me", false))
		must(t, err)
		ref := slack.NewRefToMessage(ch.ID, msgTS)
		must(t, api.AddReaction("thumbsup", ref))
		slackErr(t, api.AddReaction("thumbsup", ref), "already_reacted")
		must(t, bobAPI.AddReaction(":thumbsup:", ref))
		item, err := api.GetReactions(ref, slack.GetReactionsParameters{})
		must(t, err)
		if len(item.Reactions) != 1 || item.Reactions[0].Name != "thumbsup" || item.Reactions[0].Count != 2 ||
			len(item.Reactions[0].Users) != 2 || item.Reactions[0].Users[0] != auth.UserID {
			t.Fatalf("reactions %+v", item.Reactions)
		}
		if n := nativeMessage(alice, msgTS); len(n.Reactions) != 1 || n.Reactions[0].Count != 2 {
			t.Fatalf("native reactions %+v", n.Reactions)
		}
		must(t, api.RemoveReaction("thumbsup", ref))
		slackErr(t, api.RemoveReaction("thumbsup", ref), "no_reaction")
		slackErr(t, api.AddReaction("not an emoji!", ref), "invalid_name")
	})

	t.Run("history pages with a cursor, newest first", func(t *testing.T) {
		busy, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "busy"})
		must(t, err)
		var posted []string
		for i := range 7 {
			_, msgTS, err := api.PostMessage(busy.ID, slack.MsgOptionText(fmt.Sprintf("m%d", i), false))
			must(t, err)
			posted = append(posted, msgTS)
		}
		var seen []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("too many pages")
			}
			res, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID, Limit: 3, Cursor: cursor})
			must(t, err)
			for _, m := range res.Messages {
				seen = append(seen, m.Timestamp)
			}
			cursor = res.ResponseMetaData.NextCursor
			if res.HasMore != (cursor != "") {
				t.Fatalf("has_more %v with cursor %q", res.HasMore, cursor)
			}
			if cursor == "" {
				break
			}
		}
		if len(seen) != 7 {
			t.Fatalf("saw %d messages, want 7: %v", len(seen), seen)
		}
		for i := range seen {
			if seen[i] != posted[6-i] {
				t.Fatalf("history order %v, want reverse of %v", seen, posted)
			}
		}
		// latest/oldest bound by ts, exclusive unless inclusive.
		res, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID,
			Latest: posted[5], Oldest: posted[1]})
		must(t, err)
		if len(res.Messages) != 3 || res.Messages[0].Timestamp != posted[4] || res.Messages[2].Timestamp != posted[2] {
			t.Fatalf("bounded history %v", res.Messages)
		}
		res, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID,
			Latest: posted[5], Oldest: posted[1], Inclusive: true})
		must(t, err)
		if len(res.Messages) != 5 {
			t.Fatalf("inclusive history has %d messages, want 5", len(res.Messages))
		}
		_, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID, Cursor: "%%%"})
		slackErr(t, err, "invalid_cursor")
		// Bounds are SECONDS[.FRACTION] in digits, up to year 9999: no NaN,
		// exponent or sign, which once became a garbage millisecond count.
		for _, bad := range []string{"NaN", "1e16", "Inf", "-1", "1.7e9", "10000000000000000"} {
			_, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID, Latest: bad})
			slackErr(t, err, "invalid_ts_latest")
			_, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: busy.ID, Oldest: bad})
			slackErr(t, err, "invalid_ts_oldest")
		}
	})

	t.Run("ephemeral messages reach only their user's WebSocket", func(t *testing.T) {
		ws := bob.dialWS("", nil)
		ws.hello(bob.User.ID)
		msgTS, err := api.PostEphemeral(ch.ID, sid("U", bob.User.ID), slack.MsgOptionText("only for bob", false))
		must(t, err)
		if msgTS == "" {
			t.Fatal("no message_ts")
		}
		f := ws.nextOfType("message.ephemeral", 5*time.Second)
		if f.ChannelID == nil || sid("C", *f.ChannelID) != ch.ID || !strings.Contains(string(f.Data), "only for bob") {
			t.Fatalf("ephemeral frame %s", f.Raw)
		}
		carol := ts.signup("carol")
		_, err = api.PostEphemeral(ch.ID, sid("U", carol.User.ID), slack.MsgOptionText("x", false))
		slackErr(t, err, "user_not_in_channel")
	})
}

func TestSlackAPI_Conversations(t *testing.T) {
	ts := newTestServer(t)
	alice, bob, carol := ts.signup("alice"), ts.signup("bob"), ts.signup("carol")
	api, bobAPI := ts.slackAPI(alice.Token), ts.slackAPI(bob.Token)
	var ids []string
	for i := range 5 {
		ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: fmt.Sprintf("room-%d", i)})
		must(t, err)
		ids = append(ids, ch.ID)
	}
	secret, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "secret", IsPrivate: true})
	must(t, err)

	t.Run("list pages with a cursor and keeps private channels to members", func(t *testing.T) {
		var got []string
		cursor := ""
		for {
			chs, next, err := bobAPI.GetConversations(&slack.GetConversationsParameters{Limit: 2, Cursor: cursor,
				Types: []string{"public_channel", "private_channel"}})
			must(t, err)
			if len(chs) > 2 {
				t.Fatalf("page of %d", len(chs))
			}
			for _, c := range chs {
				got = append(got, c.ID)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("bob lists %v, want %v", got, ids)
		}
		chs, _, err := api.GetConversations(&slack.GetConversationsParameters{Types: []string{"private_channel"}})
		must(t, err)
		if len(chs) != 1 || chs[0].ID != secret.ID || !chs[0].IsPrivate {
			t.Fatalf("alice's private channels %+v", chs)
		}
		_, _, err = api.GetConversations(&slack.GetConversationsParameters{Cursor: "bm9wZQ"})
		slackErr(t, err, "invalid_cursor")
		_, err = bobAPI.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: secret.ID})
		slackErr(t, err, "channel_not_found")
		_, _, err = bobAPI.PostMessage(secret.ID, slack.MsgOptionText("x", false))
		slackErr(t, err, "channel_not_found")
	})

	t.Run("join, invite, members, leave", func(t *testing.T) {
		info, err := api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: "#room-0"})
		must(t, err)
		if info.ID != ids[0] || info.NumMembers != 1 {
			t.Fatalf("info %+v", info)
		}
		_, warning, _, err := bobAPI.JoinConversation(ids[0])
		must(t, err)
		if warning != "" {
			t.Fatalf("first join warned %q", warning)
		}
		_, warning, _, err = bobAPI.JoinConversation(ids[0])
		must(t, err)
		if warning != "already_in_channel" {
			t.Fatalf("second join warning %q", warning)
		}
		_, err = api.InviteUsersToConversation(ids[0], sid("U", carol.User.ID))
		must(t, err)
		_, err = api.InviteUsersToConversation(ids[0], sid("U", carol.User.ID))
		slackErr(t, err, "already_in_channel")
		members, next, err := api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: ids[0], Limit: 2})
		must(t, err)
		if len(members) != 2 || members[0] != sid("U", alice.User.ID) || next == "" {
			t.Fatalf("members %v next %q", members, next)
		}
		members, next, err = api.GetUsersInConversation(&slack.GetUsersInConversationParameters{ChannelID: ids[0], Limit: 2, Cursor: next})
		must(t, err)
		if len(members) != 1 || members[0] != sid("U", carol.User.ID) || next != "" {
			t.Fatalf("second page %v next %q", members, next)
		}
		notIn, err := bobAPI.LeaveConversation(ids[0])
		must(t, err)
		if notIn {
			t.Fatal("leave said not_in_channel for a member")
		}
		notIn, err = bobAPI.LeaveConversation(ids[0])
		must(t, err)
		if !notIn {
			t.Fatal("second leave did not say not_in_channel")
		}
	})

	t.Run("DMs: open, post, history, mark", func(t *testing.T) {
		dm, noOp, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{sid("U", bob.User.ID)}, ReturnIM: true})
		must(t, err)
		if dm.ID[0] != 'D' || !dm.IsIM || noOp || dm.User != sid("U", bob.User.ID) {
			t.Fatalf("opened %+v no_op %v", dm, noOp)
		}
		again, noOp, _, err := bobAPI.OpenConversation(&slack.OpenConversationParameters{Users: []string{sid("U", alice.User.ID)}})
		must(t, err)
		if again.ID != dm.ID || !noOp {
			t.Fatalf("reopened %+v no_op %v", again, noOp)
		}
		// A user ID as channel posts into the DM with that user.
		chID, msgTS, err := api.PostMessage(sid("U", bob.User.ID), slack.MsgOptionText("hi bob", false))
		must(t, err)
		if chID != dm.ID {
			t.Fatalf("posted to %q, want the DM %q", chID, dm.ID)
		}
		hist, err := bobAPI.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: dm.ID})
		must(t, err)
		if len(hist.Messages) != 1 || hist.Messages[0].Text != "hi bob" {
			t.Fatalf("DM history %+v", hist.Messages)
		}
		must(t, bobAPI.MarkConversation(dm.ID, msgTS))
		slackErr(t, bobAPI.MarkConversation(dm.ID, "garbage"), "invalid_timestamp")
		group, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{
			Users: []string{sid("U", bob.User.ID), sid("U", carol.User.ID)}, ReturnIM: true})
		must(t, err)
		if group.ID[0] != 'G' || !group.IsMpIM {
			t.Fatalf("group DM %+v", group)
		}
		chs, _, err := api.GetConversations(&slack.GetConversationsParameters{Types: []string{"im", "mpim"}})
		must(t, err)
		if len(chs) != 2 {
			t.Fatalf("im+mpim list %+v", chs)
		}
	})
}

func TestSlackAPI_Users(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("admin")
	bob := ts.signup("bob")
	var dora struct {
		User channels.User `json:"user"`
	}
	ts.anon().mustJSON(http.StatusCreated, "POST", "/api/v1/signup",
		map[string]any{"username": "dora", "password": "password-dora", "email": "dora@example.com", "display_name": "Dora D"}, &dora)
	api := ts.slackAPI(admin.Token)

	users, err := api.GetUsers(slack.GetUsersOptionLimit(2))
	must(t, err)
	if len(users) != 3 || users[2].Name != "dora" || users[2].RealName != "Dora D" || users[2].TeamID != "T1" {
		t.Fatalf("users.list %+v", users)
	}
	u, err := api.GetUserInfo(sid("U", dora.User.ID))
	must(t, err)
	if u.Name != "dora" || u.Profile.Email != "dora@example.com" {
		t.Fatalf("users.info %+v", u)
	}
	u, err = ts.slackAPI(bob.Token).GetUserInfo(sid("U", dora.User.ID))
	must(t, err)
	if u.Profile.Email != "" {
		t.Fatalf("bob sees dora's e-mail %q", u.Profile.Email)
	}
	_, err = api.GetUserInfo("U999999")
	slackErr(t, err, "user_not_found")
	u, err = api.GetUserByEmail("DORA@example.com")
	must(t, err)
	if u.ID != sid("U", dora.User.ID) {
		t.Fatalf("lookupByEmail %+v", u)
	}
	_, err = api.GetUserByEmail("nobody@example.com")
	slackErr(t, err, "users_not_found")
}

func TestSlackAPI_FileUpload(t *testing.T) {
	ts := newTestServer(t)
	alice := ts.signup("alice")
	api := ts.slackAPI(alice.Token)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "files"})
	must(t, err)
	content := "hello, file\n"
	f, err := api.UploadFile(slack.UploadFileParameters{Filename: "hello.txt", FileSize: len(content), Content: content,
		Title: "Greeting", Channel: ch.ID, InitialComment: "see attached"})
	must(t, err)
	if f.ID == "" || f.Title != "Greeting" {
		t.Fatalf("uploaded %+v", f)
	}
	hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID})
	must(t, err)
	if len(hist.Messages) != 1 || hist.Messages[0].Text != "see attached" || len(hist.Messages[0].Files) != 1 ||
		hist.Messages[0].Files[0].ID != f.ID || hist.Messages[0].Files[0].Size != len(content) {
		t.Fatalf("history after upload %+v", hist.Messages)
	}
	res := alice.do("GET", "/api/v1/files/"+strings.TrimPrefix(f.ID, "F"), nil)
	if res.Status != http.StatusOK || string(res.Body) != content {
		t.Fatalf("download: %d %q", res.Status, res.Body)
	}
	// The upload URL is single-use and tied to the token that asked for it.
	up, err := api.GetUploadURLExternalContext(t.Context(), slack.GetUploadURLExternalParameters{FileName: "x.txt", FileSize: 1})
	must(t, err)
	if !strings.HasPrefix(up.UploadURL, ts.URL+"/api/slack/") {
		t.Fatalf("upload URL %q does not point at the server", up.UploadURL)
	}
	other := ts.signup("mallory")
	err = ts.slackAPI(other.Token).UploadToURL(t.Context(), slack.UploadToURLParameters{UploadURL: up.UploadURL, Content: "x", Filename: "x.txt"})
	if err == nil {
		t.Fatal("another user's upload to the URL succeeded")
	}
	_, err = api.CompleteUploadExternalContext(t.Context(), slack.CompleteUploadExternalParameters{Files: []slack.FileSummary{{ID: up.FileID}}, Channel: ch.ID})
	slackErr(t, err, "file_not_found")
}

func TestSlackAPI_RateLimited(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.RateLimit, c.RateBurst = 0.2, 2 })
	api := ts.slackAPI(ts.signup("alice").Token)
	for range 2 {
		_, err := api.AuthTest()
		must(t, err)
	}
	_, err := api.AuthTest()
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter < time.Second {
		t.Fatalf("error = %v, want a RateLimitedError with Retry-After", err)
	}
}

func TestSlackAPI_MissingScope(t *testing.T) {
	ts := newTestServer(t)
	owner := ts.signup("owner")
	api := ts.slackAPI(owner.Token)
	ch, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "ci"})
	must(t, err)
	res := owner.do("POST", "/api/v1/bots", map[string]any{"username": "ci-bot", "scopes": []string{"chat:write", "channels:join"}})
	if res.Status != http.StatusCreated {
		t.Skipf("bot accounts are not available yet (POST /api/v1/bots answered %d)", res.Status)
	}
	var created struct {
		Token string `json:"token"`
	}
	must(t, json.Unmarshal(res.Body, &created))
	bot := ts.slackAPI(created.Token)
	auth, err := bot.AuthTest()
	must(t, err)
	if auth.BotID == "" {
		t.Fatalf("auth.test of a bot has no bot_id: %+v", auth)
	}
	_, _, _, err = bot.JoinConversation(ch.ID)
	must(t, err)
	_, msgTS, err := bot.PostMessage("#ci", slack.MsgOptionText("from the bot, draft", false))
	must(t, err)
	// chat:write alone edits the bot's own message, as in Slack.
	_, _, _, err = bot.UpdateMessage(ch.ID, msgTS, slack.MsgOptionText("from the bot", false))
	must(t, err)
	_, err = bot.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID})
	slackErr(t, err, "missing_scope")
	slackErr(t, bot.AddReaction("tada", slack.NewRefToMessage(ch.ID, msgTS)), "missing_scope")
	_, _, err = bot.GetConversations(&slack.GetConversationsParameters{})
	slackErr(t, err, "missing_scope")
	// A private channel the bot is not in does not exist for it.
	hidden, err := api.CreateConversation(slack.CreateConversationParams{ChannelName: "hidden", IsPrivate: true})
	must(t, err)
	_, _, err = bot.PostMessage(hidden.ID, slack.MsgOptionText("x", false))
	slackErr(t, err, "channel_not_found")
	_, _, _, err = bot.JoinConversation("#hidden")
	slackErr(t, err, "channel_not_found")
	_, err = bot.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: hidden.ID})
	slackErr(t, err, "channel_not_found")
	hist, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: ch.ID})
	must(t, err)
	if len(hist.Messages) != 1 || hist.Messages[0].BotID != auth.BotID || hist.Messages[0].Text != "from the bot" {
		t.Fatalf("bot message %+v", hist.Messages)
	}
}

// slackRaw posts to a method without a client library.
func slackRaw(t *testing.T, req *http.Request) map[string]any {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(t, err)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

func TestSlackAPI_RawEncodings(t *testing.T) {
	ts := newTestServer(t)
	alice := ts.signup("alice")
	ch := alice.createChannel("raw", false)
	chID := sid("C", ch.ID)

	t.Run("form-encoded, token in the body, attachments as a JSON string", func(t *testing.T) {
		form := url.Values{"token": {alice.Token}, "channel": {"#raw"}, "text": {"form post"},
			"attachments": {`[{"text":"att","color":"danger"}]`}}
		req, _ := http.NewRequest("POST", ts.URL+"/api/slack/chat.postMessage", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		out := slackRaw(t, req)
		if out["ok"] != true || out["channel"] != chID {
			t.Fatalf("answer %v", out)
		}
		m := nativeMessage(alice, out["ts"].(string))
		if m.Text != "form post" || !strings.Contains(string(m.Attachments), `"danger"`) {
			t.Fatalf("native %+v", m)
		}
	})

	t.Run("JSON body with a bearer token, blocks as an array", func(t *testing.T) {
		body := `{"channel":"` + chID + `","text":"json post","blocks":[{"type":"divider"}]}`
		req, _ := http.NewRequest("POST", ts.URL+"/api/slack/chat.postMessage", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		out := slackRaw(t, req)
		if out["ok"] != true {
			t.Fatalf("answer %v", out)
		}
		msg := out["message"].(map[string]any)
		if msg["text"] != "json post" || msg["type"] != "message" || len(msg["blocks"].([]any)) != 1 {
			t.Fatalf("message %v", msg)
		}
	})

	t.Run("GET with query parameters", func(t *testing.T) {
		req, _ := http.NewRequest("GET", ts.URL+"/api/slack/conversations.history?limit=1&channel="+chID, nil)
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		out := slackRaw(t, req)
		if out["ok"] != true || len(out["messages"].([]any)) != 1 || out["has_more"] != true {
			t.Fatalf("answer %v", out)
		}
	})

	t.Run("errors are HTTP 200 with Slack's strings", func(t *testing.T) {
		for _, tt := range []struct{ method, body, want string }{
			{"chat.frobnicate", "token=" + alice.Token, "unknown_method"},
			{"chat.postMessage", "channel=raw&text=x", "not_authed"},
			{"chat.postMessage", "token=wrong&channel=raw&text=x", "invalid_auth"},
			{"chat.postMessage", "token=" + alice.Token + "&channel=raw&attachments=%5Bnot+json", "invalid_attachments"},
		} {
			req, _ := http.NewRequest("POST", ts.URL+"/api/slack/"+tt.method, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if out := slackRaw(t, req); out["ok"] != false || out["error"] != tt.want {
				t.Errorf("%s %s: %v, want error %q", tt.method, tt.body, out, tt.want)
			}
		}
		req, _ := http.NewRequest("POST", ts.URL+"/api/slack/chat.postMessage", strings.NewReader(`{"channel":`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+alice.Token)
		if out := slackRaw(t, req); out["error"] != "invalid_json" {
			t.Errorf("broken JSON: %v", out)
		}
	})

	t.Run("api.test echoes its arguments", func(t *testing.T) {
		out := slackRaw(t, must2(http.NewRequest("GET", ts.URL+"/api/slack/api.test?foo=bar", nil)))
		if out["ok"] != true || out["args"].(map[string]any)["foo"] != "bar" {
			t.Fatalf("api.test %v", out)
		}
	})
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSlackAPI_ConversationInfoUnread: conversations.info gives a member
// their unread count, as conversations.list does.
func TestSlackAPI_ConversationInfoUnread(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	ch := ana.createChannel("news", false)
	bob.join(ch.ID)
	ana.post(ch.ID, "one", 0)
	ana.post(ch.ID, "two", 0)
	info, err := ts.slackAPI(bob.Token).GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: sid("C", ch.ID)})
	must(t, err)
	if info.UnreadCount != 2 {
		t.Fatalf("unread_count = %d, want 2", info.UnreadCount)
	}
}
