package bots

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// /remind stores a reminder and a background loop (Start) posts it when it
// is due: as a DM from the system bot to its creator, or into a channel.
// Reminders live in SQLite, so they survive a restart; a post carries the
// idempotency key "reminder-<id>", so that a crash between posting and
// marking the reminder delivered does not post it twice.

const (
	// reminderPoll is the longest the delivery loop sleeps without
	// looking at the table again.
	reminderPoll = 30 * time.Second
	// reminderBatch bounds the reminders delivered per pass.
	reminderBatch = 100
	// maxPendingReminders bounds one person's undelivered reminders.
	maxPendingReminders = 100
	// maxReminderRunes leaves room in a message for the "Reminder from
	// @username: " prefix.
	maxReminderRunes = channels.MaxTextRunes - 100
	// remindDefaultHour is the time of a day given without one.
	remindDefaultHour = 9
)

const remindUsage = "me|#channel <when> <what> — <when> (UTC): in 10 minutes | in 2h | at 15:30 | at 3pm | tomorrow [at 10am] | [on] 2026-12-24 [[at] 09:00]"

// remindCommand is /remind. It also makes the delivery loop's wake channel,
// since it runs while the Commands are built.
func (c *Commands) remindCommand() *builtin {
	return &builtin{Trigger: "remind", Description: "Set a reminder for yourself or a channel", Usage: remindUsage, Run: c.remind}
}

// Errors of parseWhen. errWhenSyntax means the usage should be shown.
var (
	errWhenSyntax = errors.New("unrecognised time")
	errWhenPast   = errors.New("that time is not in the future")
	errWhenTooFar = errors.New("that is more than a year ahead")
)

