package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/slack-go/slack"

	"github.com/parley-chat/parley/channels"
)

// reactionNames are 23 known emoji: as many different ones as a message takes.
var reactionNames = []string{"+1", "-1", "smile", "joy", "wink", "blush", "heart_eyes", "thinking_face", "cry", "sob",
	"eyes", "wave", "clap", "pray", "muscle", "heart", "fire", "star", "sparkles", "tada", "x", "warning", "bulb"}

func TestAPI_ReactionNamesAndCap(t *testing.T) {
	ts := newTestServer(t)
	ada, bob := ts.signup("ada"), ts.signup("bob")
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	react := func(c *client, method string, m channels.Message, emoji string) *response {
		t.Helper()
		return c.do(method, messagePath(m.ID, "/reactions/"+url.PathEscape(emoji)), nil)
	}
	names := func(m channels.Message) map[string]int {
		t.Helper()
		out := map[string]int{}
		for _, r := range ada.getMessage(m.ID).Reactions {
			out[r.Emoji] = r.Count
		}
		return out
	}

	t.Run("a Unicode emoji is taken and stored by its shortcode", func(t *testing.T) {
		m := ada.post(ch.ID, "launch?", 0)
		for _, e := range []string{"🚀", "👍🏽", "🎉"} {
			if res := react(bob, "PUT", m, e); res.Status != http.StatusNoContent {
				t.Fatalf("PUT %s: %d %s", e, res.Status, res.Body)
			}
		}
		ada.mustJSON(http.StatusNoContent, "PUT", messagePath(m.ID, "/reactions/rocket"), nil, nil)
		got := names(m)
		if len(got) != 3 || got["rocket"] != 2 || got["+1::skin-tone-4"] != 1 || got["tada"] != 1 {
			t.Fatalf("reactions = %v", got)
		}
		if res := react(bob, "DELETE", m, "🚀"); res.Status != http.StatusNoContent || names(m)["rocket"] != 1 {
			t.Fatalf("DELETE 🚀: %d, reactions %v", res.Status, names(m))
		}
	})

	t.Run("unknown names are refused", func(t *testing.T) {
		m := ada.post(ch.ID, "made up", 0)
		for _, e := range []string{"party-parrot", "rocketship", "a1b2c3"} {
			wantError(t, react(bob, "PUT", m, e), http.StatusBadRequest, "invalid_emoji")
		}
		if got := names(m); len(got) != 0 {
			t.Fatalf("refused reactions were stored: %v", got)
		}
	})

	t.Run("a message takes 23 different emoji", func(t *testing.T) {
		m := ada.post(ch.ID, "popular", 0)
		for _, e := range reactionNames {
			ada.mustJSON(http.StatusNoContent, "PUT", messagePath(m.ID, "/reactions/"+url.PathEscape(e)), nil, nil)
		}
		res := react(bob, "PUT", m, "rocket")
		wantError(t, res, http.StatusBadRequest, "too_many_reactions")
		wantError(t, react(bob, "PUT", m, "🚀"), http.StatusBadRequest, "too_many_reactions")
		// One already there still takes more people; removing one makes room.
		bob.mustJSON(http.StatusNoContent, "PUT", messagePath(m.ID, "/reactions/tada"), nil, nil)
		ada.mustJSON(http.StatusNoContent, "DELETE", messagePath(m.ID, "/reactions/bulb"), nil, nil)
		bob.mustJSON(http.StatusNoContent, "PUT", messagePath(m.ID, "/reactions/rocket"), nil, nil)
		if got := names(m); len(got) != channels.MaxReactionsPerMessage || got["tada"] != 2 || got["rocket"] != 1 {
			t.Fatalf("reactions = %v", got)
		}
	})

	t.Run("the Slack API has the same rules", func(t *testing.T) {
		api := ts.slackAPI(bob.Token)
		m := ada.post(ch.ID, "from slack", 0)
		ref := slack.NewRefToMessage(sid("C", ch.ID), fmt.Sprintf("%d.%06d", m.CreatedAt/1000, m.ID))
		must(t, api.AddReaction("🚀", ref))
		slackErr(t, api.AddReaction("rocket", ref), "already_reacted")
		slackErr(t, api.AddReaction("party-parrot", ref), "invalid_name")
		for _, e := range reactionNames[:channels.MaxReactionsPerMessage-1] {
			must(t, api.AddReaction(e, ref))
		}
		slackErr(t, api.AddReaction("zap", ref), "too_many_reactions")
		must(t, api.RemoveReaction("🚀", ref))
		must(t, api.AddReaction("zap", ref))
	})
}

// Every emoji the web client's picker offers is one the server accepts.
func TestUI_EmojiPickerNamesAreKnown(t *testing.T) {
	src, err := os.ReadFile("../../ui/static/js/emoji.js")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)export const EMOJI = \{(.*?)\n\};`).FindSubmatch(src)
	if body == nil {
		t.Fatal("no EMOJI table in emoji.js")
	}
	keys := regexp.MustCompile(`(?:"([^"]+)"|([a-z0-9_]+)):`).FindAllSubmatch(body[1], -1)
	if len(keys) < 50 {
		t.Fatalf("found only %d emoji in emoji.js", len(keys))
	}
	for _, k := range keys {
		name := string(k[1]) + string(k[2])
		if got, err := channels.NormalizeEmoji(name); err != nil || got != name {
			t.Errorf("the picker offers %q, which the server takes as %q, %v", name, got, err)
		}
	}
}

// Icons are not reactions: an integration's icon_emoji may name its Slack
// workspace's custom emoji, and a Unicode one is stored by its shortcode.
func TestIncoming_IconEmojiNames(t *testing.T) {
	f := newHookFixture(t)
	tests := []struct{ icon, want string }{
		{":prometheus:", "prometheus"},
		{"🚀", "rocket"},
		{":fire:", "fire"},
	}
	for _, tt := range tests {
		t.Run(tt.icon, func(t *testing.T) {
			f.use(t)
			wantHookAnswer(t, f.sendJSON(fmt.Sprintf(`{"text":"alert","icon_emoji":%q}`, tt.icon)), http.StatusOK, "ok")
			if got := f.last(f.ch.ID).IconEmoji; got != tt.want {
				t.Fatalf("icon_emoji = %q, want %q", got, tt.want)
			}
		})
	}
	res := f.sendJSON(`{"text":"alert","icon_emoji":"<b>"}`)
	if res.Status != http.StatusBadRequest {
		t.Fatalf("a malformed icon_emoji: %d %s", res.Status, res.Body)
	}
}
