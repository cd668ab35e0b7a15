package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/slackwire"
	"github.com/parley-chat/parley/channels/sqlite"
)

// dispatchBatch is how many events the dispatcher reads at a time.
const dispatchBatch = 256

// newDelivery is a queued delivery about to be written.
type newDelivery struct {
	webhookID   int64
	eventID     string
	seq         int64
	eventType   string
	body        []byte
	contentType string
}

// follow reads the event log after the persisted cursor and turns matching
// events into delivery rows, one write per batch (rows and cursor
// together, so a crash neither loses nor duplicates a delivery). While no
// subscription is active, it moves past the events without reading them.
func (o *Outgoing) follow(ctx context.Context) {
	var retry channels.Backoff
	from, err := o.cursor(ctx)
	for err != nil {
		o.log.Error("outgoing webhooks: read the cursor", "err", err)
		if !retry.Wait(ctx) {
			return
		}
		from, err = o.cursor(ctx)
	}
	o.readUpTo.Store(from)
	noSubscriptions := func(ctx context.Context) (bool, error) {
		subs, err := o.activeSubscriptions(ctx)
		return len(subs) == 0, err
	}
	o.svc.Log.Follow(ctx, from, channels.FollowOptions{Batch: dispatchBatch, Skip: noSubscriptions,
		Failed: func(err error) { o.log.Error("outgoing webhooks: dispatch", "err", err) }}, o.dispatch)
}

