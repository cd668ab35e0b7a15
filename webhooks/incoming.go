package webhooks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// PrefixIncoming starts every incoming webhook secret, so a leaked hook URL
// is recognisable.
const PrefixIncoming = "plh_"

// Incoming is an incoming webhook: a secret URL that posts into its channel
// as the member who created it, under the hook's name and icon. Times are
// Unix milliseconds.
type Incoming struct {
	ID                   int64  `json:"id"`
	ChannelID            int64  `json:"channel_id"`
	CreatorID            int64  `json:"creator_id"`
	Name                 string `json:"name"`
	Description          string `json:"description"`
	Username             string `json:"username"`
	IconEmoji            string `json:"icon_emoji"`
	IconURL              string `json:"icon_url"`
	AllowChannelOverride bool   `json:"allow_channel_override"`
	CreatedAt            int64  `json:"created_at"`
	UpdatedAt            int64  `json:"updated_at"`
	LastUsedAt           *int64 `json:"last_used_at"`
}

// NewIncoming is what creating an incoming webhook takes.
type NewIncoming struct {
	ChannelID            int64  `json:"channel_id"`
	Name                 string `json:"name"`
	Description          string `json:"description"`
	Username             string `json:"username"`
	IconEmoji            string `json:"icon_emoji"`
	IconURL              string `json:"icon_url"`
	AllowChannelOverride bool   `json:"allow_channel_override"`
}

// IncomingPatch changes the fields that are set.
type IncomingPatch struct {
	ChannelID            *int64  `json:"channel_id"`
	Name                 *string `json:"name"`
	Description          *string `json:"description"`
	Username             *string `json:"username"`
	IconEmoji            *string `json:"icon_emoji"`
	IconURL              *string `json:"icon_url"`
	AllowChannelOverride *bool   `json:"allow_channel_override"`
}

// IncomingService manages incoming webhooks and posts what they receive.
type IncomingService struct {
	core    *channels.Service
	db      *sqlite.DB
	limiter *channels.RateLimiter
	// lastUsed is when each hook's last_used_at was last written (Unix
	// milliseconds): at most once a minute, so posting stays one write.
	lastUsed sync.Map
	// cache keeps recently used hooks and their creators by secret hash
	// for hookCacheTTL, so a busy hook costs no lookups; changing or
	// deleting a hook clears it.
	cache sync.Map // string(secret hash) → *cachedHook
}

// hookCacheTTL bounds how long a post may still use a hook's earlier
// settings or its creator's earlier state when they changed elsewhere (a
// deactivated creator).
const hookCacheTTL = 2 * time.Second

type cachedHook struct {
	hook    *Incoming
	creator *channels.User
	until   time.Time
}

// IncomingOptions configure incoming webhooks.
type IncomingOptions struct {
	// Limiter holds each hook's posts (keyed by hook id); nil allows all.
	Limiter *channels.RateLimiter
}

// NewIncomingService returns the incoming webhook service; the webhooks
// migrations must have run.
func NewIncomingService(core *channels.Service, opts IncomingOptions) *IncomingService {
	return &IncomingService{core: core, db: core.DB(), limiter: opts.Limiter}
}

const incomingColumns = `id, channel_id, creator_id, name, description, username, icon_emoji, icon_url,
	allow_channel_override, created_at, updated_at, last_used_at`

func scanIncoming(row interface{ Scan(...any) error }) (*Incoming, error) {
	var h Incoming
	var lastUsed int64
	err := row.Scan(&h.ID, &h.ChannelID, &h.CreatorID, &h.Name, &h.Description, &h.Username, &h.IconEmoji, &h.IconURL,
		&h.AllowChannelOverride, &h.CreatedAt, &h.UpdatedAt, &lastUsed)
	if err != nil {
		return nil, err
	}
	if lastUsed != 0 {
		h.LastUsedAt = &lastUsed
	}
	return &h, nil
}

