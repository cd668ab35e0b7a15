package bots

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// remindT0 is when the reminder tests' clocks start.
var remindT0 = time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)

// posted lists the texts of a channel's messages by the system bot, as
// actor reads them; a channel id of 0 (no DM yet) has none.
func posted(t *testing.T, e *testEnv, actor *channels.Actor, channelID int64) []string {
	t.Helper()
	if channelID == 0 {
		return nil
	}
	ctx := context.Background()
	sys, err := e.svc.SystemBot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := e.svc.Messages(ctx, actor, channelID, channels.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.UserID == sys.ID {
			out = append(out, m.Text)
		}
	}
	return out
}

// notices lists the system bot's direct messages to a person.
func notices(t *testing.T, e *testEnv, person *channels.Actor) []string {
	t.Helper()
	ctx := context.Background()
	sys, err := e.svc.SystemBot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.svc.DMWith(ctx, person, sys.ID)
	if err != nil {
		t.Fatal(err)
	}
	return posted(t, e, person, dm)
}

func count(texts []string, text string) int {
	n := 0
	for _, s := range texts {
		if s == text {
			n++
		}
	}
	return n
}

// storedReminder is a reminder's row: its times in Unix ms.
type storedReminder struct {
	id, dueAt, createdAt int64
	deliveredAt          sql.NullInt64
}

func reminderByText(t *testing.T, e *testEnv, text string) storedReminder {
	t.Helper()
	var r storedReminder
	err := e.db.ReadRow(context.Background(), `SELECT id, due_at, created_at, delivered_at FROM reminders WHERE text = ?`, text).
		Scan(&r.id, &r.dueAt, &r.createdAt, &r.deliveredAt)
	if err != nil {
		t.Fatalf("reminder %q: %v", text, err)
	}
	return r
}

// remind runs a /remind line and fails the test unless it was accepted.
func remind(t *testing.T, c *Commands, actor *channels.Actor, channelID int64, line string) *CommandResult {
	t.Helper()
	res, err := c.Invoke(context.Background(), actor, channelID, line, 0)
	if err != nil || !res.OK {
		t.Fatalf("%s: %+v, %v", line, res, err)
	}
	return res
}

// TestRemind_DeliveredWhenClockPassesDue pins the schedule by the
// Commands' clock: a reminder "in 5 minutes" is due at the clock's time
// plus five minutes, is not delivered a millisecond before, is delivered
// once that time is reached, and only once; the loop sleeps until the
// next due time, at most reminderPoll.
func TestRemind_DeliveredWhenClockPassesDue(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	ana := e.person("ana")
	general := e.channel(ana, "general", false)
	clock := newTestClock(remindT0)
	c := e.commands(CommandsOptions{Now: clock.Now})

	res := remind(t, c, ana, general.ID, "/remind me in 5 minutes ship it")
	if len(res.Ephemeral) != 1 || res.Ephemeral[0].Text != "I will remind you “ship it” at 2026-11-21 14:05 UTC." {
		t.Errorf("confirmation %+v", res.Ephemeral)
	}
	due := remindT0.Add(5 * time.Minute)
	r := reminderByText(t, e, "ship it")
	if r.dueAt != due.UnixMilli() || r.createdAt != remindT0.UnixMilli() {
		t.Errorf("stored due %d created %d, want %d and %d", r.dueAt, r.createdAt, due.UnixMilli(), remindT0.UnixMilli())
	}

	steps := []struct {
		name      string
		advance   time.Duration
		wantSleep time.Duration
		wantCount int
	}{
		{"five minutes ahead", 0, reminderPoll, 0},
		{"ten seconds ahead", 4*time.Minute + 50*time.Second, 10 * time.Second, 0},
		{"a millisecond ahead", 10*time.Second - time.Millisecond, time.Millisecond, 0},
		{"due", time.Millisecond, reminderPoll, 1},
		{"an hour later", time.Hour, reminderPoll, 1},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		if sleep := c.deliverReminders(ctx); sleep != st.wantSleep {
			t.Errorf("%s: the loop would sleep %v, want %v", st.name, sleep, st.wantSleep)
		}
		if n := count(notices(t, e, ana), "Reminder: ship it"); n != st.wantCount {
			t.Fatalf("%s: delivered %d times, want %d", st.name, n, st.wantCount)
		}
	}
	if r := reminderByText(t, e, "ship it"); r.deliveredAt.Int64 != due.UnixMilli() {
		t.Errorf("marked delivered at %v, want the clock's %d", r.deliveredAt, due.UnixMilli())
	}
	if texts := posted(t, e, ana, general.ID); len(texts) != 0 {
		t.Errorf("the channel the command ran in got %q", texts)
	}
}

