package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// Subscription is an outgoing webhook: which events of which channels are
// POSTed, signed, to which URL, and in which format.
type Subscription struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	URL                string   `json:"url"`
	CreatorID          int64    `json:"creator_id"`
	BotID              *int64   `json:"bot_id"`
	ChannelIDs         []int64  `json:"channel_ids"`
	EventTypes         []string `json:"event_types"`
	TriggerWords       []string `json:"trigger_words"`
	TriggerWhen        string   `json:"trigger_when"`
	Format             string   `json:"format"`
	ContentType        string   `json:"content_type"`
	IncludeBotMessages bool     `json:"include_bot_messages"`
	Active             bool     `json:"active"`
	// Token is the legacy verification token sent as the payload's token.
	Token     string `json:"token"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`

	secret     string
	createdSeq int64
}

// Formats of an outgoing webhook's requests.
const (
	FormatEvent = "event" // Slack Events API envelope
	FormatSlack = "slack" // Slack/Mattermost legacy outgoing webhook fields
)

// Trigger-word rules.
const (
	TriggerFirstWord  = "first_word"
	TriggerStartsWith = "starts_with"
)

// eventTypes are the event-log types a subscription may name.
var eventTypes = map[string]bool{
	channels.EventMessageCreated: true, channels.EventMessageUpdated: true, channels.EventMessageDeleted: true,
	channels.EventReactionAdded: true, channels.EventReactionRemoved: true,
	channels.EventMemberJoined: true, channels.EventMemberLeft: true,
	channels.EventChannelCreated: true, channels.EventChannelUpdated: true,
	channels.EventChannelArchived: true, channels.EventChannelUnarchived: true,
}

// SubscriptionInput creates or (with nil fields left alone) updates a
// subscription.
type SubscriptionInput struct {
	Name               *string   `json:"name"`
	URL                *string   `json:"url"`
	BotID              *int64    `json:"bot_id"`
	ChannelIDs         *[]int64  `json:"channel_ids"`
	EventTypes         *[]string `json:"event_types"`
	TriggerWords       *[]string `json:"trigger_words"`
	TriggerWhen        *string   `json:"trigger_when"`
	Format             *string   `json:"format"`
	ContentType        *string   `json:"content_type"`
	IncludeBotMessages *bool     `json:"include_bot_messages"`
	Active             *bool     `json:"active"`
}

// OutgoingOptions configure the outgoing webhooks service.
type OutgoingOptions struct {
	// Workers send deliveries concurrently (default 32).
	Workers int
	// Backoff is the first retry delay, doubled per attempt with jitter
	// (default 10 s); MaxAge ends retrying (default 24 h), and a
	// subscription that has failed every delivery for MaxAge is disabled.
	Backoff time.Duration
	MaxAge  time.Duration
	// CanUseBot checks that actor may make a subscription reply as botID
	// (cmd/parley wires the bots package); nil lets only admins.
	CanUseBot func(ctx context.Context, actor *channels.Actor, botID int64) error
	// ObserveAttempt, when set, is told each attempt's result (succeeded,
	// retrying or failed) and how long the receiver took; cmd/parley
	// turns it into metrics.
	ObserveAttempt func(result string, latency time.Duration)
	// Now is the clock delivery runs by (default time.Now): when an
	// attempt is recorded, when a retry is due, how old a delivery is and
	// how long a subscription has been failing. The feeder looks at the
	// queue again at least once a second, so a clock moved forward is
	// noticed then. The dispatcher queues new deliveries at the real
	// time, so a clock of one's own starts at time.Now() and only moves on.
	Now func() time.Time
}

// Attempt results, as ObserveAttempt reports them.
const (
	ResultSucceeded = "succeeded"
	ResultRetrying  = "retrying"
	ResultFailed    = "failed"
)

// OutgoingStats is the delivery pipeline's state, for metrics and status.
type OutgoingStats struct {
	// Pending deliveries are waiting for their first attempt or a retry.
	Pending int64
	// Lag is how many events the dispatcher has not read yet.
	Lag int64
	// InFlight deliveries are with a worker: being attempted, or their
	// attempt's follow-up (a reply to post, a disabled subscription's
	// notice) is not done yet. It is read after Pending, so both 0 means
	// nothing queued when Stats was called is still being worked on.
	InFlight int64
}

