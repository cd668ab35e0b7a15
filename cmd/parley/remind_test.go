package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/channels/sqlite"
)

// systemBotID is the id of the workspace's system bot.
func systemBotID(t *testing.T, c *client) int64 {
	t.Helper()
	id, ok := findSystemBot(c)
	if !ok {
		t.Fatal("no system bot among the users")
	}
	return id
}

// findSystemBot looks the system bot up; it exists once it has spoken.
func findSystemBot(c *client) (int64, bool) {
	c.ts.t.Helper()
	var users channels.List[channels.User]
	c.mustJSON(http.StatusOK, "GET", "/api/v1/users", nil, &users)
	for _, u := range users.Items {
		if u.Username == channels.SystemBotUsername {
			return u.ID, true
		}
	}
	return 0, false
}

// countText counts the messages with exactly text.
func countText(msgs []channels.Message, text string) int {
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			n++
		}
	}
	return n
}

func TestRemind_Me(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)

	res := ana.command(ch.ID, "/remind me in 1s ship it")
	if !res.OK || len(res.Ephemeral) != 1 || len(res.Messages) != 0 {
		t.Fatalf("/remind me: %+v", res)
	}
	if got := res.Ephemeral[0].Text; !strings.HasPrefix(got, "I will remind you “ship it” at ") || !strings.HasSuffix(got, " UTC.") {
		t.Errorf("confirmation = %q", got)
	}
	botID := systemBotID(t, ana)
	var got []channels.Message
	waitFor(t, "the reminder DM", func() bool {
		got = systemNotices(t, ana)
		return countText(got, "Reminder: ship it") > 0
	})
	if n := countText(got, "Reminder: ship it"); n != 1 {
		t.Errorf("reminder delivered %d times", n)
	}
	for _, m := range got {
		if m.UserID != botID {
			t.Errorf("DM message %q from user %d, want the system bot %d", m.Text, m.UserID, botID)
		}
	}
	// Nothing was posted in the channel the command ran in.
	var msgs channels.List[channels.Message]
	ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", ch.ID), nil, &msgs)
	if len(msgs.Items) != 0 {
		t.Errorf("channel got %d messages, want none", len(msgs.Items))
	}
}

func TestRemind_Channel(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	general := ana.createChannel("general", false)
	team := ana.createChannel("team", true)

	res := ana.command(general.ID, "/remind #team in 1s standup")
	if !res.OK || len(res.Ephemeral) != 1 {
		t.Fatalf("/remind #team: %+v", res)
	}
	if got := res.Ephemeral[0].Text; !strings.HasPrefix(got, "I will remind #team “standup” at ") {
		t.Errorf("confirmation = %q", got)
	}
	botID := systemBotID(t, ana)
	var msg channels.Message
	waitFor(t, "the reminder in #team", func() bool {
		var msgs channels.List[channels.Message]
		ana.mustJSON(http.StatusOK, "GET", fmt.Sprintf("/api/v1/channels/%d/messages", team.ID), nil, &msgs)
		for _, m := range msgs.Items {
			if m.Text == "Reminder from @ana: standup" {
				msg = m
				return true
			}
		}
		return false
	})
	if msg.UserID != botID {
		t.Errorf("reminder posted by user %d, want the system bot %d", msg.UserID, botID)
	}
}

func TestRemind_Refused(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	bob := ts.signup("bob")
	general := ana.createChannel("general", false)
	secret := ana.createChannel("secret", true)
	archived := ana.createChannel("old", false)
	ana.createChannel("lobby", false)
	bob.join(general.ID)
	ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/archive", archived.ID), nil, nil)

	tests := []struct {
		name    string
		who     *client
		line    string
		wantErr string
	}{
		{"no arguments", ana, "/remind", "invalid_arguments"},
		{"unknown target", ana, "/remind bob in 5m hi", "invalid_arguments"},
		{"unknown time", ana, "/remind me next week hi", "invalid_arguments"},
		{"nothing to say", ana, "/remind me in 5 minutes", "invalid_arguments"},
		{"bare number", ana, "/remind me in 5 hi", "invalid_arguments"},
		{"past", ana, "/remind me on 2020-01-01 at 09:00 hi", "invalid_arguments"},
		{"more than a year", ana, "/remind me in 400 days hi", "invalid_arguments"},
		{"a count too large for a duration", ana, "/remind me in 18446744074 seconds hi", "invalid_arguments"},
		{"a count too large for an int64", ana, "/remind me in 99999999999999999999 weeks hi", "invalid_arguments"},
		{"a form feed in place of a unit", ana, "/remind me in 5\f call mom", "invalid_arguments"},
		{"private channel of others", bob, "/remind #secret in 5m hi", "channel_not_found"},
		{"public channel not joined", bob, "/remind #lobby in 5m hi", "not_in_channel"},
		{"archived channel", ana, "/remind #old in 5m hi", "channel_archived"},
		{"no such channel", ana, "/remind #nope in 5m hi", "channel_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.who.command(general.ID, tt.line)
			if res.OK || res.Error != tt.wantErr || len(res.Ephemeral) != 1 {
				t.Fatalf("%s: ok %v error %q ephemeral %+v; want error %q", tt.line, res.OK, res.Error, res.Ephemeral, tt.wantErr)
			}
		})
	}

	t.Run("a non-member cannot run commands in a private channel", func(t *testing.T) {
		res := bob.do("POST", fmt.Sprintf("/api/v1/channels/%d/commands", secret.ID), map[string]any{"text": "/remind me in 5m hi"})
		if res.Status != http.StatusNotFound {
			t.Fatalf("status %d, want 404; body %s", res.Status, res.Body)
		}
	})

	var pending int
	if err := ts.app.db.ReadRow(context.Background(), `SELECT COUNT(*) FROM reminders`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d reminders stored by refused commands", pending)
	}
}

