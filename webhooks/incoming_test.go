package webhooks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parley-chat/parley/channels"
)

// hookEnv is the incoming webhook service on a fresh database: root is
// the admin, ana and ben are people, and ana made #general and #random.
type hookEnv struct {
	svc             *channels.Service
	in              *IncomingService
	root, ana, ben  *channels.Actor
	general, random *channels.Channel
}

func newHookEnv(t *testing.T, opts IncomingOptions) *hookEnv {
	t.Helper()
	svc := newTestService(t)
	e := &hookEnv{svc: svc, in: NewIncomingService(svc, opts)}
	e.root, e.ana, e.ben = signup(t, svc, "root"), signup(t, svc, "ana"), signup(t, svc, "ben")
	e.general = newChannel(t, svc, e.ana, "general", false)
	e.random = newChannel(t, svc, e.ana, "random", false)
	return e
}

// hook creates an incoming webhook as ana (into #general unless in names
// a channel) and returns it with its secret.
func (e *hookEnv) hook(t *testing.T, in NewIncoming) (*Incoming, string) {
	t.Helper()
	if in.ChannelID == 0 {
		in.ChannelID = e.general.ID
	}
	if in.Name == "" {
		in.Name = "CI"
	}
	h, secret, err := e.in.Create(context.Background(), e.ana, in)
	if err != nil {
		t.Fatal(err)
	}
	return h, secret
}

// Who may add a hook to which channel, and what a hook's fields may hold.
func TestIncoming_Create(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	bot := newBot(t, e.svc, "helper")
	secretCh := newChannel(t, e.svc, e.ana, "secret", true)
	old := newChannel(t, e.svc, e.ana, "old", false)
	if _, err := e.svc.SetArchived(ctx, e.ana, old.ID, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		actor *channels.Actor
		in    NewIncoming
		kind  error  // with code: the refusal (nil for invalid input)
		code  string // "": created
	}{
		{"a member of the channel", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "  CI  ", IconEmoji: ":rocket:"}, nil, ""},
		{"a person not in the channel", e.ben, NewIncoming{ChannelID: e.general.ID, Name: "CI"}, channels.ErrForbidden, "not_in_channel"},
		{"an admin not in the channel", e.root, NewIncoming{ChannelID: e.general.ID, Name: "CI"}, channels.ErrForbidden, "not_in_channel"},
		{"a private channel one is not in", e.ben, NewIncoming{ChannelID: secretCh.ID, Name: "CI"}, channels.ErrNotFound, "channel_not_found"},
		{"an archived channel", e.ana, NewIncoming{ChannelID: old.ID, Name: "CI"}, channels.ErrForbidden, "channel_archived"},
		{"a bot", bot, NewIncoming{ChannelID: e.general.ID, Name: "CI"}, channels.ErrForbidden, "people_only"},
		{"no name", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "   "}, nil, "invalid_name"},
		{"a name of 81 characters", e.ana, NewIncoming{ChannelID: e.general.ID, Name: strings.Repeat("é", 81)}, nil, "invalid_name"},
		{"a description of 501 characters", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "CI", Description: strings.Repeat("d", 501)}, nil, "invalid_description"},
		{"a username of 81 characters", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "CI", Username: strings.Repeat("u", 81)}, nil, "invalid_username"},
		{"both icons", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "CI", IconEmoji: "ghost", IconURL: "https://example.com/i.png"}, nil, "invalid_icon"},
		{"an icon URL that is not http", e.ana, NewIncoming{ChannelID: e.general.ID, Name: "CI", IconURL: "ftp://example.com/i.png"}, nil, "invalid_icon_url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, secret, err := e.in.Create(ctx, tc.actor, tc.in)
			if tc.code != "" {
				wantCode(t, err, tc.kind, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.ID == 0 || h.CreatorID != tc.actor.ID || h.ChannelID != tc.in.ChannelID || h.Name != "CI" || h.IconEmoji != "rocket" {
				t.Fatalf("created %+v", h)
			}
			if !strings.HasPrefix(secret, PrefixIncoming) || len(secret) < len(PrefixIncoming)+20 {
				t.Fatalf("secret %q", secret)
			}
		})
	}
}