// checkIncomingFields validates the shown name and icon of a hook.
func checkIncomingFields(h *Incoming) error {
	h.Name = strings.TrimSpace(h.Name)
	if h.Name == "" || len([]rune(h.Name)) > 80 {
		return channels.Invalid("invalid_name", "name", "name is required and at most 80 characters")
	}
	if len([]rune(h.Description)) > 500 {
		return channels.Invalid("invalid_description", "description", "description is at most 500 characters")
	}
	if len([]rune(h.Username)) > 80 {
		return channels.Invalid("invalid_username", "username", "username is at most 80 characters")
	}
	if h.IconEmoji != "" && h.IconURL != "" {
		return channels.Invalid("invalid_icon", "icon_emoji", "give icon_emoji or icon_url, not both")
	}
	// The same rule posts through the hook are held to.
	var err error
	h.IconEmoji, h.IconURL, err = channels.ValidateIcon(h.IconEmoji, h.IconURL)
	return err
}

// checkChannel makes sure the actor may post into the channel: a member of
// a channel that is not archived.
func (s *IncomingService) checkChannel(ctx context.Context, actor *channels.Actor, id int64) error {
	ch, err := s.core.Channel(ctx, actor, id)
	if err != nil {
		return err
	}
	if !ch.IsMember {
		return channels.Forbidden("not_in_channel", "only a member of the channel can add a webhook to it")
	}
	if ch.Archived {
		return channels.Forbidden("channel_archived", "the channel is archived")
	}
	return nil
}

// Create adds an incoming webhook to a channel the actor is a member of and
// returns it with its secret, which is shown only here.
func (s *IncomingService) Create(ctx context.Context, actor *channels.Actor, in NewIncoming) (*Incoming, string, error) {
	if actor.Kind != channels.KindPerson {
		return nil, "", channels.Forbidden("people_only", "only people can create incoming webhooks")
	}
	h := &Incoming{ChannelID: in.ChannelID, CreatorID: actor.ID, Name: in.Name, Description: in.Description,
		Username: in.Username, IconEmoji: in.IconEmoji, IconURL: in.IconURL, AllowChannelOverride: in.AllowChannelOverride}
	if err := checkIncomingFields(h); err != nil {
		return nil, "", err
	}
	if err := s.checkChannel(ctx, actor, in.ChannelID); err != nil {
		return nil, "", err
	}
	secret := channels.NewSecret(PrefixIncoming)
	now := time.Now().UnixMilli()
	h.CreatedAt, h.UpdatedAt = now, now
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO incoming_webhooks (secret_hash, channel_id, creator_id, name, description, username,
			icon_emoji, icon_url, allow_channel_override, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			channels.HashSecret(secret), h.ChannelID, h.CreatorID, h.Name, h.Description, h.Username, h.IconEmoji, h.IconURL,
			h.AllowChannelOverride, now, now)
		if err != nil {
			return err
		}
		h.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("create incoming webhook: %w", err)
	}
	return h, secret, nil
}

// List returns the actor's incoming webhooks, or every one for an admin.
func (s *IncomingService) List(ctx context.Context, actor *channels.Actor) ([]Incoming, error) {
	q := `SELECT ` + incomingColumns + ` FROM incoming_webhooks WHERE deleted_at = 0 AND (creator_id = ? OR ?) ORDER BY id`
	rows, err := s.db.Reader.QueryContext(ctx, q, actor.ID, actor.IsAdmin)
	if err != nil {
		return nil, fmt.Errorf("list incoming webhooks: %w", err)
	}
	defer rows.Close()
	out := []Incoming{}
	for rows.Next() {
		h, err := scanIncoming(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *h)
	}
	return out, rows.Err()
}