// TestRemind_SurvivesSIGKILL sets a reminder on the real binary, kills it
// at once, restarts it after the due time and checks the reminder arrives
// exactly once, and not again after another restart. The due time passes
// while nothing runs by moving the stored reminder's due time into the
// past (pastDue), not by waiting for it.
func TestRemind_SurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: it builds the binary and kills it")
	}
	bin := durBuildBinary(t)
	dataDir := t.TempDir()
	client := &http.Client{Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	p := durStart(t, bin, dataDir)
	session, ch := durSignupWithChannel(t, client, p.base, "general")
	var res bots.CommandResult
	if st, err := durCall(client, "POST", fmt.Sprintf("%s/api/v1/channels/%d/commands", p.base, ch.ID), session.Token,
		map[string]any{"text": "/remind me in 1 hour survive"}, &res); err != nil || st != http.StatusOK || !res.OK {
		t.Fatalf("/remind: status %d, err %v, result %+v", st, err, res)
	}
	p.kill() // SIGKILL
	pastDue(t, dataDir, "survive")

	p = durStart(t, bin, dataDir)
	notices := func(p *durProcess) []channels.Message {
		var list channels.List[channels.Channel]
		if st, err := durCall(client, "GET", p.base+"/api/v1/channels", session.Token, nil, &list); err != nil || st != http.StatusOK {
			t.Fatalf("list channels: status %d, err %v", st, err)
		}
		for _, c := range list.Items {
			if c.Kind == channels.ChannelDM {
				var msgs channels.List[channels.Message]
				if st, err := durCall(client, "GET", fmt.Sprintf("%s/api/v1/channels/%d/messages", p.base, c.ID), session.Token, nil, &msgs); err != nil || st != http.StatusOK {
					t.Fatalf("list DM messages: status %d, err %v", st, err)
				}
				return msgs.Items
			}
		}
		return nil
	}
	waitFor(t, "the reminder after the restart", func() bool { return countText(notices(p), "Reminder: survive") > 0 })
	if n := countText(notices(p), "Reminder: survive"); n != 1 {
		t.Fatalf("reminder delivered %d times after the restart", n)
	}

	// Another restart: a later reminder arriving shows the loop ran, and
	// the first must still be there once.
	p.kill()
	p = durStart(t, bin, dataDir)
	if st, err := durCall(client, "POST", fmt.Sprintf("%s/api/v1/channels/%d/commands", p.base, ch.ID), session.Token,
		map[string]any{"text": "/remind me in 1s second"}, &res); err != nil || st != http.StatusOK || !res.OK {
		t.Fatalf("/remind: status %d, err %v, result %+v", st, err, res)
	}
	waitFor(t, "the second reminder", func() bool { return countText(notices(p), "Reminder: second") > 0 })
	if n := countText(notices(p), "Reminder: survive"); n != 1 {
		t.Errorf("first reminder delivered %d times after two restarts", n)
	}
}

// pastDue moves the undelivered reminder with text, stored in dataDir's
// database while no server runs, to a due time already past: as if the
// server had stayed down beyond it.
func pastDue(t *testing.T, dataDir, text string) {
	t.Helper()
	db, err := sqlite.OpenDB(filepath.Join(dataDir, "parley.db"), "full")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	err = db.Write(context.Background(), func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`UPDATE reminders SET due_at = ? WHERE text = ? AND delivered_at IS NULL`,
			time.Now().Add(-time.Second).UnixMilli(), text)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d undelivered reminders %q stored, want 1", n, text)
	}
}

// TestRemind_CloseLeaksNothing checks that closing the server stops the
// delivery loop, with reminders still waiting.
func TestRemind_CloseLeaksNothing(t *testing.T) {
	// Registered first, so it runs after the server's own clean-up.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	ts := newTestServer(t)
	ana := ts.signup("ana")
	ch := ana.createChannel("general", false)
	if res := ana.command(ch.ID, "/remind me in 1 hour later"); !res.OK {
		t.Fatalf("/remind: %+v", res)
	}
}
