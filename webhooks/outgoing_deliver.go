package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// now is the clock delivery runs by (OutgoingOptions.Now), deliveries
// are queued at and fall due by.
func (o *Outgoing) now() time.Time { return o.opts.Now() }

// Delivery states.
const (
	StatePending   = "pending"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Delivery is one event queued for one subscription, with its attempts.
type Delivery struct {
	ID            int64     `json:"id"`
	WebhookID     int64     `json:"webhook_id"`
	EventID       string    `json:"event_id"`
	EventSeq      int64     `json:"event_seq"`
	EventType     string    `json:"event_type"`
	State         string    `json:"state"`
	AttemptCount  int       `json:"attempt_count"`
	NextAttemptAt *int64    `json:"next_attempt_at"`
	CreatedAt     int64     `json:"created_at"`
	UpdatedAt     int64     `json:"updated_at"`
	Attempts      []Attempt `json:"attempts"`

	body        []byte
	contentType string
	lastReason  string
}

// Attempt is one try of a delivery.
type Attempt struct {
	Num       int    `json:"num"`
	At        int64  `json:"at"`
	Status    int    `json:"status"`
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error"`
	// Response is the first 4 KiB of the receiver's answer.
	Response string `json:"response"`
}

// Start runs the dispatcher and the worker pool until Close (or ctx ends).
func (o *Outgoing) Start(ctx context.Context) error {
	o.stopMu.Lock()
	defer o.stopMu.Unlock()
	if o.running {
		return nil
	}
	if _, err := o.cursor(ctx); err != nil {
		return err
	}
	// A delivery never tried may still have been in flight when the last
	// process stopped: send it as a retry, so that a receiver never gets
	// the same delivery twice without a retry reason.
	err := o.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE outgoing_deliveries SET last_reason = 'unknown_error' WHERE state = 'pending' AND attempts = 0 AND last_reason = ''`)
		return err
	})
	if err != nil {
		return fmt.Errorf("start outgoing webhooks: %w", err)
	}
	ctx, o.cancel = context.WithCancel(ctx)
	o.running = true
	jobs := make(chan *Delivery, o.opts.Workers)
	fin := make(chan finished, o.opts.Workers)
	recorded := make(chan []int64, 1)
	o.recs = make(chan *record, o.opts.Workers)
	o.done.Add(3 + o.opts.Workers)
	go func() { defer o.done.Done(); o.follow(ctx) }()
	go func() { defer o.done.Done(); o.feed(ctx, jobs, fin, recorded) }()
	// The recorder writes what the workers hand it until the last worker
	// is gone, so that an acknowledged delivery is recorded at shutdown.
	go func() { defer o.done.Done(); o.record(ctx, o.recs, recorded) }()
	var workers sync.WaitGroup
	workers.Add(o.opts.Workers)
	go func() { workers.Wait(); close(o.recs) }()
	for i := 0; i < o.opts.Workers; i++ {
		go func() {
			defer o.done.Done()
			defer workers.Done()
			for {
				select {
				case d := <-jobs:
					o.inFlight.Add(1)
					f := o.deliver(ctx, d)
					o.inFlight.Add(-1)
					select {
					case fin <- f:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	return nil
}

// Close stops dispatching and delivering and waits for in-flight attempts
// (each bounded by the sender's timeout); what is pending stays queued.
func (o *Outgoing) Close() {
	o.stopMu.Lock()
	defer o.stopMu.Unlock()
	if !o.running {
		return
	}
	o.cancel()
	o.done.Wait()
	o.sender.Close()
	o.running = false
}

func (o *Outgoing) wakeWorkers() {
	select {
	case o.due <- struct{}{}:
	default:
	}
}

const dueDeliveries = `SELECT d.id, d.webhook_id, d.event_id, d.event_seq, d.event_type, d.state, d.attempts, d.next_attempt_at,
	d.created_at, d.updated_at, d.body, d.content_type, d.last_reason
FROM outgoing_deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ` + dueLimitSQL

// dueLimit is how many due deliveries the feeder reads at a time.
const (
	dueLimit    = 512
	dueLimitSQL = "512"
)

// finished is a worker's word that it is done with a delivery: its attempt
// is recorded, or is being recorded (recording: the recorder tells the
// feeder when it is written), and retryAt (UnixMilli) is when it is due
// again, 0 for never.
type finished struct {
	id, retryAt int64
	recording   bool
}

// feed hands due deliveries to the workers, at most perHook at a time per
// subscription so that one slow or dead receiver never holds every worker.
// It reads the queue when woken (new rows, a redelivery), when a timer for
// the next retry fires, and when a worker finishes while the last read was
// cut short by its limit; not after every delivery. A delivery whose
// attempt is still being recorded is not handed out again, although a
// read may see it pending.
func (o *Outgoing) feed(ctx context.Context, jobs chan<- *Delivery, fin <-chan finished, recorded <-chan []int64) {
	perHook := max(1, o.opts.Workers/2)
	inflight := map[int64]int64{} // delivery id -> webhook id
	// recording counts a delivery's attempts sent but not yet written: +1
	// when its worker finishes, -1 when the recorder has written it. The
	// two arrive on different channels in either order, so the count may
	// dip below zero for a moment; the delivery is busy while it is above.
	recording := map[int64]int{}
	settle := func(id int64, by int) {
		if recording[id] += by; recording[id] == 0 {
			delete(recording, id)
		}
	}
	hooks := map[int64]int{}
	var backlog []*Delivery
	refill, full := true, false
	var wakeAt time.Time // when to read again for retries coming due
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if refill {
			due, err := o.readDue(ctx)
			if err != nil && ctx.Err() == nil {
				o.log.Error("outgoing webhooks: read due deliveries", "err", err)
			}
			full = len(due) >= dueLimit
			backlog = backlog[:0]
			for _, d := range due {
				if _, busy := inflight[d.ID]; !busy && recording[d.ID] <= 0 {
					backlog = append(backlog, d)
				}
			}
			wakeAt = o.now().Add(time.Second)
			if len(backlog) == 0 && !full {
				wakeAt = o.now().Add(o.nextDue(ctx))
			}
			refill = false
		}
		// jobs holds Workers items, so a send never blocks while fewer
		// than Workers deliveries are out.
		rest := backlog[:0]
		for _, d := range backlog {
			if len(inflight) >= o.opts.Workers || hooks[d.WebhookID] >= perHook {
				rest = append(rest, d)
				continue
			}
			inflight[d.ID] = d.WebhookID
			hooks[d.WebhookID]++
			jobs <- d
		}
		backlog = rest
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(max(wakeAt.Sub(o.now()), time.Millisecond))
		select {
		case <-o.due:
			refill = true
		case f := <-fin:
			hooks[inflight[f.id]]--
			delete(inflight, f.id)
			if f.recording {
				settle(f.id, 1)
			}
			refill = len(backlog) == 0 && full
			if at := time.UnixMilli(f.retryAt); f.retryAt > 0 && at.Before(wakeAt) {
				wakeAt = at
			}
		case ids := <-recorded:
			for _, id := range ids {
				settle(id, -1)
			}
		case <-timer.C:
			refill = true
		case <-ctx.Done():
			return
		}
	}
}

// nextDue is how long until the earliest pending delivery is due (at most
// a second, so that a redelivery or a missed wake-up is not late for long).
func (o *Outgoing) nextDue(ctx context.Context) time.Duration {
	var at sql.NullInt64
	now := o.now()
	// Rows already due were handed out or wait for a busy subscription,
	// whose worker's finishing wakes the feeder: only later ones count.
	_ = o.db.ReadRow(ctx, `SELECT MIN(next_attempt_at) FROM outgoing_deliveries WHERE state = 'pending' AND next_attempt_at > ?`,
		now.UnixMilli()).Scan(&at)
	if !at.Valid {
		return time.Second
	}
	d := time.UnixMilli(at.Int64).Sub(now)
	return min(max(d, time.Millisecond), time.Second)
}

// readDue reads the pending deliveries that are due, earliest due first.
func (o *Outgoing) readDue(ctx context.Context) ([]*Delivery, error) {
	rows, err := o.db.Reader.QueryContext(ctx, dueDeliveries, o.now().UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d := &Delivery{}
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventSeq, &d.EventType, &d.State, &d.AttemptCount,
			&d.NextAttemptAt, &d.CreatedAt, &d.UpdatedAt, &d.body, &d.contentType, &d.lastReason); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// backoff is the delay before retry n (n ≥ 1): Backoff·2^(n-1), capped at an
// hour, with jitter over its upper half.
func (o *Outgoing) backoff(n int) time.Duration {
	d := o.opts.Backoff << min(n-1, 20)
	if d > time.Hour || d <= 0 {
		d = time.Hour
	}
	return d/2 + rand.N(d/2+1)
}

// deliver makes one attempt and records it. A plain success is handed to
// the recorder without waiting for it (the feeder is told when it is
// written); what needs the attempt on record first (a reply to post, a
// failure that may disable the subscription) waits.
func (o *Outgoing) deliver(ctx context.Context, d *Delivery) finished {
	f := finished{id: d.ID}
	s, err := o.deliverySubscription(ctx, d.WebhookID)
	if errors.Is(err, channels.ErrNotFound) || err == nil && !s.Active {
		_ = o.finish(ctx, d, StateFailed, "webhook_disabled", 0, nil)
		return f
	}
	if err != nil {
		return f // retried on the next pass
	}
	res := o.sender.Send(ctx, Request{URL: s.URL, Body: d.body, ContentType: d.contentType, Secret: s.secret,
		DeliveryID: d.EventID, Attempt: retryNum(d), RetryReason: d.lastReason,
		Header: http.Header{"Accept": {"application/json"}}})
	if ctx.Err() != nil && !res.OK() {
		return f // shutting down: the attempt did not count, it is still pending
	}
	state, next := StateSucceeded, int64(0)
	if !res.OK() {
		state = StateFailed
		attempts := d.AttemptCount + 1
		if res.Retryable && o.now().Sub(time.UnixMilli(d.CreatedAt)) < o.opts.MaxAge {
			state = StatePending
			// A Retry-After is honoured up to an hour.
			wait := max(o.backoff(attempts), min(res.RetryAfter, time.Hour))
			next = o.now().Add(wait).UnixMilli()
		}
	}
	if state == StateSucceeded && (s.Format != FormatSlack || len(res.Body) == 0) {
		o.recs <- &record{d: d, state: state, reason: res.Reason, res: &res}
		f.recording = true
		return f
	}
	if o.finish(ctx, d, state, res.Reason, next, &res) != nil {
		return f
	}
	if o.opts.ObserveAttempt != nil {
		result := ResultSucceeded
		switch state {
		case StatePending:
			result = ResultRetrying
		case StateFailed:
			result = ResultFailed
		}
		o.opts.ObserveAttempt(result, res.Latency)
	}
	switch {
	case res.OK() && s.Format == FormatSlack && len(res.Body) > 0:
		o.postReply(ctx, s, d, res.Body)
	case state == StateFailed:
		o.disableIfFailing(ctx, s, res.Error())
	}
	f.retryAt = next
	return f
}

// deliverySubscription is the subscription a delivery goes to, from the
// workers' copy while no change to subscriptions has started or finished
// since it was read (see activeSubscriptions), read again otherwise.
func (o *Outgoing) deliverySubscription(ctx context.Context, id int64) (*Subscription, error) {
	finished := o.subsFinished.Load()
	settled := o.subsStarted.Load() == finished
	c := &o.workerSubs
	c.mu.Lock()
	if !settled || finished != c.gen || time.Since(c.readAt) >= subsMaxAge {
		clear(c.byID)
		c.readAt, c.gen = time.Now(), finished
		if !settled {
			c.gen = -1
		}
	}
	s, ok := c.byID[id]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		if s == nil {
			return nil, channels.NotFound("outgoing_webhook")
		}
		return s, nil
	}
	s, err := o.subscription(ctx, id)
	if err != nil && !errors.Is(err, channels.ErrNotFound) {
		return nil, err
	}
	if gen >= 0 {
		c.mu.Lock()
		if c.gen == gen {
			c.byID[id] = s // nil: gone
		}
		c.mu.Unlock()
	}
	return s, err
}

// subsCache is the workers' copy of the subscriptions they deliver to.
type subsCache struct {
	mu     sync.Mutex
	byID   map[int64]*Subscription // nil for one deleted
	gen    int64                   // subsFinished when read; -1 while a change was in flight
	readAt time.Time
}

// disableIfFailing turns a subscription off when every attempt since its
// last success (or ever) failed and the first of them is MaxAge old, and
// tells its creator in a DM from the system bot.
func (o *Outgoing) disableIfFailing(ctx context.Context, s *Subscription, lastError string) {
	var lastOK, firstFail sql.NullInt64
	err := o.db.ReadRow(ctx, `SELECT (SELECT MAX(a.at) FROM outgoing_attempts a JOIN outgoing_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = ?1 AND a.status BETWEEN 200 AND 299)`, s.ID).Scan(&lastOK)
	if err != nil {
		return
	}
	err = o.db.ReadRow(ctx, `SELECT MIN(a.at) FROM outgoing_attempts a JOIN outgoing_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = ? AND a.at > ?`, s.ID, lastOK.Int64).Scan(&firstFail)
	if err != nil || !firstFail.Valid || o.now().Sub(time.UnixMilli(firstFail.Int64)) < o.opts.MaxAge {
		return
	}
	ctx = context.WithoutCancel(ctx)
	var disabled bool
	err = o.writeSubscriptions(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`UPDATE outgoing_webhooks SET active = 0, updated_at = ? WHERE id = ? AND active = 1`, o.now().UnixMilli(), s.ID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		disabled = n == 1
		return err
	})
	if err != nil || !disabled {
		return // another worker got there first, or it is retried on the next failure
	}
	since := time.UnixMilli(firstFail.Int64)
	o.log.Warn("outgoing webhooks: disabled after failing every delivery", "webhook_id", s.ID, "since", since)
	notice := fmt.Sprintf("Your outgoing webhook *%s* (id %d) was turned off: every delivery to %s has failed since %s UTC. "+
		"The last attempt: %s. Once the receiver works again, turn the webhook back on with "+
		"`PATCH /api/v1/outgoing-webhooks/%d` and `{\"active\": true}`; undelivered events can be sent again from its delivery log.",
		s.Name, s.ID, s.URL, since.UTC().Format("2006-01-02 15:04"), lastError, s.ID)
	if _, err := o.svc.Notify(ctx, s.CreatorID, notice); err != nil {
		o.log.Error("outgoing webhooks: tell the owner about a disabled webhook", "webhook_id", s.ID, "err", err)
	}
}

// record is an attempt (none when res is nil) and the delivery's new
// state, waiting for the recorder.
type record struct {
	d             *Delivery
	state, reason string
	next          int64
	res           *Result
	// done gets the write's outcome; nil tells the feeder instead and
	// observes the attempt.
	done chan error
}

// recordBatch bounds how many attempts one write records.
const recordBatch = 256

// record writes the attempts handed to it, as many in one write as have
// queued up meanwhile, until in is closed.
func (o *Outgoing) record(ctx context.Context, in <-chan *record, recorded chan<- []int64) {
	var batch []*record
	for r := range in {
		batch = append(batch[:0], r)
	more:
		for len(batch) < recordBatch {
			select {
			case r, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		err := o.writeRecords(ctx, batch)
		var ids []int64
		for _, r := range batch {
			if r.done != nil {
				r.done <- err
				continue
			}
			ids = append(ids, r.d.ID)
			if err == nil && o.opts.ObserveAttempt != nil {
				o.opts.ObserveAttempt(ResultSucceeded, r.res.Latency)
			}
		}
		if len(ids) > 0 {
			select {
			case recorded <- ids:
			case <-ctx.Done():
			}
		}
	}
}

// finish records an attempt (when res is not nil) and the delivery's state,
// through the recorder.
func (o *Outgoing) finish(ctx context.Context, d *Delivery, state, reason string, next int64, res *Result) error {
	r := &record{d: d, state: state, reason: reason, next: next, res: res, done: make(chan error, 1)}
	o.recs <- r
	return <-r.done
}

// writeRecords writes attempts and states in one transaction.
func (o *Outgoing) writeRecords(ctx context.Context, batch []*record) error {
	err := o.db.Write(context.WithoutCancel(ctx), func(tx *sqlite.Tx) error {
		now := o.now().UnixMilli()
		for _, r := range batch {
			attempts, next := r.d.AttemptCount, r.next
			if r.res != nil {
				attempts++
				if _, err := tx.Exec(`INSERT INTO outgoing_attempts (delivery_id, num, at, status, latency_ms, error, response)
					VALUES (?, ?, ?, ?, ?, ?, ?)`, r.d.ID, attempts, now-r.res.Latency.Milliseconds(), r.res.Status,
					r.res.Latency.Milliseconds(), r.res.Error(), r.res.Body); err != nil {
					return err
				}
			}
			if next == 0 {
				next = now
			}
			if _, err := tx.Exec(`UPDATE outgoing_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_reason = ?, updated_at = ?
				WHERE id = ? AND state = 'pending'`, r.state, attempts, next, r.reason, now, r.d.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.log.Error("outgoing webhooks: record attempts", "deliveries", len(batch), "first_delivery_id", batch[0].d.ID, "err", err)
	}
	return err
}

// Deliveries lists a subscription's deliveries, newest first, with their
// attempts; before (a delivery id, 0 for the newest) pages back.
func (o *Outgoing) Deliveries(ctx context.Context, actor *channels.Actor, webhookID, before int64, limit int) ([]Delivery, bool, error) {
	if _, err := o.Get(ctx, actor, webhookID); err != nil {
		return nil, false, err
	}
	return o.deliveries(ctx, webhookID, before, limit)
}

// deliveries is Deliveries without the access check: the page of
// deliveries, then all their attempts in one query.
func (o *Outgoing) deliveries(ctx context.Context, webhookID, before int64, limit int) ([]Delivery, bool, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := o.db.Reader.QueryContext(ctx, `SELECT id, webhook_id, event_id, event_seq, event_type, state, attempts,
		next_attempt_at, created_at, updated_at FROM outgoing_deliveries WHERE webhook_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		webhookID, before, limit+1)
	if err != nil {
		return nil, false, fmt.Errorf("list deliveries of outgoing webhook %d: %w", webhookID, err)
	}
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var next int64
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventSeq, &d.EventType, &d.State, &d.AttemptCount,
			&next, &d.CreatedAt, &d.UpdatedAt); err != nil {
			rows.Close()
			return nil, false, err
		}
		if d.State == StatePending {
			d.NextAttemptAt = &next
		}
		d.Attempts = []Attempt{}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	if len(out) == 0 {
		return out, more, nil
	}
	// The page's deliveries are a contiguous range of ids of this webhook.
	byID := make(map[int64]*Delivery, len(out))
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	arows, err := o.db.Reader.QueryContext(ctx, `SELECT a.delivery_id, a.num, a.at, a.status, a.latency_ms, a.error, a.response
		FROM outgoing_attempts a JOIN outgoing_deliveries d ON d.id = a.delivery_id
		WHERE d.webhook_id = ? AND a.delivery_id BETWEEN ? AND ? ORDER BY a.id`, webhookID, out[len(out)-1].ID, out[0].ID)
	if err != nil {
		return nil, false, fmt.Errorf("list attempts of outgoing webhook %d: %w", webhookID, err)
	}
	defer arows.Close()
	for arows.Next() {
		var a Attempt
		var deliveryID int64
		var body []byte
		if err := arows.Scan(&deliveryID, &a.Num, &a.At, &a.Status, &a.LatencyMS, &a.Error, &body); err != nil {
			return nil, false, err
		}
		a.Response = string(body)
		if d := byID[deliveryID]; d != nil {
			d.Attempts = append(d.Attempts, a)
		}
	}
	return out, more, arows.Err()
}

// Redeliver queues a finished delivery again, now, with the same event id;
// its retry window starts over.
func (o *Outgoing) Redeliver(ctx context.Context, actor *channels.Actor, webhookID, deliveryID int64) (*Delivery, error) {
	if _, err := o.Get(ctx, actor, webhookID); err != nil {
		return nil, err
	}
	var state string
	err := o.db.ReadRow(ctx, `SELECT state FROM outgoing_deliveries WHERE id = ? AND webhook_id = ?`, deliveryID, webhookID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, channels.NotFound("delivery")
	}
	if err != nil {
		return nil, fmt.Errorf("load delivery %d: %w", deliveryID, err)
	}
	if state == StatePending {
		return nil, channels.Conflict("delivery_pending", "the delivery is still queued")
	}
	err = o.db.Write(ctx, func(tx *sqlite.Tx) error {
		now := o.now().UnixMilli()
		_, err := tx.Exec(`UPDATE outgoing_deliveries SET state = 'pending', next_attempt_at = ?, created_at = ?, updated_at = ?,
			last_reason = 'redelivery' WHERE id = ? AND state != 'pending'`, now, now, now, deliveryID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("redeliver %d: %w", deliveryID, err)
	}
	o.wakeWorkers()
	ds, _, err := o.deliveries(ctx, webhookID, deliveryID+1, 1)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return &ds[0], nil
}

// retryNum is the retry number a delivery's next request carries: its
// attempts so far, and at least 1 when it has a retry reason (it may have
// been in flight when the process stopped, or it is a redelivery).
func retryNum(d *Delivery) int {
	if d.AttemptCount == 0 && d.lastReason != "" {
		return 1
	}
	return d.AttemptCount
}

// idString formats an id for paging cursors.
func idString(id int64) string { return strconv.FormatInt(id, 10) }