// Get returns one of the actor's hooks (any hook for an admin).
func (s *IncomingService) Get(ctx context.Context, actor *channels.Actor, id int64) (*Incoming, error) {
	h, err := scanIncoming(s.db.Reader.QueryRowContext(ctx,
		`SELECT `+incomingColumns+` FROM incoming_webhooks WHERE id = ? AND deleted_at = 0`, id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && h.CreatorID != actor.ID && !actor.IsAdmin) {
		return nil, channels.NotFound("incoming_webhook")
	}
	if err != nil {
		return nil, fmt.Errorf("load incoming webhook %d: %w", id, err)
	}
	return h, nil
}

// Update changes a hook; moving it to another channel needs membership
// there.
func (s *IncomingService) Update(ctx context.Context, actor *channels.Actor, id int64, p IncomingPatch) (*Incoming, error) {
	h, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&h.Name, p.Name)
	set(&h.Description, p.Description)
	set(&h.Username, p.Username)
	set(&h.IconEmoji, p.IconEmoji)
	set(&h.IconURL, p.IconURL)
	if p.IconEmoji != nil && *p.IconEmoji != "" && p.IconURL == nil {
		h.IconURL = ""
	}
	if p.IconURL != nil && *p.IconURL != "" && p.IconEmoji == nil {
		h.IconEmoji = ""
	}
	if p.AllowChannelOverride != nil {
		h.AllowChannelOverride = *p.AllowChannelOverride
	}
	if err := checkIncomingFields(h); err != nil {
		return nil, err
	}
	if p.ChannelID != nil && *p.ChannelID != h.ChannelID {
		if err := s.checkChannel(ctx, actor, *p.ChannelID); err != nil {
			return nil, err
		}
		h.ChannelID = *p.ChannelID
	}
	h.UpdatedAt = time.Now().UnixMilli()
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE incoming_webhooks SET channel_id = ?, name = ?, description = ?, username = ?, icon_emoji = ?,
			icon_url = ?, allow_channel_override = ?, updated_at = ? WHERE id = ? AND deleted_at = 0`,
			h.ChannelID, h.Name, h.Description, h.Username, h.IconEmoji, h.IconURL, h.AllowChannelOverride, h.UpdatedAt, h.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update incoming webhook %d: %w", id, err)
	}
	s.forget()
	return h, nil
}

// Delete removes a hook: its URL answers no_service from then on.
func (s *IncomingService) Delete(ctx context.Context, actor *channels.Actor, id int64) error {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return err
	}
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE incoming_webhooks SET deleted_at = ? WHERE id = ?`, time.Now().UnixMilli(), id)
		return err
	})
	s.forget()
	return err
}

// forget empties the hook cache after a change.
func (s *IncomingService) forget() {
	s.cache.Range(func(k, _ any) bool {
		s.cache.Delete(k)
		return true
	})
}

// lookup returns the live hook a URL secret belongs to and its creator.
func (s *IncomingService) lookup(ctx context.Context, secret string) (*Incoming, *channels.User, error) {
	key := string(channels.HashSecret(secret))
	if v, ok := s.cache.Load(key); ok {
		if c := v.(*cachedHook); time.Now().Before(c.until) {
			return c.hook, c.creator, nil
		}
	}
	h, err := s.hookBySecret(ctx, secret)
	if err != nil {
		return nil, nil, err
	}
	creator, err := s.core.User(ctx, h.CreatorID)
	if err != nil {
		return nil, nil, err
	}
	s.cache.Store(key, &cachedHook{hook: h, creator: creator, until: time.Now().Add(hookCacheTTL)})
	return h, creator, nil
}

// hookBySecret finds the live hook a URL secret belongs to.
func (s *IncomingService) hookBySecret(ctx context.Context, secret string) (*Incoming, error) {
	h, err := scanIncoming(s.db.Reader.QueryRowContext(ctx,
		`SELECT `+incomingColumns+` FROM incoming_webhooks WHERE secret_hash = ? AND deleted_at = 0`, channels.HashSecret(secret)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errIncomingNoService
	}
	return h, err
}

// IncomingError is a failed webhook post as Slack reports it: a status and a
// plain-text code.
type IncomingError struct {
	Status     int
	Code       string
	RetryAfter int // seconds, for 429
	Err        error
}

func (e *IncomingError) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code
}

func (e *IncomingError) Unwrap() error { return e.Err }

var errIncomingNoService = &IncomingError{Status: 404, Code: "no_service"}

// IncomingPayload is what an incoming webhook accepts: Slack's message fields and
// Mattermost's additions.
type IncomingPayload struct {
	Text        string                     `json:"text"`
	Blocks      json.RawMessage            `json:"blocks"`
	Attachments json.RawMessage            `json:"attachments"`
	Username    string                     `json:"username"`
	IconEmoji   string                     `json:"icon_emoji"`
	IconURL     string                     `json:"icon_url"`
	Channel     string                     `json:"channel"`
	ThreadTS    incomingString             `json:"thread_ts"`
	RootID      incomingString             `json:"root_id"`
	Props       map[string]json.RawMessage `json:"props"`
	Type        string                     `json:"type"`
}

// incomingString takes a JSON string or number (a ts or id may come as either).
type incomingString string

func (f *incomingString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = incomingString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = incomingString(n.String())
	return nil
}

// IncomingPosted is a message an incoming webhook posted.
type IncomingPosted struct {
	Message *channels.Message
	// Channel is set when Post was asked for it.
	Channel *channels.Channel
}