// The secret is shown once, at creation: the database keeps its hash, and
// reading the hook back never shows it.
func TestIncoming_SecretStoredHashed(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	h, secret := e.hook(t, NewIncoming{})
	count := func(v any) (n int) {
		t.Helper()
		if err := e.svc.DB().ReadRow(ctx, `SELECT COUNT(*) FROM incoming_webhooks WHERE secret_hash = ?`, v).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(channels.HashSecret(secret)) != 1 || count(secret) != 0 || count([]byte(secret)) != 0 {
		t.Fatal("the stored secret is not its hash")
	}
	got, err := e.in.Get(ctx, e.ana, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, err := e.in.List(ctx, e.ana)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{got, list} {
		if b, _ := json.Marshal(v); strings.Contains(string(b), secret) || strings.Contains(string(b), secret[len(PrefixIncoming):]) {
			t.Fatalf("%s shows the secret", b)
		}
	}
}

// A hook is its creator's: others do not see it, change it or delete it;
// an admin does.
func TestIncoming_WhoManages(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	ops := []struct {
		name string
		do   func(a *channels.Actor, id int64) error
	}{
		{"get", func(a *channels.Actor, id int64) error { _, err := e.in.Get(ctx, a, id); return err }},
		{"update", func(a *channels.Actor, id int64) error {
			_, err := e.in.Update(ctx, a, id, IncomingPatch{Name: ptr("renamed")})
			return err
		}},
		{"delete", func(a *channels.Actor, id int64) error { return e.in.Delete(ctx, a, id) }},
	}
	for _, op := range ops {
		for _, who := range []struct {
			name  string
			actor *channels.Actor
			ok    bool
		}{{"its creator", e.ana, true}, {"another person", e.ben, false}, {"an admin", e.root, true}} {
			t.Run(op.name+" by "+who.name, func(t *testing.T) {
				h, _ := e.hook(t, NewIncoming{})
				err := op.do(who.actor, h.ID)
				if !who.ok {
					wantCode(t, err, channels.ErrNotFound, "incoming_webhook_not_found")
					if got, err := e.in.Get(ctx, e.ana, h.ID); err != nil || got.Name != "CI" {
						t.Fatalf("after a refused %s: %+v, %v", op.name, got, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}

	// Lists: one's own hooks, every live hook for an admin.
	if _, err := e.svc.Join(ctx, e.ben, e.random.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.in.Create(ctx, e.ben, NewIncoming{ChannelID: e.random.ID, Name: "ben's"}); err != nil {
		t.Fatal(err)
	}
	creators := func(a *channels.Actor) map[int64]int {
		t.Helper()
		hooks, err := e.in.List(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		n := map[int64]int{}
		for _, h := range hooks {
			n[h.CreatorID]++
		}
		return n
	}
	ana, ben, all := creators(e.ana), creators(e.ben), creators(e.root)
	// ana made one hook per row; the admin and she deleted two.
	if len(ana) != 1 || ana[e.ana.ID] != 7 || len(ben) != 1 || ben[e.ben.ID] != 1 ||
		len(all) != 2 || all[e.ana.ID] != 7 || all[e.ben.ID] != 1 {
		t.Fatalf("hooks listed by creator: to ana %v, to ben %v, to the admin %v", ana, ben, all)
	}
}

// Moving a hook needs membership of the new channel; a refused change
// changes nothing; setting one icon clears the other.
func TestIncoming_Update(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	bens := newChannel(t, e.svc, e.ben, "bens", false)
	tests := []struct {
		name  string
		start NewIncoming
		patch IncomingPatch
		kind  error
		code  string
		want  func(*Incoming) bool
	}{
		{"to a channel of one's own", NewIncoming{}, IncomingPatch{ChannelID: &e.random.ID}, nil, "",
			func(h *Incoming) bool { return h.ChannelID == e.random.ID }},
		{"to a channel one is not in", NewIncoming{}, IncomingPatch{ChannelID: &bens.ID}, channels.ErrForbidden, "not_in_channel", nil},
		{"an empty name", NewIncoming{}, IncomingPatch{Name: ptr(" ")}, nil, "invalid_name", nil},
		{"an emoji replaces the icon URL", NewIncoming{IconURL: "https://example.com/i.png"}, IncomingPatch{IconEmoji: ptr("ghost")}, nil, "",
			func(h *Incoming) bool { return h.IconEmoji == "ghost" && h.IconURL == "" }},
		{"an icon URL replaces the emoji", NewIncoming{IconEmoji: "ghost"}, IncomingPatch{IconURL: ptr("https://example.com/i.png")}, nil, "",
			func(h *Incoming) bool { return h.IconEmoji == "" && h.IconURL == "https://example.com/i.png" }},
		{"both icons at once", NewIncoming{}, IncomingPatch{IconEmoji: ptr("ghost"), IconURL: ptr("https://example.com/i.png")}, nil, "invalid_icon", nil},
		{"channel override", NewIncoming{}, IncomingPatch{AllowChannelOverride: ptr(true), Description: ptr("posts builds")}, nil, "",
			func(h *Incoming) bool {
				return h.AllowChannelOverride && h.Description == "posts builds" && h.Name == "CI"
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := e.hook(t, tc.start)
			_, err := e.in.Update(ctx, e.ana, h.ID, tc.patch)
			got, gerr := e.in.Get(ctx, e.ana, h.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.code != "" {
				wantCode(t, err, tc.kind, tc.code)
				if got.ChannelID != h.ChannelID || got.Name != h.Name || got.UpdatedAt != h.UpdatedAt {
					t.Fatalf("a refused update changed %+v to %+v", h, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(got) {
				t.Fatalf("stored %+v", got)
			}
		})
	}
}

// A change applies to the next post at once (the hook cache is dropped),
// and a deleted hook posts nothing more.
func TestIncoming_ChangeAndDeleteApplyAtOnce(t *testing.T) {
	ctx := context.Background()
	e := newHookEnv(t, IncomingOptions{})
	h, secret := e.hook(t, NewIncoming{})
	posted, err := e.in.Post(ctx, secret, IncomingPayload{Text: "one"}, "", false)
	if err != nil || posted.Message.Username != "CI" || posted.Message.ChannelID != e.general.ID {
		t.Fatalf("post: %+v, %v", posted, err)
	}
	if _, err := e.in.Update(ctx, e.ana, h.ID, IncomingPatch{Username: ptr("builds"), ChannelID: &e.random.ID}); err != nil {
		t.Fatal(err)
	}
	posted, err = e.in.Post(ctx, secret, IncomingPayload{Text: "two"}, "", false)
	if err != nil || posted.Message.Username != "builds" || posted.Message.ChannelID != e.random.ID {
		t.Fatalf("post after the change: %+v, %v", posted, err)
	}
	if got, _ := e.in.Get(ctx, e.ana, h.ID); got.LastUsedAt == nil {
		t.Fatal("last_used_at not set by a post")
	}
	if err := e.in.Delete(ctx, e.ana, h.ID); err != nil {
		t.Fatal(err)
	}
	before := len(history(t, e.svc, e.ana, e.random.ID))
	_, err = e.in.Post(ctx, secret, IncomingPayload{Text: "three"}, "", false)
	wantHookError(t, err, 404, "no_service")
	if n := len(history(t, e.svc, e.ana, e.random.ID)); n != before {
		t.Fatalf("a deleted hook posted (%d messages, %d before)", n, before)
	}
	if _, err := e.in.Get(ctx, e.ana, h.ID); err == nil {
		t.Fatal("a deleted hook is still found")
	}
	if err := e.in.Delete(ctx, e.ana, h.ID); err == nil {
		t.Fatal("a deleted hook was deleted again")
	}
	_, err = e.in.Post(ctx, "plh_not-a-hook", IncomingPayload{Text: "x"}, "", false)
	wantHookError(t, err, 404, "no_service")
}