// TestRemind_RunnerFollowsClockAndRestarts pins the running delivery loop:
// a reminder already due when it starts goes out at once; one set while it
// runs goes out once the clock passes its due time and the loop is woken;
// one that fell due while no runner ran goes out as soon as the next one
// starts; and none is delivered twice across restarts.
func TestRemind_RunnerFollowsClockAndRestarts(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	ana := e.person("ana")
	general := e.channel(ana, "general", false)
	clock := newTestClock(remindT0)
	newRunner := func() *Commands { return e.commands(CommandsOptions{Now: clock.Now}) }
	start := func(c *Commands) *Commands {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	delivered := func(text string) func() bool {
		return func() bool { return count(notices(t, e, ana), "Reminder: "+text) > 0 }
	}

	// Set before any runner runs; its delivery shows the loop's first pass
	// is done, so the later ones need the loop to wake up.
	c := newRunner()
	remind(t, c, ana, general.ID, "/remind me in 1 minute zero")
	clock.Advance(time.Minute)
	start(c)
	poll(t, "the reminder due at start", delivered("zero"))

	remind(t, c, ana, general.ID, "/remind me in 5 minutes first")
	clock.Advance(5 * time.Minute)
	c.wakeReminders()
	poll(t, "the first reminder", delivered("first"))

	remind(t, c, ana, general.ID, "/remind me in 1 hour second")
	c.Close()
	clock.Advance(2 * time.Hour) // past the due time while nothing runs
	c = start(newRunner())
	poll(t, "the second reminder after the restart", delivered("second"))

	remind(t, c, ana, general.ID, "/remind me in 1 minute third")
	clock.Advance(time.Minute)
	c.wakeReminders()
	poll(t, "the third reminder", delivered("third"))

	c.Close()
	c = start(newRunner())
	remind(t, c, ana, general.ID, "/remind me in 1 minute fourth")
	clock.Advance(time.Minute)
	c.wakeReminders()
	poll(t, "the fourth reminder after another restart", delivered("fourth"))
	got := notices(t, e, ana)
	for _, text := range []string{"zero", "first", "second", "third", "fourth"} {
		if n := count(got, "Reminder: "+text); n != 1 {
			t.Errorf("%q delivered %d times, want once", text, n)
		}
	}
}

// TestRemind_Delivery pins where a due reminder goes: a DM from the system
// bot, or a post in the channel naming its creator; one that can no longer
// be delivered (the creator left, the channel was archived, the creator
// was deactivated) is settled without a post.
func TestRemind_Delivery(t *testing.T) {
	leave := func(t *testing.T, e *testEnv, _, ana *channels.Actor, team *channels.Channel) {
		if err := e.svc.Leave(context.Background(), ana, team.ID); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		target  string // me or #team
		private bool   // whether #team is
		// after runs once the reminder is set.
		after    func(t *testing.T, e *testEnv, root, ana *channels.Actor, team *channels.Channel)
		wantPost bool
	}{
		{"to oneself", "me", false, nil, true},
		{"to a channel", "#team", false, nil, true},
		{"to a private channel", "#team", true, nil, true},
		{"to a channel the creator left", "#team", false, leave, false},
		{"to a private channel the creator left", "#team", true, leave, false},
		{"to an archived channel", "#team", false, func(t *testing.T, e *testEnv, root, _ *channels.Actor, team *channels.Channel) {
			if _, err := e.svc.SetArchived(context.Background(), root, team.ID, true); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"from a deactivated creator", "me", false, func(t *testing.T, e *testEnv, root, ana *channels.Actor, _ *channels.Channel) {
			if _, err := e.svc.SetActive(context.Background(), root, ana.ID, false); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t, Options{})
			root := e.person("root")
			ana := e.person("ana")
			team := e.channel(root, "team", tt.private)
			if err := e.svc.AddMember(ctx, root, team.ID, ana.ID); err != nil {
				t.Fatal(err)
			}
			clock := newTestClock(remindT0)
			c := e.commands(CommandsOptions{Now: clock.Now})
			remind(t, c, ana, team.ID, "/remind "+tt.target+" in 1 minute standup")
			if tt.after != nil {
				tt.after(t, e, root, ana, team)
			}
			clock.Advance(time.Minute)
			c.deliverReminders(ctx)

			if r := reminderByText(t, e, "standup"); !r.deliveredAt.Valid {
				t.Errorf("reminder not settled")
			}
			want := map[bool]int{true: 1}[tt.wantPost]
			if tt.target == "me" {
				if n := count(notices(t, e, ana), "Reminder: standup"); n != want {
					t.Errorf("DM posted %d times, want %d", n, want)
				}
			} else if n := count(posted(t, e, root, team.ID), "Reminder from @ana: standup"); n != want {
				t.Errorf("channel post made %d times, want %d", n, want)
			}
		})
	}
}

// TestRemind_PendingLimit pins the bound on one person's undelivered
// reminders: delivered ones do not count.
func TestRemind_PendingLimit(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	ana := e.person("ana")
	general := e.channel(ana, "general", false)
	c := e.commands(CommandsOptions{Now: newTestClock(remindT0).Now})
	err := e.db.Write(ctx, func(tx *sqlite.Tx) error {
		for i := range maxPendingReminders {
			if _, err := tx.Exec(`INSERT INTO reminders (creator_id, text, due_at, created_at) VALUES (?, ?, ?, ?)`,
				ana.ID, fmt.Sprintf("r%d", i), remindT0.Add(time.Hour).UnixMilli(), remindT0.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Invoke(ctx, ana, general.ID, "/remind me in 5 minutes one too many", 0)
	if err != nil || res.OK || res.Error != "too_many_reminders" {
		t.Fatalf("over the limit: %+v, %v; want too_many_reminders", res, err)
	}
	var n int
	if err := e.db.ReadRow(ctx, `SELECT COUNT(*) FROM reminders WHERE text = 'one too many'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused reminder stored %d times (%v)", n, err)
	}
	if err := c.markReminder(ctx, reminderByText(t, e, "r0").id); err != nil {
		t.Fatal(err)
	}
	remind(t, c, ana, general.ID, "/remind me in 5 minutes room again")
}

// TestRemind_HalfDoneDeliveryNotRepeated pins the idempotency key: after a
// crash between the post and the delivered mark, delivering again does not
// post a second time, and settles the reminder.
func TestRemind_HalfDoneDeliveryNotRepeated(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, Options{})
	ana := e.person("ana")
	clock := newTestClock(remindT0)
	c := e.commands(CommandsOptions{Now: clock.Now})
	var id int64
	err := e.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO reminders (creator_id, text, due_at, created_at) VALUES (?, 'half done', ?, ?)`,
			ana.ID, remindT0.UnixMilli(), remindT0.UnixMilli())
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := e.svc.SystemActor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dm, _, err := e.svc.OpenDM(ctx, sys, []int64{ana.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.PostMessage(ctx, sys, dm.ID, channels.NewMessage{Text: "Reminder: half done", IdempotencyKey: fmt.Sprintf("reminder-%d", id)}); err != nil {
		t.Fatal(err)
	}
	c.deliverReminders(ctx)
	if n := count(notices(t, e, ana), "Reminder: half done"); n != 1 {
		t.Errorf("reminder posted %d times, want once", n)
	}
	if r := reminderByText(t, e, "half done"); !r.deliveredAt.Valid {
		t.Error("reminder not marked delivered")
	}
}