// Post posts a payload through the hook whose URL holds secret, as its
// creator. idemKey (Idempotency-Key) makes a retry return the first post;
// withChannel loads the channel posted to for the answer.
func (s *IncomingService) Post(ctx context.Context, secret string, p IncomingPayload, idemKey string, withChannel bool) (*IncomingPosted, error) {
	h, creator, err := s.lookup(ctx, secret)
	if err != nil {
		return nil, err
	}
	if ok, wait := s.limiter.Allow(strconv.FormatInt(h.ID, 10)); !ok {
		return nil, &IncomingError{Status: 429, Code: "rate_limited", RetryAfter: channels.RetryAfterSeconds(wait)}
	}
	if strings.TrimSpace(p.Text) == "" && incomingEmptyJSON(p.Blocks) && incomingEmptyJSON(p.Attachments) {
		return nil, &IncomingError{Status: 400, Code: "no_text"}
	}
	if strings.HasPrefix(p.Type, "system_") {
		return nil, &IncomingError{Status: 400, Code: "invalid_payload", Err: errors.New("type must not start with system_")}
	}
	if creator.Deactivated {
		return nil, errIncomingNoService
	}
	actor := &channels.Actor{User: *creator}

	channelID := h.ChannelID
	var ch *channels.Channel
	if p.Channel != "" && h.AllowChannelOverride {
		if ch, err = s.overrideChannel(ctx, actor, p.Channel); err != nil {
			return nil, err
		}
		channelID = ch.ID
	}

	in := channels.NewMessage{Text: p.Text, Markup: channels.MarkupMrkdwn, Blocks: p.Blocks,
		Attachments: incomingFieldValues(p.Attachments)}
	if idemKey != "" {
		in.IdempotencyKey = "hook:" + strconv.FormatInt(h.ID, 10) + ":" + idemKey
	}
	in.Username = incomingFirst(p.Username, h.Username, h.Name)
	switch {
	case p.IconURL != "":
		in.IconURL = p.IconURL
	case p.IconEmoji != "":
		in.IconEmoji = p.IconEmoji
	default:
		in.IconEmoji, in.IconURL = h.IconEmoji, h.IconURL
	}
	if ts := string(p.ThreadTS); ts != "" {
		if in.ThreadID, err = incomingThread(ts); err != nil {
			return nil, err
		}
	} else if root := string(p.RootID); root != "" {
		if in.ThreadID, err = incomingThread(root); err != nil {
			return nil, err
		}
	}
	if in.Props, in.ServerProps, err = incomingProps(h, p); err != nil {
		return nil, err
	}

	m, _, err := s.core.PostMessage(ctx, actor, channelID, in)
	if err != nil {
		return nil, incomingPostError(err)
	}
	s.touch(ctx, h.ID, m.CreatedAt)
	if ch == nil && withChannel {
		if ch, err = s.core.Channel(ctx, actor, channelID); err != nil {
			return nil, err
		}
	}
	return &IncomingPosted{Message: m, Channel: ch}, nil
}

