package bots

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
	"github.com/parley-chat/parley/webhooks"
)

// AppBotEvents are the bot events an app may subscribe to, in Slack's
// names (message.* pick the channel types whose messages it gets).
var AppBotEvents = []string{
	"app_mention", "message.channels", "message.groups", "message.im", "message.mpim",
	"reaction_added", "reaction_removed", "member_joined_channel", "member_left_channel",
	"channel_created", "channel_rename", "channel_archive", "channel_unarchive", "user_change", "team_join",
}

// AppPatch holds the fields of PATCH /apps/{id}; nil leaves a field alone.
type AppPatch struct {
	Name             *string   `json:"name"`
	EventsURL        *string   `json:"events_url"`
	BotEvents        *[]string `json:"bot_events"`
	InteractivityURL *string   `json:"interactivity_url"`
	SocketMode       *bool     `json:"socket_mode"`
}

// UpdateApp changes an app's settings. A new events URL must pass Slack's
// url_verification handshake signed with the app's secret (so a Bolt app
// already verifying signatures accepts it); an interactivity URL must pass
// the SSRF guard. A refused change changes nothing.
func (s *Service) UpdateApp(ctx context.Context, actor *channels.Actor, id int64, p AppPatch) (*App, error) {
	a, err := s.App(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	next := *a
	if p.Name != nil {
		if next.Name = strings.TrimSpace(*p.Name); next.Name == "" || utf8.RuneCountInString(next.Name) > 80 {
			return nil, channels.Invalid("invalid_name", "name", "an app's name is 1-80 characters")
		}
	}
	if p.BotEvents != nil {
		if next.BotEvents, err = normalizeBotEvents(*p.BotEvents); err != nil {
			return nil, err
		}
	}
	if p.SocketMode != nil {
		next.SocketMode = *p.SocketMode
	}
	if p.InteractivityURL != nil && *p.InteractivityURL != a.InteractivityURL {
		if next.InteractivityURL, err = s.checkAppURL(ctx, "interactivity_url", *p.InteractivityURL, "", false); err != nil {
			return nil, err
		}
	}
	if p.EventsURL != nil && *p.EventsURL != a.EventsURL {
		if next.EventsURL, err = s.checkAppURL(ctx, "events_url", *p.EventsURL, a.SigningSecret, true); err != nil {
			return nil, err
		}
	}
	events, _ := json.Marshal(next.BotEvents)
	next.UpdatedAt = time.Now().UnixMilli()
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE apps SET name = ?, events_url = ?, bot_events = ?, interactivity_url = ?, socket_mode = ?, updated_at = ?
			WHERE id = ?`, next.Name, next.EventsURL, string(events), next.InteractivityURL, next.SocketMode, next.UpdatedAt, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update app %d: %w", id, err)
	}
	return &next, nil
}

// checkAppURL accepts "" (no URL) or an http(s) URL the SSRF guard allows;
// with verify, it must also answer url_verification signed with secret.
func (s *Service) checkAppURL(ctx context.Context, field, raw, secret string, verify bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	if len(raw) > 2000 || !(strings.HasPrefix(raw, "http://") || strings.HasPrefix(raw, "https://")) {
		return "", channels.Invalid("invalid_url", field, "%s must be an http(s) URL", field)
	}
	if s.opts.Sender == nil {
		return "", channels.Unavailable("urls_unavailable", "this server sends no requests to apps")
	}
	if !verify {
		if err := s.opts.Sender.CheckURL(raw); err != nil {
			return "", channels.Invalid("url_not_allowed", field, "the URL's address is not allowed: %v", err)
		}
		return raw, nil
	}
	if err := webhooks.VerifyURL(ctx, s.opts.Sender, raw, "", secret); err != nil {
		var ie *channels.InputError
		if errors.As(err, &ie) {
			ie.Field = field
		}
		return "", err
	}
	return raw, nil
}

// normalizeBotEvents checks event names and drops duplicates, in the order
// of AppBotEvents.
func normalizeBotEvents(in []string) ([]string, error) {
	out := []string{}
	for _, e := range in {
		e = strings.TrimSpace(e)
		if !slices.Contains(AppBotEvents, e) {
			return nil, channels.Invalid("invalid_event", "bot_events", "%q is not a bot event; known: %s", e, strings.Join(AppBotEvents, ", "))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(AppBotEvents, a) - slices.Index(AppBotEvents, b) })
	return out, nil
}