// cursor returns the dispatcher's position, starting at the log's head the
// first time (history before outgoing webhooks existed is not sent).
func (o *Outgoing) cursor(ctx context.Context) (int64, error) {
	var seq int64
	err := o.db.ReadRow(ctx, `SELECT seq FROM outgoing_cursor WHERE id = 1`).Scan(&seq)
	if err == nil {
		return seq, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read outgoing webhook cursor: %w", err)
	}
	head, _, err := o.svc.Log.Head(ctx)
	if err != nil {
		return 0, err
	}
	err = o.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT OR IGNORE INTO outgoing_cursor (id, seq) VALUES (1, ?)`, head)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("start outgoing webhook cursor: %w", err)
	}
	return o.cursor(ctx)
}

// writeSubscriptions runs a write that changes subscriptions, counted so
// that the dispatcher knows to read them again.
func (o *Outgoing) writeSubscriptions(ctx context.Context, fn func(tx *sqlite.Tx) error) error {
	o.subsStarted.Add(1)
	defer o.subsFinished.Add(1)
	return o.db.Write(ctx, fn)
}

// subsMaxAge bounds how long the dispatcher trusts its copy of the active
// subscriptions, in case something other than this service changed them.
const subsMaxAge = 5 * time.Second

// activeSubscriptions returns the subscriptions that may match events. It
// runs after every commit, so it reads them from the database only when
// they may have changed: while a change is in flight, or when one finished
// since the copy was read. A copy kept is therefore as new as the database
// at the moment of the call, which is what dispatch relies on when it calls
// this after reading the events. Only the follow goroutine calls it.
func (o *Outgoing) activeSubscriptions(ctx context.Context) ([]Subscription, error) {
	finished := o.subsFinished.Load()
	settled := o.subsStarted.Load() == finished
	if settled && finished == o.subsGen && !o.subsReadAt.IsZero() && time.Since(o.subsReadAt) < subsMaxAge {
		return o.subs, nil
	}
	rows, err := o.db.Reader.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM outgoing_webhooks WHERE deleted_at = 0 AND active = 1`)
	if err != nil {
		return nil, fmt.Errorf("list active outgoing webhooks: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var s Subscription
		if err := scanSubscription(rows, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	o.subs, o.subsReadAt = out, time.Now()
	if settled {
		o.subsGen = finished
	} else {
		o.subsGen = -1 // read while a change was in flight: read again next time
	}
	return out, nil
}

// cursorPersistEvery bounds how often a dispatcher with nothing to deliver
// writes its cursor: writing it after every commit would double the
// writes. Re-reading a few events after a crash is harmless, since a
// delivery is unique per subscription and event.
const cursorPersistEvery = time.Second

// dispatch queues the deliveries a batch of events calls for, and moves the
// cursor to upTo. An empty batch (nothing could match) only moves it.
func (o *Outgoing) dispatch(ctx context.Context, events []channels.Event, upTo int64) error {
	if len(events) == 0 {
		return o.advance(ctx, upTo)
	}
	// Subscriptions are read after the events they are matched against:
	// one created meanwhile starts at its own creation, which is then past
	// every event read.
	subs, err := o.activeSubscriptions(ctx)
	if err != nil {
		return err
	}
	look := o.lookupsFor(events)
	var queue []newDelivery
	for _, e := range events {
		look.apply(e)
		for i := range subs {
			if d, ok := o.match(ctx, look, &subs[i], e); ok {
				queue = append(queue, d)
			}
		}
	}
	last := upTo
	if len(queue) == 0 {
		return o.advance(ctx, last)
	}
	err = o.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := o.now().UnixMilli()
		for _, d := range queue {
			if _, err := tx.Exec(`INSERT OR IGNORE INTO outgoing_deliveries (webhook_id, event_id, event_seq, event_type, body,
				content_type, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				d.webhookID, d.eventID, d.seq, d.eventType, d.body, d.contentType, now, now, now); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`UPDATE outgoing_cursor SET seq = ? WHERE id = 1 AND seq < ?`, last, last)
		return err
	})
	if err != nil {
		return fmt.Errorf("queue outgoing deliveries up to %d: %w", last, err)
	}
	o.readUpTo.Store(last)
	o.persistedAt = time.Now()
	o.wakeWorkers()
	return nil
}

// lookupsMaxAge bounds how long the dispatcher trusts the users and
// channels it looked up, in case something changed them without an event.
const lookupsMaxAge = 5 * time.Second

// lookupsFor returns the lookups to match a batch of events with: the ones
// of the batches before, unless they are old or the batch holds an event
// that may change a user, a channel or a membership (anything but messages,
// reactions and read positions). Such a change is logged with the write
// that makes it, so looked-up state is never older than the events
// matched against it. Only the follow goroutine calls it.
func (o *Outgoing) lookupsFor(events []channels.Event) *lookups {
	fresh := o.look == nil || time.Since(o.lookAt) >= lookupsMaxAge
	for _, e := range events {
		if fresh {
			break
		}
		switch e.Type {
		case channels.EventMessageCreated, channels.EventMessageUpdated, channels.EventMessageDeleted,
			channels.EventReactionAdded, channels.EventReactionRemoved, channels.EventReadUpdated:
		default:
			fresh = true
		}
	}
	if fresh {
		o.look = &lookups{o: o, users: map[int64]*channels.User{}, chans: map[[2]int64]*channels.Channel{}}
		o.lookAt = time.Now()
	}
	o.look.msgs, o.look.roots = map[int64]decodedMessage{}, map[int64]string{}
	return o.look
}

// lookups caches users and channel visibility across batches (see
// lookupsFor), and the batch's decoded messages.
type lookups struct {
	o     *Outgoing
	users map[int64]*channels.User
	chans map[[2]int64]*channels.Channel
	msgs  map[int64]decodedMessage // by event seq: decoded once for every subscription
	roots map[int64]string         // thread root id -> its ts, for the batch
}

// decodedMessage is a message event's message, and whether an
// integration posted it; msg is nil when the payload does not decode.
type decodedMessage struct {
	msg         *channels.Message
	fromWebhook bool
}

// message decodes the message a message.* event carries.
func (l *lookups) message(e channels.Event) decodedMessage {
	if d, ok := l.msgs[e.Seq]; ok {
		return d
	}
	var d decodedMessage
	m := &channels.Message{}
	if json.Unmarshal(e.Data, m) == nil {
		d = decodedMessage{msg: m, fromWebhook: fromWebhook(m)}
	}
	l.msgs[e.Seq] = d
	return d
}

// apply keeps the looked-up users as of e, in log order: the lookups of a
// batch read the users as they are now, which may be after a later event
// of the batch (a person deactivated, then back, must not have their
// subscriptions fire for what was posted meanwhile).
func (l *lookups) apply(e channels.Event) {
	if e.Type != channels.EventUserUpdated {
		return
	}
	u := &channels.User{}
	if json.Unmarshal(e.Data, u) != nil || u.ID == 0 {
		return
	}
	l.users[u.ID] = u
	for key := range l.chans {
		if key[0] == u.ID {
			delete(l.chans, key) // seen again as this user is now
		}
	}
}

// rootTS is the ts of the thread root a reply is under, as the viewer
// (the subscription's creator, who may read the channel) sees it; "" for a
// message that is not a reply, or a root no longer readable.
func (l *lookups) rootTS(ctx context.Context, viewerID int64, m *channels.Message) string {
	if m == nil || m.ThreadID == nil {
		return ""
	}
	if ts, ok := l.roots[*m.ThreadID]; ok {
		return ts
	}
	ts := ""
	if u := l.user(ctx, viewerID); u != nil {
		if root, err := l.o.svc.Message(ctx, &channels.Actor{User: *u}, *m.ThreadID); err == nil {
			ts = slackwire.MessageTS(root)
		}
	}
	l.roots[*m.ThreadID] = ts
	return ts
}

func (l *lookups) user(ctx context.Context, id int64) *channels.User {
	if u, ok := l.users[id]; ok {
		return u
	}
	u, err := l.o.svc.User(ctx, id)
	if err != nil {
		if !errors.Is(err, channels.ErrNotFound) {
			return nil // not kept: the next batch asks again
		}
		u = nil
	}
	l.users[id] = u
	return u
}

// channel returns the channel as the subscription's creator sees it, or nil
// when they may not read it (a private channel they are not in).
func (l *lookups) channel(ctx context.Context, viewerID, id int64) *channels.Channel {
	key := [2]int64{viewerID, id}
	if c, ok := l.chans[key]; ok {
		return c
	}
	var c *channels.Channel
	if u := l.user(ctx, viewerID); u != nil && !u.Deactivated {
		var err error
		c, err = l.o.svc.Channel(ctx, &channels.Actor{User: *u}, id)
		if err != nil && !errors.Is(err, channels.ErrNotFound) && !errors.Is(err, channels.ErrForbidden) {
			return nil // not kept: the next batch asks again
		}
	}
	l.chans[key] = c
	return c
}

// match decides whether e goes to s and, if so, builds its body.
func (o *Outgoing) match(ctx context.Context, look *lookups, s *Subscription, e channels.Event) (newDelivery, bool) {
	if e.Seq <= s.createdSeq || e.ChannelID == nil {
		return newDelivery{}, false
	}
	types := s.EventTypes
	if len(types) == 0 || s.Format == FormatSlack {
		types = []string{channels.EventMessageCreated}
	}
	if !slices.Contains(types, e.Type) {
		return newDelivery{}, false
	}
	ch := look.channel(ctx, s.CreatorID, *e.ChannelID)
	if ch == nil {
		return newDelivery{}, false
	}
	if len(s.ChannelIDs) == 0 {
		if ch.Kind != channels.ChannelPublic {
			return newDelivery{}, false
		}
	} else if !slices.Contains(s.ChannelIDs, ch.ID) {
		return newDelivery{}, false
	}
	var actor *channels.User
	if e.ActorID != nil {
		// Loop safety: never a subscription's own bot.
		if s.BotID != nil && *e.ActorID == *s.BotID {
			return newDelivery{}, false
		}
		actor = look.user(ctx, *e.ActorID)
	}
	var dm decodedMessage
	if strings.HasPrefix(e.Type, "message.") {
		if dm = look.message(e); dm.msg == nil {
			return newDelivery{}, false
		}
	}
	msg := dm.msg
	if !s.IncludeBotMessages && (actor != nil && actor.Kind == channels.KindBot || dm.fromWebhook) {
		return newDelivery{}, false
	}
	trigger := ""
	if len(s.TriggerWords) > 0 {
		if e.Type != channels.EventMessageCreated && e.Type != channels.EventMessageUpdated {
			return newDelivery{}, false
		}
		var ok bool
		if trigger, ok = matchTrigger(s.TriggerWords, s.TriggerWhen, msg.Text); !ok {
			return newDelivery{}, false
		}
	}
	d := newDelivery{webhookID: s.ID, eventID: "Ev" + strconv.FormatInt(e.Seq, 10) + "W" + strconv.FormatInt(s.ID, 10),
		seq: e.Seq, eventType: e.Type, contentType: s.ContentType}
	var err error
	if s.Format == FormatSlack {
		d.body, err = slackBody(s, ch, actor, msg, trigger)
	} else {
		d.body, err = eventBody(s, d.eventID, ch, actor, msg, look.rootTS(ctx, s.CreatorID, msg), e)
	}
	if err != nil {
		o.log.Error("outgoing webhooks: build payload", "webhook_id", s.ID, "seq", e.Seq, "err", err)
		return newDelivery{}, false
	}
	return d, true
}

// fromWebhook reports whether a message was posted by an integration (an
// incoming webhook or an outgoing webhook's reply): props.from_webhook.
func fromWebhook(m *channels.Message) bool {
	if len(m.Props) == 0 {
		return false
	}
	var p map[string]any
	if json.Unmarshal(m.Props, &p) != nil {
		return false
	}
	switch v := p["from_webhook"].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// matchTrigger applies Mattermost's rules: the first word of the text
// equals a trigger word (first_word) or starts with one (starts_with).
func matchTrigger(words []string, when, text string) (string, bool) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return "", false
	}
	first := fields[0]
	for _, w := range words {
		if first == w || when == TriggerStartsWith && strings.HasPrefix(first, w) {
			return w, true
		}
	}
	return "", false
}

// slackUserID is an author's Slack ID, "" for none.
func slackUserID(u *channels.User) string {
	if u == nil {
		return ""
	}
	return slackwire.UserID(u.ID)
}

// slackBody is the legacy outgoing webhook payload (Slack's and
// Mattermost's fields), form-encoded or JSON.
func slackBody(s *Subscription, ch *channels.Channel, author *channels.User, m *channels.Message, trigger string) ([]byte, error) {
	userName := ""
	if author != nil {
		userName = author.Username
	}
	fileIDs := make([]string, 0, len(m.Files))
	for _, f := range m.Files {
		fileIDs = append(fileIDs, strconv.FormatInt(f.ID, 10))
	}
	fields := map[string]string{
		"token": s.Token, "team_id": slackwire.TeamID, "team_domain": slackwire.TeamDomain, "channel_id": slackwire.ChannelID(ch),
		"channel_name": ch.Name, "timestamp": slackwire.MessageTS(m), "user_id": slackUserID(author), "user_name": userName,
		"post_id": strconv.FormatInt(m.ID, 10), "text": m.Text, "trigger_word": trigger, "file_ids": strings.Join(fileIDs, ","),
	}
	if m.ThreadID != nil {
		fields["thread_id"] = strconv.FormatInt(*m.ThreadID, 10)
	}
	if s.ContentType == "application/x-www-form-urlencoded" {
		v := url.Values{}
		for k, x := range fields {
			v.Set(k, x)
		}
		return []byte(v.Encode()), nil
	}
	out := map[string]any{}
	for k, x := range fields {
		out[k] = x
	}
	// JSON carries the timestamp in milliseconds, as Mattermost's does.
	out["timestamp"] = m.CreatedAt
	return json.Marshal(out)
}

// eventEnvelope and innerEvent are the Events API request; their fields
// are in alphabetical order, as a map's keys would be encoded.
type eventEnvelope struct {
	APIAppID  string     `json:"api_app_id"`
	Event     innerEvent `json:"event"`
	EventID   string     `json:"event_id"`
	EventTime int64      `json:"event_time"`
	TeamID    string     `json:"team_id"`
	Token     string     `json:"token"`
	Type      string     `json:"type"`
}

type innerEvent struct {
	BotID       string         `json:"bot_id,omitempty"`
	Channel     string         `json:"channel"`
	ChannelType string         `json:"channel_type"`
	EventTS     string         `json:"event_ts"`
	Parley      channels.Event `json:"parley"`
	Subtype     string         `json:"subtype,omitempty"`
	Text        *string        `json:"text,omitempty"`
	ThreadID    *int64         `json:"thread_id,omitempty"`
	ThreadTS    string         `json:"thread_ts,omitempty"`
	TS          string         `json:"ts,omitempty"`
	Type        string         `json:"type"`
	User        string         `json:"user,omitempty"`
}

// eventBody is the Events API envelope around the event. A new message is
// Slack's message event: its event_ts is its ts, and a reply carries its
// root's ts as thread_ts (rootTS).
func eventBody(s *Subscription, eventID string, ch *channels.Channel, actor *channels.User, m *channels.Message, rootTS string,
	e channels.Event) ([]byte, error) {
	inner := innerEvent{Type: e.Type, Channel: slackwire.ChannelID(ch), ChannelType: slackwire.ChannelType(ch),
		EventTS: slackwire.MillisTS(e.CreatedAt), Parley: e}
	if actor != nil {
		inner.User = slackUserID(actor)
	}
	if m != nil && e.Type == channels.EventMessageCreated {
		inner.Type = "message"
		inner.Text = &m.Text
		inner.TS = slackwire.MessageTS(m)
		inner.EventTS = inner.TS
		inner.ThreadID, inner.ThreadTS = m.ThreadID, rootTS
		if actor != nil && actor.Kind == channels.KindBot {
			inner.Subtype = "bot_message"
			inner.BotID = slackwire.BotID(actor.ID)
		}
	}
	return json.Marshal(eventEnvelope{Token: s.Token, TeamID: slackwire.TeamID, Type: "event_callback",
		EventID: eventID, EventTime: e.CreatedAt / 1000, Event: inner})
}

// advance moves the cursor over events that need no delivery, persisting it
// at most once every cursorPersistEvery.
func (o *Outgoing) advance(ctx context.Context, last int64) error {
	o.readUpTo.Store(last)
	if time.Since(o.persistedAt) < cursorPersistEvery {
		return nil
	}
	err := o.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE outgoing_cursor SET seq = ? WHERE id = 1 AND seq < ?`, last, last)
		return err
	})
	if err != nil {
		return fmt.Errorf("advance outgoing webhook cursor to %d: %w", last, err)
	}
	o.persistedAt = time.Now()
	return nil
}