// touch records that a hook was used, at most once a minute.
func (s *IncomingService) touch(ctx context.Context, id, now int64) {
	if last, ok := s.lastUsed.Load(id); ok && now-last.(int64) < time.Minute.Milliseconds() {
		return
	}
	s.lastUsed.Store(id, now)
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE incoming_webhooks SET last_used_at = ? WHERE id = ?`, now, id)
		return err
	})
	if err != nil {
		s.lastUsed.Delete(id)
	}
}

// overrideChannel resolves a payload's channel: #name or name, @username
// (a DM between the creator and that person), or an id (12 or C12).
func (s *IncomingService) overrideChannel(ctx context.Context, actor *channels.Actor, name string) (*channels.Channel, error) {
	notFound := &IncomingError{Status: 404, Code: "channel_not_found"}
	switch {
	case strings.HasPrefix(name, "@"):
		u, err := s.core.UserByName(ctx, strings.TrimPrefix(name, "@"))
		if err != nil {
			if errors.Is(err, channels.ErrNotFound) {
				return nil, &IncomingError{Status: 400, Code: "user_not_found"}
			}
			return nil, err
		}
		ch, _, err := s.core.OpenDM(ctx, actor, []int64{u.ID})
		if err != nil {
			return nil, incomingPostError(err)
		}
		return ch, nil
	case strings.HasPrefix(name, "#"):
		name = strings.TrimPrefix(name, "#")
	default:
		id, err := strconv.ParseInt(strings.TrimLeft(name, "CDG"), 10, 64)
		if err == nil && id > 0 {
			ch, err := s.core.Channel(ctx, actor, id)
			if err == nil {
				return ch, nil
			}
			if !errors.Is(err, channels.ErrNotFound) {
				return nil, err
			}
		}
	}
	ch, err := s.core.ChannelByName(ctx, actor, name)
	if errors.Is(err, channels.ErrNotFound) {
		return nil, notFound
	}
	return ch, err
}

// incomingPostError turns the core's refusals into Slack's webhook answers.
func incomingPostError(err error) error {
	var ce *channels.Error
	var ie *channels.InputError
	switch {
	case errors.As(err, &ce) && ce.Code == "channel_archived":
		return &IncomingError{Status: 410, Code: "channel_is_archived", Err: err}
	case errors.Is(err, channels.ErrNotFound):
		if errors.As(err, &ce) && ce.Code == "message_not_found" || ce != nil && ce.Code == "thread_not_found" {
			return &IncomingError{Status: 400, Code: "invalid_thread_ts", Err: err}
		}
		return &IncomingError{Status: 404, Code: "channel_not_found", Err: err}
	case errors.Is(err, channels.ErrForbidden):
		return &IncomingError{Status: 403, Code: "action_prohibited", Err: err}
	case errors.Is(err, channels.ErrRateLimited):
		return &IncomingError{Status: 429, Code: "rate_limited", RetryAfter: 1, Err: err}
	case errors.As(err, &ie):
		code := ie.Code
		if code == "too_many_attachments" || code == "invalid_blocks" {
			return &IncomingError{Status: 400, Code: code, Err: err}
		}
		return &IncomingError{Status: 400, Code: "invalid_payload", Err: err}
	}
	return err
}

func incomingThread(s string) (int64, error) {
	if _, frac, ok := strings.Cut(s, "."); ok {
		s = frac
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &IncomingError{Status: 400, Code: "invalid_thread_ts"}
	}
	return id, nil
}

// incomingProps are the payload's props, less the keys a webhook may not
// set (dropped, as Mattermost does), and the server's marks of a webhook post.
func incomingProps(h *Incoming, p IncomingPayload) (json.RawMessage, map[string]any, error) {
	props := map[string]json.RawMessage{}
	for k, v := range p.Props {
		if k == "attachments" || slices.Contains(channels.ReservedProps, k) {
			continue
		}
		props[k] = v
	}
	marks := map[string]any{"from_webhook": "true", "webhook_id": h.ID, "webhook_display_name": h.Name}
	if p.Type != "" {
		marks["type"] = p.Type
	}
	if len(props) == 0 {
		return nil, marks, nil
	}
	raw, err := json.Marshal(props)
	return raw, marks, err
}

// incomingFieldValues makes every attachment field value a string, as
// Mattermost does (senders put numbers and booleans there).
func incomingFieldValues(raw json.RawMessage) json.RawMessage {
	// The expression spares most payloads the parse; a key written with
	// escapes ("\u0076alue") is seen only by parsing.
	if incomingEmptyJSON(raw) || !nonStringValue.Match(raw) && !bytes.Contains(raw, []byte(`\u`)) {
		return raw
	}
	var atts []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &atts); err != nil {
		return raw // the core reports what is wrong with it
	}
	changed := false
	for _, a := range atts {
		var fields []map[string]json.RawMessage
		if err := json.Unmarshal(a["fields"], &fields); err != nil {
			continue
		}
		for _, f := range fields {
			v := f["value"]
			if len(v) > 0 && v[0] != '"' && string(v) != "null" {
				f["value"], _ = json.Marshal(string(v))
				changed = true
			}
		}
		a["fields"], _ = json.Marshal(fields)
	}
	if !changed {
		return raw
	}
	out, err := json.Marshal(atts)
	if err != nil {
		return raw
	}
	return out
}

// nonStringValue finds a "value" key whose value is not a string.
var nonStringValue = regexp.MustCompile(`"value"\s*:\s*[^"\s]`)

func incomingEmptyJSON(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null" || s == "[]"
}

func incomingFirst(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
