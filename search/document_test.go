package search

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// documentCases are messages and what their index documents must hold.
var documentCases = []struct {
	name    string
	msg     channels.IndexedMessage
	text    []string // substrings the document text must hold
	link    bool
	file    bool
	thread  bool
	bot     bool
	public  bool
	missing string // a substring it must not hold
}{
	{name: "plain text in a public channel", msg: channels.IndexedMessage{Text: "hello", ChannelKind: "public", UserKind: "person"},
		text: []string{"hello"}, public: true},
	{name: "link in text", msg: channels.IndexedMessage{Text: "see <https://ci.example.com/b/7|build 7>", ChannelKind: "private"},
		text: []string{"build 7"}, link: true},
	{name: "alertmanager attachment", msg: channels.IndexedMessage{UserKind: "bot", ChannelKind: "public",
		Attachments: json.RawMessage(`[{"title":"[FIRING:1] HighLatency","title_link":"http://am/x","text":"p99 over 2s","fallback":"unused",
				"fields":[{"title":"severity","value":"critical"}],"footer":"alertmanager"}]`)},
		text: []string{"HighLatency", "p99 over 2s", "severity", "critical", "alertmanager"}, link: true, bot: true, public: true, missing: "unused"},
	{name: "field values that are not strings", msg: channels.IndexedMessage{Attachments: json.RawMessage(
		`[{"title":"disk almost full","fields":[{"title":"used %","value":97.5},{"title":"paged","value":true},{"title":"x","value":{"a":1}}]}]`)},
		text: []string{"disk almost full", "used %", "97.5", "paged", "true"}, missing: `"a"`},
	{name: "fallback when nothing else", msg: channels.IndexedMessage{Attachments: json.RawMessage(`[{"fallback":"only this"}]`)},
		text: []string{"only this"}},
	{name: "blocks", msg: channels.IndexedMessage{Blocks: json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"*deployed* api"},
			"fields":[{"type":"plain_text","text":"env: prod"}]},{"type":"context","elements":[{"type":"mrkdwn","text":"by ci"}]}]`)},
		text: []string{"*deployed* api", "env: prod", "by ci"}},
	{name: "file names and replies", msg: channels.IndexedMessage{Text: "logs", FileNames: []string{"build-42.log"}, ThreadID: 9},
		text: []string{"logs", "build-42.log"}, file: true, thread: true},
	{name: "a root with replies is a thread", msg: channels.IndexedMessage{Text: "q", ReplyCount: 2}, text: []string{"q"}, thread: true},
	{name: "malformed attachments are ignored", msg: channels.IndexedMessage{Text: "t", Attachments: json.RawMessage(`{`)}, text: []string{"t"}},
}

func TestDocumentOf(t *testing.T) {
	for _, tc := range documentCases {
		t.Run(tc.name, func(t *testing.T) {
			d := DocumentOf(tc.msg)
			for _, s := range tc.text {
				if !strings.Contains(d.Text, s) {
					t.Errorf("text %q lacks %q", d.Text, s)
				}
			}
			if tc.missing != "" && strings.Contains(d.Text, tc.missing) {
				t.Errorf("text %q holds %q", d.Text, tc.missing)
			}
			if d.HasLink != tc.link || d.HasFile != tc.file || d.IsThread != tc.thread || d.IsBot != tc.bot || d.ChannelPublic != tc.public {
				t.Errorf("document %+v", d)
			}
		})
	}
}