// Stats reads the queue's size and the dispatcher's distance from the log
// head.
func (o *Outgoing) Stats(ctx context.Context) (OutgoingStats, error) {
	var st OutgoingStats
	if err := o.db.ReadRow(ctx, `SELECT COUNT(*) FROM outgoing_deliveries WHERE state = 'pending'`).Scan(&st.Pending); err != nil {
		return st, fmt.Errorf("count pending deliveries: %w", err)
	}
	head, _, err := o.svc.Log.Head(ctx)
	if err != nil {
		return st, err
	}
	if read := o.readUpTo.Load(); read > 0 && head > read {
		st.Lag = head - read
	}
	st.InFlight = o.inFlight.Load()
	return st, nil
}

// Outgoing manages outgoing webhook subscriptions and their delivery.
type Outgoing struct {
	svc    *channels.Service
	db     *sqlite.DB
	sender *Sender
	log    *slog.Logger
	opts   OutgoingOptions

	due  chan struct{} // wakes the workers
	recs chan *record  // attempts for the recorder, while running
	// inFlight counts the deliveries workers are busy with (Stats).
	inFlight atomic.Int64
	// The dispatcher's position in the log as far as it has read (Stats
	// reads it too), and when it last persisted it (only the follow
	// goroutine touches that).
	readUpTo    atomic.Int64
	persistedAt time.Time
	// The dispatcher's copy of the active subscriptions (see
	// activeSubscriptions). Writes that change subscriptions count
	// themselves in subsStarted before and subsFinished after.
	subsStarted  atomic.Int64
	subsFinished atomic.Int64
	subs         []Subscription
	subsGen      int64
	subsReadAt   time.Time
	look         *lookups // users and channels, for the follow goroutine
	lookAt       time.Time
	workerSubs   subsCache
	stopMu       sync.Mutex
	cancel       context.CancelFunc
	done         sync.WaitGroup
	running      bool
}

// NewOutgoing returns the outgoing webhooks service; Start runs delivery.
func NewOutgoing(svc *channels.Service, sender *Sender, logger *slog.Logger, opts OutgoingOptions) *Outgoing {
	if opts.Workers <= 0 {
		opts.Workers = 32
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 10 * time.Second
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Outgoing{svc: svc, db: svc.DB(), sender: sender, log: logger, opts: opts, due: make(chan struct{}, 1),
		workerSubs: subsCache{byID: map[int64]*Subscription{}}}
}

const subscriptionColumns = `id, creator_id, bot_id, name, url, secret, token, channel_ids, event_types, trigger_words,
	trigger_when, format, content_type, include_bot_messages, active, created_seq, created_at, updated_at`

func scanSubscription(row interface{ Scan(...any) error }, s *Subscription) error {
	var chans, types, words string
	if err := row.Scan(&s.ID, &s.CreatorID, &s.BotID, &s.Name, &s.URL, &s.secret, &s.Token, &chans, &types, &words,
		&s.TriggerWhen, &s.Format, &s.ContentType, &s.IncludeBotMessages, &s.Active, &s.createdSeq, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return err
	}
	s.ChannelIDs, s.EventTypes, s.TriggerWords = []int64{}, []string{}, []string{}
	return errors.Join(json.Unmarshal([]byte(chans), &s.ChannelIDs), json.Unmarshal([]byte(types), &s.EventTypes),
		json.Unmarshal([]byte(words), &s.TriggerWords))
}

// apply validates in against s, which it updates.
func (o *Outgoing) apply(ctx context.Context, actor *channels.Actor, s *Subscription, in SubscriptionInput) error {
	if in.Name != nil {
		s.Name = strings.TrimSpace(*in.Name)
	}
	if s.Name == "" || len(s.Name) > 80 {
		return channels.Invalid("invalid_name", "name", "name must be 1 to 80 characters")
	}
	if in.URL != nil {
		s.URL = strings.TrimSpace(*in.URL)
	}
	if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s.URL) > 2000 {
		return channels.Invalid("invalid_url", "url", "url must be an absolute http or https URL")
	}
	if in.BotID != nil {
		if *in.BotID == 0 {
			s.BotID = nil
		} else {
			u, err := o.svc.User(ctx, *in.BotID)
			if err != nil || u.Kind != channels.KindBot {
				return channels.Invalid("invalid_bot_id", "bot_id", "bot_id is not a bot")
			}
			if o.opts.CanUseBot != nil {
				if err := o.opts.CanUseBot(ctx, actor, *in.BotID); err != nil {
					return channels.Invalid("invalid_bot_id", "bot_id", "bot_id is not a bot you manage")
				}
			} else if !actor.IsAdmin {
				return channels.Invalid("invalid_bot_id", "bot_id", "bot_id is not a bot you manage")
			}
			id := *in.BotID
			s.BotID = &id
		}
	}
	if in.ChannelIDs != nil {
		s.ChannelIDs = append([]int64{}, (*in.ChannelIDs)...)
		if len(s.ChannelIDs) > 100 {
			return channels.Invalid("too_many_channels", "channel_ids", "at most 100 channels")
		}
		for _, id := range s.ChannelIDs {
			// Only channels the creator can read; a private one they are
			// not in is not found.
			if _, err := o.svc.Channel(ctx, actor, id); err != nil {
				return err
			}
		}
	}
	if in.EventTypes != nil {
		s.EventTypes = append([]string{}, (*in.EventTypes)...)
	}
	for _, t := range s.EventTypes {
		if !eventTypes[t] {
			return channels.Invalid("invalid_event_type", "event_types", "unknown event type %q", t)
		}
	}
	if in.TriggerWords != nil {
		s.TriggerWords = s.TriggerWords[:0]
		for _, w := range *in.TriggerWords {
			if w = strings.TrimSpace(w); w != "" {
				s.TriggerWords = append(s.TriggerWords, w)
			}
		}
		if len(s.TriggerWords) > 50 {
			return channels.Invalid("too_many_trigger_words", "trigger_words", "at most 50 trigger words")
		}
	}
	if in.TriggerWhen != nil {
		s.TriggerWhen = *in.TriggerWhen
	}
	if s.TriggerWhen == "" {
		s.TriggerWhen = TriggerFirstWord
	}
	if s.TriggerWhen != TriggerFirstWord && s.TriggerWhen != TriggerStartsWith {
		return channels.Invalid("invalid_trigger_when", "trigger_when", "trigger_when is first_word or starts_with")
	}
	if in.Format != nil {
		s.Format = *in.Format
	}
	if s.Format == "" {
		s.Format = FormatEvent
	}
	if s.Format != FormatEvent && s.Format != FormatSlack {
		return channels.Invalid("invalid_format", "format", "format is slack or event")
	}
	if in.ContentType != nil {
		s.ContentType = *in.ContentType
	}
	if s.ContentType == "" {
		s.ContentType = "application/json"
		if s.Format == FormatSlack {
			s.ContentType = "application/x-www-form-urlencoded"
		}
	}
	if s.ContentType != "application/json" && s.ContentType != "application/x-www-form-urlencoded" {
		return channels.Invalid("invalid_content_type", "content_type", "content_type is application/json or application/x-www-form-urlencoded")
	}
	if s.Format == FormatEvent && s.ContentType != "application/json" {
		return channels.Invalid("invalid_content_type", "content_type", "the event format is sent as application/json")
	}
	if in.IncludeBotMessages != nil {
		s.IncludeBotMessages = *in.IncludeBotMessages
	}
	if in.Active != nil {
		s.Active = *in.Active
	}
	return nil
}

