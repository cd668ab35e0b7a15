package channels

import (
	"regexp"
	"strconv"
	"strings"
)

var (
	// @name at the start or after a character that cannot be part of a name
	// (so e-mail addresses are not mentions).
	atMention = regexp.MustCompile(`(?:^|[^\w@.<])@([A-Za-z0-9][A-Za-z0-9._-]*)`)
	// Slack's mrkdwn forms: <@U123>, <@123|name>, <!channel>, <!here>, <!everyone>.
	slackUserMention    = regexp.MustCompile(`<@([A-Za-z0-9]+)(?:\|[^>]*)?>`)
	slackSpecialMention = regexp.MustCompile(`<!(channel|here|everyone)(?:\|[^>]*)?>`)
)

// parsedMentions is what the text says, before usernames are resolved.
type parsedMentions struct {
	Usernames []string
	UserIDs   []int64
	Channel   bool
	Here      bool
}

// parseMentions finds @username, @channel, @here (and @everyone, @all) in
// text, and Slack's <@id> and <!channel> forms when markup is mrkdwn.
func parseMentions(text, markup string) parsedMentions {
	var p parsedMentions
	seen := map[string]bool{}
	for _, m := range atMention.FindAllStringSubmatch(text, -1) {
		name := strings.ToLower(strings.TrimRight(m[1], "._-"))
		switch name {
		case "channel", "everyone", "all":
			p.Channel = true
		case "here":
			p.Here = true
		case "":
		default:
			if !seen[name] {
				seen[name] = true
				p.Usernames = append(p.Usernames, name)
			}
		}
	}
	if markup == MarkupMrkdwn {
		for _, m := range slackUserMention.FindAllStringSubmatch(text, -1) {
			// Parley user ids are numbers; Slack-style ids carry a letter prefix.
			if id, err := strconv.ParseInt(strings.TrimLeft(m[1], "UW"), 10, 64); err == nil {
				p.UserIDs = append(p.UserIDs, id)
			}
		}
		for _, m := range slackSpecialMention.FindAllStringSubmatch(text, -1) {
			if m[1] == "here" {
				p.Here = true
			} else {
				p.Channel = true
			}
		}
	}
	return p
}
