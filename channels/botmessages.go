package channels

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
)

// Overrides change how a message's author is shown (a bot posting as
// "deploy-bot" with :rocket:).
type Overrides struct {
	Username  string
	IconEmoji string
	IconURL   string
}

// checkOverrides validates per-message author overrides; any of them needs
// chat:write.customize on a bot token.
func checkOverrides(actor *Actor, username, iconEmoji, iconURL string) (Overrides, error) {
	ov := Overrides{Username: username}
	if username == "" && iconEmoji == "" && iconURL == "" {
		return ov, nil
	}
	if err := RequireScope(actor, ScopeChatWriteCustomize); err != nil {
		return ov, err
	}
	if len([]rune(username)) > 80 {
		return ov, Invalid("invalid_username", "username", "username is longer than 80 characters")
	}
	var err error
	ov.IconEmoji, ov.IconURL, err = ValidateIcon(iconEmoji, iconURL)
	return ov, err
}

// ValidateIcon checks an icon as messages, bots and incoming webhooks
// carry it: an emoji (a Unicode one is stored by its shortcode) and an
// http(s) URL; either may be empty. Unlike reactions, an icon may name an
// emoji Parley does not know: integrations send their Slack workspace's
// custom ones, which Slack accepts too.
func ValidateIcon(emoji, iconURL string) (string, string, error) {
	if emoji != "" {
		e, err := NormalizeEmoji(emoji)
		if err != nil {
			e, err = EmojiName(emoji)
		}
		if err != nil {
			return "", "", Invalid("invalid_icon_emoji", "icon_emoji", "icon_emoji must be a shortcode like rocket")
		}
		emoji = e
	}
	if iconURL != "" {
		u, err := url.Parse(iconURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(iconURL) > 2000 {
			return "", "", Invalid("invalid_icon_url", "icon_url", "icon_url must be an http(s) URL")
		}
	}
	return emoji, iconURL, nil
}

// resolveKeys turns in.ThreadKey into in.ThreadID and returns the id of
// the author's message that already has in.Key, or 0.
func (s *Service) resolveKeys(ctx context.Context, authorID, channelID int64, in *NewMessage) (keyed int64, err error) {
	if in.ThreadKey != "" {
		id, err := s.st.keyedMessage(ctx, authorID, channelID, in.ThreadKey)
		if err != nil {
			return 0, err
		}
		if id == 0 {
			return 0, newErr(ErrNotFound, "thread_not_found", "no message of yours in this channel has that thread_key")
		}
		in.ThreadID = id
	}
	if in.Key == "" {
		return 0, nil
	}
	return s.st.keyedMessage(ctx, authorID, channelID, in.Key)
}

// repost is a post with a key the author already used: it updates message
// id, which has that key, in place.
func (s *Service) repost(ctx context.Context, actor *Actor, channelID, id int64, in *NewMessage, ov Overrides) (*Message, error) {
	if err := s.checkPostLimit(actor, channelID); err != nil {
		return nil, err
	}
	text := in.Text
	att, blocks := in.Attachments, in.Blocks
	if att == nil {
		att = json.RawMessage("null")
	}
	if blocks == nil {
		blocks = json.RawMessage("null")
	}
	return s.EditMessage(ctx, actor, id, MessageEdit{Text: &text, Attachments: att, Blocks: blocks, overrides: &ov, repost: true})
}

// RateLimitError is a 429 that says when to retry.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return "rate limited; retry later" }
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// checkPostLimit holds each bot token to its posting rate per channel.
func (s *Service) checkPostLimit(actor *Actor, channelID int64) error {
	if actor.Scopes == nil {
		return nil
	}
	ok, wait := s.opts.BotPostLimiter.Allow(strconv.FormatInt(actor.TokenID, 10) + ":" + strconv.FormatInt(channelID, 10))
	if !ok {
		return &RateLimitError{RetryAfter: wait}
	}
	return nil
}