// Create makes a subscription owned by actor and returns it with its
// signing secret, shown only here and on rotation.
func (o *Outgoing) Create(ctx context.Context, actor *channels.Actor, in SubscriptionInput) (*Subscription, string, error) {
	if actor.TokenKind == channels.TokenBot {
		return nil, "", channels.Forbidden("bots_cannot_manage_webhooks", "bot tokens cannot manage outgoing webhooks")
	}
	s := &Subscription{CreatorID: actor.ID, Active: true, ChannelIDs: []int64{}, EventTypes: []string{}, TriggerWords: []string{}}
	if err := o.apply(ctx, actor, s, in); err != nil {
		return nil, "", err
	}
	head, _, err := o.svc.Log.Head(ctx)
	if err != nil {
		return nil, "", err
	}
	s.secret, s.Token, s.createdSeq = channels.NewSecret("pws_"), channels.NewSecret("")[:26], head
	if err := o.checkDestination(ctx, s); err != nil {
		return nil, "", err
	}
	chans, types, words := jsonOf(s.ChannelIDs), jsonOf(s.EventTypes), jsonOf(s.TriggerWords)
	err = o.writeSubscriptions(ctx, func(tx *sqlite.Tx) error {
		now := time.Now().UnixMilli()
		s.CreatedAt, s.UpdatedAt = now, now
		res, err := tx.Exec(`INSERT INTO outgoing_webhooks (creator_id, bot_id, name, url, secret, token, channel_ids, event_types,
			trigger_words, trigger_when, format, content_type, include_bot_messages, active, created_seq, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			s.CreatorID, s.BotID, s.Name, s.URL, s.secret, s.Token, chans, types, words, s.TriggerWhen, s.Format,
			s.ContentType, s.IncludeBotMessages, s.Active, s.createdSeq, now, now)
		if err != nil {
			return err
		}
		s.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("create outgoing webhook: %w", err)
	}
	return s, s.secret, nil
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// subscription loads any live subscription by id.
func (o *Outgoing) subscription(ctx context.Context, id int64) (*Subscription, error) {
	var s Subscription
	err := scanSubscription(o.db.ReadRow(ctx, `SELECT `+subscriptionColumns+` FROM outgoing_webhooks WHERE id = ? AND deleted_at = 0`, id), &s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("outgoing_webhook")
	}
	if err != nil {
		return nil, fmt.Errorf("load outgoing webhook %d: %w", id, err)
	}
	return &s, nil
}

// Get returns a subscription the actor manages (its creator, or an admin);
// others get not found.
func (o *Outgoing) Get(ctx context.Context, actor *channels.Actor, id int64) (*Subscription, error) {
	if actor.TokenKind == channels.TokenBot {
		return nil, channels.NotFound("outgoing_webhook")
	}
	s, err := o.subscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.CreatorID != actor.ID && !actor.IsAdmin {
		return nil, channels.NotFound("outgoing_webhook")
	}
	return s, nil
}

// List returns the actor's subscriptions (every one for an admin).
func (o *Outgoing) List(ctx context.Context, actor *channels.Actor) ([]Subscription, error) {
	if actor.TokenKind == channels.TokenBot {
		return []Subscription{}, nil
	}
	rows, err := o.db.Reader.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM outgoing_webhooks
		WHERE deleted_at = 0 AND (creator_id = ? OR ?) ORDER BY id`, actor.ID, actor.IsAdmin)
	if err != nil {
		return nil, fmt.Errorf("list outgoing webhooks: %w", err)
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		var s Subscription
		if err := scanSubscription(rows, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Update changes the fields in p.
func (o *Outgoing) Update(ctx context.Context, actor *channels.Actor, id int64, p SubscriptionInput) (*Subscription, error) {
	s, err := o.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	oldURL, oldFormat := s.URL, s.Format
	if err := o.apply(ctx, actor, s, p); err != nil {
		return nil, err
	}
	if s.URL != oldURL || s.Format != oldFormat {
		if err := o.checkDestination(ctx, s); err != nil {
			return nil, err
		}
	}
	err = o.writeSubscriptions(ctx, func(tx *sqlite.Tx) error {
		s.UpdatedAt = time.Now().UnixMilli()
		_, err := tx.Exec(`UPDATE outgoing_webhooks SET bot_id = ?, name = ?, url = ?, channel_ids = ?, event_types = ?,
			trigger_words = ?, trigger_when = ?, format = ?, content_type = ?, include_bot_messages = ?, active = ?, updated_at = ?
			WHERE id = ?`, s.BotID, s.Name, s.URL, jsonOf(s.ChannelIDs), jsonOf(s.EventTypes), jsonOf(s.TriggerWords),
			s.TriggerWhen, s.Format, s.ContentType, s.IncludeBotMessages, s.Active, s.UpdatedAt, s.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update outgoing webhook %d: %w", id, err)
	}
	return s, nil
}

// Delete removes a subscription; its pending deliveries are dropped.
func (o *Outgoing) Delete(ctx context.Context, actor *channels.Actor, id int64) error {
	if _, err := o.Get(ctx, actor, id); err != nil {
		return err
	}
	return o.writeSubscriptions(ctx, func(tx *sqlite.Tx) error {
		now := time.Now().UnixMilli()
		if _, err := tx.Exec(`UPDATE outgoing_webhooks SET deleted_at = ?, active = 0 WHERE id = ?`, now, id); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE outgoing_deliveries SET state = 'failed', last_reason = 'webhook_deleted', updated_at = ?
			WHERE webhook_id = ? AND state = 'pending'`, now, id)
		return err
	})
}

// RotateSecret replaces the signing secret and returns the new one.
func (o *Outgoing) RotateSecret(ctx context.Context, actor *channels.Actor, id int64) (*Subscription, string, error) {
	s, err := o.Get(ctx, actor, id)
	if err != nil {
		return nil, "", err
	}
	s.secret = channels.NewSecret("pws_")
	err = o.writeSubscriptions(ctx, func(tx *sqlite.Tx) error {
		s.UpdatedAt = time.Now().UnixMilli()
		_, err := tx.Exec(`UPDATE outgoing_webhooks SET secret = ?, updated_at = ? WHERE id = ?`, s.secret, s.UpdatedAt, id)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("rotate secret of outgoing webhook %d: %w", id, err)
	}
	return s, s.secret, nil
}
