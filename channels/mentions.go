package channels

import (
	"context"
	"fmt"
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

// resolveMentions turns parsed mentions into user ids of existing users.
func (s *Service) resolveMentions(ctx context.Context, text, markup string) (Mentions, error) {
	out := Mentions{UserIDs: []int64{}}
	if !strings.ContainsAny(text, "@<") {
		return out, nil
	}
	p := parseMentions(text, markup)
	out.Channel, out.Here = p.Channel, p.Here
	seen := map[int64]bool{}
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out.UserIDs = append(out.UserIDs, id)
		}
	}
	for _, name := range p.Usernames {
		id, err := s.st.mentionedUserID(ctx, name)
		if err != nil {
			return out, fmt.Errorf("resolve mention @%s: %w", name, err)
		}
		if id != 0 {
			add(id)
		}
	}
	for _, id := range p.UserIDs {
		exists, err := s.st.mentionedUserExists(ctx, id)
		if err != nil {
			return out, fmt.Errorf("resolve mention of %d: %w", id, err)
		}
		if exists {
			add(id)
		}
	}
	return out, nil
}