// clockRe is a time of day: 15:30, 9:05, 3pm, 3:15pm, 12am.
var clockRe = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm)?$`)

// parseWhen reads the <when> at the start of s, relative to now, and
// returns the due time (UTC) and the rest of s, the <what>. Grammar:
//
//	in <n> <unit>            unit: s|sec|second(s), m|min|minute(s), h|hr|hour(s), day(s), week(s)
//	in <go duration>         90s, 10m, 2h, 1h30m
//	at <clock>               today, or tomorrow when already past
//	tomorrow [[at] <clock>]  09:00 without a clock
//	[on] YYYY-MM-DD [[at] <clock>]
//
// <clock> is HH:MM (24 h) or H[:MM]am|pm. A bare number is no time: it
// needs a unit or am/pm.
func parseWhen(s string, now time.Time) (time.Time, string, error) {
	now = now.UTC()
	word, rest := cutWord(s)
	var due time.Time
	switch w := strings.ToLower(word); {
	case w == "in":
		d, r, ok := cutDuration(rest)
		if !ok {
			return time.Time{}, "", errWhenSyntax
		}
		due, rest = now.Add(d), r
	case w == "at":
		h, m, r, ok := cutClock(rest)
		if !ok {
			return time.Time{}, "", errWhenSyntax
		}
		due, rest = dayAt(now, h, m), r
		if !due.After(now) {
			due = due.AddDate(0, 0, 1)
		}
	case w == "tomorrow":
		var ok bool
		if due, rest, ok = cutDayTime(now.AddDate(0, 0, 1), rest); !ok {
			return time.Time{}, "", errWhenSyntax
		}
	default:
		if w == "on" {
			word, rest = cutWord(rest)
		}
		day, err := time.Parse("2006-01-02", word)
		if err != nil {
			return time.Time{}, "", errWhenSyntax
		}
		var ok bool
		if due, rest, ok = cutDayTime(day, rest); !ok {
			return time.Time{}, "", errWhenSyntax
		}
	}
	if strings.TrimSpace(rest) == "" {
		return time.Time{}, "", errWhenSyntax
	}
	switch {
	case !due.After(now):
		return time.Time{}, "", errWhenPast
	case due.After(now.AddDate(1, 0, 0)):
		return time.Time{}, "", errWhenTooFar
	}
	return due, strings.TrimSpace(rest), nil
}

// cutWord splits off the first word of s; any Unicode white space
// separates words ("in 5\f call mom" has no unit).
func cutWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// cutDuration reads "<n> <unit>" or a one-word duration off s. A count too
// large for a Duration reads as the largest one, which parseWhen refuses
// as too far ahead.
func cutDuration(s string) (time.Duration, string, bool) {
	num, r1 := cutWord(s)
	unit, r2 := cutWord(r1)
	if n, ok := parseCount(num); ok {
		// A number needs a unit: "in 5 call mom" is no time.
		var d time.Duration
		switch strings.ToLower(unit) {
		case "s", "sec", "secs", "second", "seconds":
			d = scaleDuration(n, time.Second)
		default:
			if d, ok = parseDuration(num + " " + unit); !ok || unit == "" {
				return 0, "", false
			}
		}
		return d, r2, d > 0
	}
	d, ok := parseDuration(num)
	return d, r1, ok && d > 0
}

// cutClock reads a <clock> word off s.
func cutClock(s string) (hour, minute int, rest string, ok bool) {
	word, rest := cutWord(s)
	m := clockRe.FindStringSubmatch(strings.ToLower(word))
	if m == nil || m[2] == "" && m[3] == "" {
		return 0, 0, "", false
	}
	hour, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		minute, _ = strconv.Atoi(m[2])
	}
	switch {
	case minute > 59:
		return 0, 0, "", false
	case m[3] == "":
		if hour > 23 {
			return 0, 0, "", false
		}
	case hour < 1 || hour > 12:
		return 0, 0, "", false
	default:
		hour %= 12
		if m[3] == "pm" {
			hour += 12
		}
	}
	return hour, minute, rest, true
}

// cutDayTime reads the optional time of day off s for day: "at <clock>" or
// a bare <clock>; 09:00 without one.
func cutDayTime(day time.Time, s string) (time.Time, string, bool) {
	if word, rest := cutWord(s); strings.EqualFold(word, "at") {
		h, m, r, ok := cutClock(rest)
		return dayAt(day, h, m), r, ok
	}
	if h, m, r, ok := cutClock(s); ok {
		return dayAt(day, h, m), r, true
	}
	return dayAt(day, remindDefaultHour, 0), s, true
}

// dayAt is hour:minute UTC on day's date.
func dayAt(day time.Time, hour, minute int) time.Time {
	y, mo, d := day.Date()
	return time.Date(y, mo, d, hour, minute, 0, 0, time.UTC)
}

// formatDue is how replies show a due time.
func formatDue(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

func (c *Commands) remind(ctx context.Context, inv *Invocation) error {
	target, rest := cutWord(inv.Text)
	var ch *channels.Channel
	switch {
	case strings.EqualFold(target, "me"):
	case strings.HasPrefix(target, "#"), strings.HasPrefix(target, "<#"):
		var err error
		if ch, err = c.channelArg(ctx, inv.Actor, target); err != nil {
			return err
		}
		// As posting there would: only members, and not once archived.
		if !ch.IsMember {
			inv.fail("not_in_channel", "/remind: you are not in #%s; join it to set reminders there.", ch.Name)
			return nil
		}
		if ch.Archived {
			inv.fail("channel_archived", "/remind: #%s is archived.", ch.Name)
			return nil
		}
	default:
		return c.usage(inv)
	}
	due, what, err := parseWhen(rest, c.opts.Now())
	switch {
	case errors.Is(err, errWhenSyntax):
		return c.usage(inv)
	case err != nil:
		inv.fail("invalid_arguments", "/remind: %s.", err)
		return nil
	}
	if utf8.RuneCountInString(what) > maxReminderRunes {
		inv.fail("invalid_arguments", "/remind: the reminder is longer than %d characters.", maxReminderRunes)
		return nil
	}
	var channelID any
	if ch != nil {
		channelID = ch.ID
	}
	tooMany := false
	err = c.bots.db.Write(ctx, func(tx *sqlite.Tx) error {
		var pending int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM reminders WHERE creator_id = ? AND delivered_at IS NULL`, inv.Actor.ID).Scan(&pending); err != nil {
			return err
		}
		if tooMany = pending >= maxPendingReminders; tooMany {
			return nil
		}
		_, err := tx.Exec(`INSERT INTO reminders (creator_id, channel_id, text, due_at, created_at) VALUES (?, ?, ?, ?, ?)`,
			inv.Actor.ID, channelID, what, due.UnixMilli(), c.opts.Now().UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store reminder: %w", err)
	}
	if tooMany {
		inv.fail("too_many_reminders", "/remind: you already have %d reminders waiting.", maxPendingReminders)
		return nil
	}
	c.wakeReminders()
	who := "you"
	if ch != nil {
		who = "#" + ch.Name
	}
	inv.reply(fmt.Sprintf("I will remind %s “%s” at %s.", who, what, formatDue(due)))
	return nil
}

