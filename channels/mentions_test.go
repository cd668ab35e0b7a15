package channels

import (
	"reflect"
	"testing"
)

// mentionCases are texts and the mentions they hold.
var mentionCases = []struct {
	name   string
	text   string
	markup string
	want   parsedMentions
}{
	{"plain user", "hi @ada", MarkupMarkdown, parsedMentions{Usernames: []string{"ada"}}},
	{"start of text and punctuation", "@ada, @bob.", MarkupMarkdown, parsedMentions{Usernames: []string{"ada", "bob"}}},
	{"uppercase folds", "ping @Ada", MarkupMarkdown, parsedMentions{Usernames: []string{"ada"}}},
	{"repeated once", "@ada @ada", MarkupMarkdown, parsedMentions{Usernames: []string{"ada"}}},
	{"email is not a mention", "mail ada@example.com", MarkupMarkdown, parsedMentions{}},
	{"channel", "@channel deploy", MarkupMarkdown, parsedMentions{Channel: true}},
	{"everyone and all", "@everyone @all", MarkupMarkdown, parsedMentions{Channel: true}},
	{"here", "@here anyone?", MarkupMarkdown, parsedMentions{Here: true}},
	{"names with dots and dashes", "@build-bot @j.doe", MarkupMarkdown, parsedMentions{Usernames: []string{"build-bot", "j.doe"}}},
	{"slack forms ignored in markdown", "<@12> <!here>", MarkupMarkdown, parsedMentions{}},
	{"slack user ids in mrkdwn", "<@12> and <@U34|bob>", MarkupMrkdwn, parsedMentions{UserIDs: []int64{12, 34}}},
	{"slack specials in mrkdwn", "<!channel> <!here|here>", MarkupMrkdwn, parsedMentions{Channel: true, Here: true}},
	{"no mentions", "nothing to see", MarkupMarkdown, parsedMentions{}},
}

func TestParseMentions(t *testing.T) {
	for _, tt := range mentionCases {
		t.Run(tt.name, func(t *testing.T) {
			got := parseMentions(tt.text, tt.markup)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseMentions(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}