// Start runs the background work of commands (delivering reminders); Close
// stops it. Reminders that fell due while the server was down go out at once.
func (c *Commands) Start(ctx context.Context) error {
	if c.stopReminders != nil {
		return errors.New("slash commands: already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	c.stopReminders = cancel
	c.remindDone.Add(2)
	go func() {
		defer c.remindDone.Done()
		c.remindLoop(ctx)
	}()
	go func() {
		defer c.remindDone.Done()
		c.pruneLoop(ctx)
	}()
	return nil
}

// pruneLoop deletes expired response URLs every hour (their rows are only
// needed to answer expired_url for a while).
func (c *Commands) pruneLoop(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if err := c.PruneResponses(ctx, time.Now().Add(-time.Hour)); err != nil && ctx.Err() == nil {
			c.log.Warn("slash commands: prune response urls", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Close stops what Start started and waits for it.
func (c *Commands) Close() {
	if c.stopReminders != nil {
		c.stopReminders()
	}
	c.remindDone.Wait()
}

// wakeReminders tells the delivery loop to look at the table again now: a
// reminder was added, or (in tests) the clock moved.
func (c *Commands) wakeReminders() {
	select {
	case c.remindWake <- struct{}{}:
	default:
	}
}

// remindLoop delivers reminders as they fall due until ctx ends.
func (c *Commands) remindLoop(ctx context.Context) {
	for {
		timer := time.NewTimer(c.deliverReminders(ctx))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-c.remindWake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

type reminder struct {
	id, creatorID int64
	channelID     sql.NullInt64
	text          string
}

// deliverReminders delivers the due reminders and says how long to sleep.
func (c *Commands) deliverReminders(ctx context.Context) time.Duration {
	now := c.opts.Now().UnixMilli()
	due, err := c.dueReminders(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Error("reminders: read due reminders", "err", err)
		}
		return reminderPoll
	}
	var sys *channels.Actor
	if len(due) > 0 {
		if sys, err = c.svc.SystemActor(ctx); err != nil {
			if ctx.Err() == nil {
				c.log.Error("reminders: deliver", "err", err)
			}
			return reminderPoll
		}
	}
	failed := false
	for _, r := range due {
		if ctx.Err() != nil {
			return 0
		}
		if err := c.deliverReminder(ctx, sys, r); err != nil {
			// Retried at the next poll; the idempotency key keeps a
			// half-done delivery from posting twice.
			failed = true
			if ctx.Err() == nil {
				c.log.Error("reminders: deliver", "reminder_id", r.id, "err", err)
			}
		}
	}
	if failed {
		return reminderPoll
	}
	if len(due) == reminderBatch {
		return 0
	}
	var next sql.NullInt64
	if err := c.bots.db.ReadRow(ctx, `SELECT MIN(due_at) FROM reminders WHERE delivered_at IS NULL`).Scan(&next); err != nil {
		if ctx.Err() == nil {
			c.log.Error("reminders: read next due time", "err", err)
		}
		return reminderPoll
	}
	if !next.Valid {
		return reminderPoll
	}
	return min(max(time.UnixMilli(next.Int64).Sub(c.opts.Now()), 0), reminderPoll)
}

func (c *Commands) dueReminders(ctx context.Context, now int64) ([]reminder, error) {
	rows, err := c.bots.db.Reader.QueryContext(ctx, `SELECT id, creator_id, channel_id, text FROM reminders
		WHERE delivered_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?`, now, reminderBatch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reminder
	for rows.Next() {
		var r reminder
		if err := rows.Scan(&r.id, &r.creatorID, &r.channelID, &r.text); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// deliverReminder posts one reminder as the system bot (sys), then marks it
// delivered. One that can no longer be delivered (its creator deactivated,
// its channel archived or left) is marked delivered without a post.
func (c *Commands) deliverReminder(ctx context.Context, sys *channels.Actor, r reminder) error {
	creator, err := c.svc.User(ctx, r.creatorID)
	switch {
	case errors.Is(err, channels.ErrNotFound), err == nil && creator.Deactivated:
		return c.dropReminder(ctx, r, "creator deactivated")
	case err != nil:
		return err
	}
	var channelID int64
	var text string
	if r.channelID.Valid {
		// The creator must still be able to post there: no reminder into a
		// channel they left or that was archived.
		ch, err := c.svc.Channel(ctx, &channels.Actor{User: *creator}, r.channelID.Int64)
		switch {
		case errors.Is(err, channels.ErrNotFound), err == nil && (!ch.IsMember || ch.Archived):
			return c.dropReminder(ctx, r, "channel archived, gone or left")
		case err != nil:
			return err
		}
		channelID, text = ch.ID, fmt.Sprintf("Reminder from @%s: %s", creator.Username, r.text)
	} else {
		dm, _, err := c.svc.OpenDM(ctx, sys, []int64{creator.ID})
		if err != nil {
			return c.failReminder(ctx, r, fmt.Errorf("open DM: %w", err))
		}
		channelID, text = dm.ID, "Reminder: "+r.text
	}
	_, _, err = c.svc.PostMessage(ctx, sys, channelID, channels.NewMessage{Text: text, IdempotencyKey: "reminder-" + strconv.FormatInt(r.id, 10)})
	if err != nil {
		return c.failReminder(ctx, r, fmt.Errorf("post: %w", err))
	}
	return c.markReminder(ctx, r.id)
}

// failReminder drops a reminder whose post was refused (the request is
// wrong, retrying will not help) and returns other errors to retry.
func (c *Commands) failReminder(ctx context.Context, r reminder, err error) error {
	// A refusal (the channel is gone, the creator may no longer post)
	// will not change by waiting; anything else is retried.
	if st := channels.ToHTTP(err).Status; st < 500 && st != http.StatusTooManyRequests {
		return c.dropReminder(ctx, r, err.Error())
	}
	return err
}

func (c *Commands) dropReminder(ctx context.Context, r reminder, why string) error {
	c.log.Info("reminders: dropped, cannot be delivered", "reminder_id", r.id, "creator_id", r.creatorID, "reason", why)
	return c.markReminder(ctx, r.id)
}

func (c *Commands) markReminder(ctx context.Context, id int64) error {
	err := c.bots.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`UPDATE reminders SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`, c.opts.Now().UnixMilli(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark reminder %d delivered: %w", id, err)
	}
	return nil
}
