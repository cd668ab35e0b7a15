package webhooks

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/channels"
)

// outEnv is the outgoing webhooks service, started with a test clock, on
// a fresh database: root is the admin, ana and ben are people, and ana
// made the public #general.
type outEnv struct {
	svc            *channels.Service
	out            *Outgoing
	clock          *testClock
	root, ana, ben *channels.Actor
	general        *channels.Channel
}

func newOutEnv(t *testing.T, opts OutgoingOptions) *outEnv {
	t.Helper()
	return newOutEnvWith(t, opts, 5*time.Second)
}

// newOutEnvWith is newOutEnv with a sender that gives up on a request
// after timeout.
func newOutEnvWith(t *testing.T, opts OutgoingOptions, timeout time.Duration) *outEnv {
	t.Helper()
	svc := newTestService(t)
	e := &outEnv{svc: svc}
	e.root, e.ana, e.ben = signup(t, svc, "root"), signup(t, svc, "ana"), signup(t, svc, "ben")
	e.general = newChannel(t, svc, e.ana, "general", false)
	e.out, e.clock = startOutgoing(t, svc, opts, timeout)
	return e
}

// subscribe creates a subscription to rc as ana, named "hook" unless in
// names it, and tells rc its secret.
func (e *outEnv) subscribe(t *testing.T, rc *receiver, in SubscriptionInput) *Subscription {
	t.Helper()
	if in.Name == nil {
		in.Name = ptr("hook")
	}
	in.URL = ptr(rc.srv.URL)
	s, secret, err := e.out.Create(context.Background(), e.ana, in)
	if err != nil {
		t.Fatal(err)
	}
	rc.setSecret(secret)
	return s
}

// hitCounter is a receiver on 127.0.0.2, which the test sender's guard
// refuses: it counts the requests that reach it anyway.
func hitCounter(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL, &hits
}

// What a subscription may be: the defaults, each field's rule, and whose
// channels and bots it may name.
func TestOutgoing_CreateRules(t *testing.T) {
	e := newOutEnv(t, OutgoingOptions{})
	rc := newReceiver(t, nil, nil)
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	t.Cleanup(silent.Close)
	guarded, hits := hitCounter(t)
	private := newChannel(t, e.svc, e.ana, "secret", true)
	bot := newBot(t, e.svc, "helper")
	many := make([]string, 51)
	for i := range many {
		many[i] = "w" + strings.Repeat("x", i)
	}
	chans := make([]int64, 101)
	for i := range chans {
		chans[i] = e.general.ID
	}
	slack := ptr(FormatSlack)
	tests := []struct {
		name  string
		actor *channels.Actor // ana when nil
		url   string          // rc's when ""
		in    SubscriptionInput
		kind  error  // with code: the refusal (nil for invalid input)
		code  string // "": created
		want  func(*Subscription) bool
	}{
		{name: "defaults", want: func(s *Subscription) bool {
			return s.Format == FormatEvent && s.ContentType == "application/json" && s.TriggerWhen == TriggerFirstWord &&
				s.Active && s.CreatorID == e.ana.ID && s.BotID == nil && len(s.Token) == 26 && len(s.ChannelIDs) == 0
		}},
		{name: "slack format is a form by default", in: SubscriptionInput{Format: slack},
			want: func(s *Subscription) bool { return s.ContentType == "application/x-www-form-urlencoded" }},
		{name: "slack format as JSON", in: SubscriptionInput{Format: slack, ContentType: ptr("application/json")},
			want: func(s *Subscription) bool { return s.ContentType == "application/json" }},
		{name: "event format as a form", in: SubscriptionInput{ContentType: ptr("application/x-www-form-urlencoded")}, code: "invalid_content_type"},
		{name: "another content type", in: SubscriptionInput{Format: slack, ContentType: ptr("text/plain")}, code: "invalid_content_type"},
		{name: "another format", in: SubscriptionInput{Format: ptr("xml")}, code: "invalid_format"},
		{name: "trigger words trimmed, blanks dropped", in: SubscriptionInput{TriggerWords: &[]string{" deploy ", "", "  ", "ship"}},
			want: func(s *Subscription) bool {
				return len(s.TriggerWords) == 2 && s.TriggerWords[0] == "deploy" && s.TriggerWords[1] == "ship"
			}},
		{name: "51 trigger words", in: SubscriptionInput{TriggerWords: &many}, code: "too_many_trigger_words"},
		{name: "starts_with", in: SubscriptionInput{TriggerWhen: ptr(TriggerStartsWith)},
			want: func(s *Subscription) bool { return s.TriggerWhen == TriggerStartsWith }},
		{name: "another trigger rule", in: SubscriptionInput{TriggerWhen: ptr("sometimes")}, code: "invalid_trigger_when"},
		{name: "known event types", in: SubscriptionInput{EventTypes: &[]string{channels.EventReactionAdded, channels.EventMemberJoined}},
			want: func(s *Subscription) bool { return len(s.EventTypes) == 2 }},
		{name: "an unknown event type", in: SubscriptionInput{EventTypes: &[]string{"message.created", "user.created"}}, code: "invalid_event_type"},
		{name: "a blank name", in: SubscriptionInput{Name: ptr("  ")}, code: "invalid_name"},
		{name: "a name of 81 bytes", in: SubscriptionInput{Name: ptr(strings.Repeat("n", 81))}, code: "invalid_name"},
		{name: "an ftp URL", url: "ftp://example.com/hook", code: "invalid_url"},
		{name: "a URL without a host", url: "http:///hook", code: "invalid_url"},
		{name: "a private channel of one's own", in: SubscriptionInput{ChannelIDs: &[]int64{private.ID}},
			want: func(s *Subscription) bool { return len(s.ChannelIDs) == 1 && s.ChannelIDs[0] == private.ID }},
		{name: "a private channel one is not in", actor: e.ben, in: SubscriptionInput{ChannelIDs: &[]int64{private.ID}},
			kind: channels.ErrNotFound, code: "channel_not_found"},
		{name: "101 channels", in: SubscriptionInput{ChannelIDs: &chans}, code: "too_many_channels"},
		{name: "a bot_id that is a person", in: SubscriptionInput{BotID: &e.ben.ID}, code: "invalid_bot_id"},
		{name: "a bot, without a say on bots, by a person", in: SubscriptionInput{BotID: &bot.ID}, code: "invalid_bot_id"},
		{name: "a bot, without a say on bots, by an admin", actor: e.root, in: SubscriptionInput{BotID: &bot.ID},
			want: func(s *Subscription) bool { return s.BotID != nil && *s.BotID == bot.ID }},
		{name: "a bot token", actor: bot, kind: channels.ErrForbidden, code: "bots_cannot_manage_webhooks"},
		{name: "a URL that does not answer the challenge", url: silent.URL, code: "url_verification_failed"},
		{name: "a slack-format URL the guard refuses", url: "http://169.254.169.254/latest/meta-data/", in: SubscriptionInput{Format: slack},
			code: "url_not_allowed"},
		{name: "a slack-format loopback URL off the allowlist", url: guarded, in: SubscriptionInput{Format: slack}, code: "url_not_allowed"},
		{name: "an event-format URL the guard refuses", url: guarded, code: "url_verification_failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			actor, in := tc.actor, tc.in
			if actor == nil {
				actor = e.ana
			}
			if in.Name == nil {
				in.Name = ptr("hook")
			}
			in.URL = ptr(rc.srv.URL)
			if tc.url != "" {
				in.URL = &tc.url
			}
			before := rc.handshakes.Load()
			s, secret, err := e.out.Create(context.Background(), actor, in)
			if tc.code != "" {
				wantCode(t, err, tc.kind, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.want(s) || !strings.HasPrefix(secret, "pws_") {
				t.Fatalf("created %+v with secret %q", s, secret)
			}
			if shook := rc.handshakes.Load() - before; (s.Format == FormatEvent) != (shook == 1) {
				t.Fatalf("format %s: %d url_verification handshakes", s.Format, shook)
			}
			if got, err := e.out.Get(context.Background(), actor, s.ID); err != nil || got.URL != *in.URL || got.TriggerWhen != s.TriggerWhen {
				t.Fatalf("stored %+v, %v", got, err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused address was reached %d times", n)
	}
}

// With CanUseBot, whether a subscription may reply as a bot is its answer
// alone, for admins too.
func TestOutgoing_CanUseBot(t *testing.T) {
	var e *outEnv
	var asked atomic.Int32
	e = newOutEnv(t, OutgoingOptions{CanUseBot: func(_ context.Context, actor *channels.Actor, _ int64) error {
		asked.Add(1)
		if actor.ID != e.ana.ID {
			return channels.NotFound("bot")
		}
		return nil
	}})
	bot := newBot(t, e.svc, "helper")
	rc := newReceiver(t, nil, nil)
	for _, tc := range []struct {
		name  string
		actor *channels.Actor
		ok    bool
	}{{"the bot's manager", e.ana, true}, {"another person", e.ben, false}, {"an admin", e.root, false}} {
		t.Run(tc.name, func(t *testing.T) {
			before := asked.Load()
			_, _, err := e.out.Create(context.Background(), tc.actor, SubscriptionInput{Name: ptr("hook"), URL: ptr(rc.srv.URL), BotID: &bot.ID})
			if asked.Load() != before+1 {
				t.Fatal("CanUseBot was not asked")
			}
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok %v", err, tc.ok)
			}
			if !tc.ok {
				wantCode(t, err, nil, "invalid_bot_id")
			}
		})
	}
}

// A subscription is its creator's: others do not see, change, rotate,
// delete it or read its deliveries; an admin does; a bot token sees none.
func TestOutgoing_WhoManages(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{})
	bot := newBot(t, e.svc, "helper")
	rc := newReceiver(t, nil, nil)
	ops := []struct {
		name string
		do   func(a *channels.Actor, id int64) error
	}{
		{"get", func(a *channels.Actor, id int64) error { _, err := e.out.Get(ctx, a, id); return err }},
		{"update", func(a *channels.Actor, id int64) error {
			_, err := e.out.Update(ctx, a, id, SubscriptionInput{Name: ptr("renamed")})
			return err
		}},
		{"rotate its secret", func(a *channels.Actor, id int64) error { _, _, err := e.out.RotateSecret(ctx, a, id); return err }},
		{"list its deliveries", func(a *channels.Actor, id int64) error { _, _, err := e.out.Deliveries(ctx, a, id, 0, 10); return err }},
		{"delete", func(a *channels.Actor, id int64) error { return e.out.Delete(ctx, a, id) }},
	}
	for _, op := range ops {
		for _, who := range []struct {
			name  string
			actor *channels.Actor
			ok    bool
		}{{"its creator", e.ana, true}, {"another person", e.ben, false}, {"an admin", e.root, true}, {"a bot", bot, false}} {
			t.Run(op.name+" by "+who.name, func(t *testing.T) {
				s := e.subscribe(t, rc, SubscriptionInput{})
				err := op.do(who.actor, s.ID)
				if who.ok {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, channels.ErrNotFound, "outgoing_webhook_not_found")
				if got, err := e.out.Get(ctx, e.ana, s.ID); err != nil || got.Name != "hook" || got.UpdatedAt != s.UpdatedAt {
					t.Fatalf("after a refused %s: %+v, %v", op.name, got, err)
				}
			})
		}
	}
	for _, who := range []struct {
		actor *channels.Actor
		mine  bool // only their own
		none  bool
	}{{e.ana, true, false}, {e.ben, true, true}, {e.root, false, false}, {bot, true, true}} {
		list, err := e.out.List(ctx, who.actor)
		if err != nil {
			t.Fatal(err)
		}
		if who.none != (len(list) == 0) {
			t.Fatalf("%s lists %d subscriptions", who.actor.Username, len(list))
		}
		for _, s := range list {
			if who.mine && s.CreatorID != who.actor.ID {
				t.Fatalf("%s lists %+v", who.actor.Username, s)
			}
		}
	}
}

// An update is checked as a creation is, and a refused one changes
// nothing; a new URL (or format) is verified again, an unchanged one not.
func TestOutgoing_UpdateRules(t *testing.T) {
	ctx := context.Background()
	e := newOutEnv(t, OutgoingOptions{})
	rc := newReceiver(t, nil, nil)
	other := newReceiver(t, nil, nil)
	silent := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(silent.Close)
	tests := []struct {
		name       string
		start      SubscriptionInput
		patch      SubscriptionInput
		code       string
		handshakes int32 // to rc and other
		want       func(*Subscription) bool
	}{
		{name: "a name", patch: SubscriptionInput{Name: ptr("renamed")},
			want: func(s *Subscription) bool { return s.Name == "renamed" && s.URL == rc.srv.URL }},
		{name: "a new URL answering the challenge", patch: SubscriptionInput{URL: ptr(other.srv.URL)}, handshakes: 1,
			want: func(s *Subscription) bool { return s.URL == other.srv.URL }},
		{name: "a new URL not answering it", patch: SubscriptionInput{URL: ptr(silent.URL)}, code: "url_verification_failed"},
		{name: "a slack-format URL the guard refuses", start: SubscriptionInput{Format: ptr(FormatSlack)},
			patch: SubscriptionInput{URL: ptr("http://0177.0.0.2/")}, code: "url_not_allowed"},
		{name: "to the event format, as a form", start: SubscriptionInput{Format: ptr(FormatSlack)},
			patch: SubscriptionInput{Format: ptr(FormatEvent)}, code: "invalid_content_type"},
		{name: "to the event format", start: SubscriptionInput{Format: ptr(FormatSlack), ContentType: ptr("application/json")},
			patch: SubscriptionInput{Format: ptr(FormatEvent)}, handshakes: 1,
			want: func(s *Subscription) bool { return s.Format == FormatEvent }},
		{name: "trigger words", patch: SubscriptionInput{TriggerWords: &[]string{" go "}, TriggerWhen: ptr(TriggerStartsWith)},
			want: func(s *Subscription) bool {
				return len(s.TriggerWords) == 1 && s.TriggerWords[0] == "go" && s.TriggerWhen == TriggerStartsWith
			}},
		{name: "a bad trigger rule", patch: SubscriptionInput{TriggerWhen: ptr("later")}, code: "invalid_trigger_when"},
		{name: "turned off", patch: SubscriptionInput{Active: ptr(false), IncludeBotMessages: ptr(true)},
			want: func(s *Subscription) bool { return !s.Active && s.IncludeBotMessages }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := e.subscribe(t, rc, tc.start)
			before := rc.handshakes.Load() + other.handshakes.Load()
			_, err := e.out.Update(ctx, e.ana, s.ID, tc.patch)
			got, gerr := e.out.Get(ctx, e.ana, s.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.code != "" {
				wantCode(t, err, nil, tc.code)
				if got.URL != s.URL || got.Format != s.Format || got.TriggerWhen != s.TriggerWhen || got.UpdatedAt != s.UpdatedAt {
					t.Fatalf("a refused update changed %+v to %+v", s, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if shook := rc.handshakes.Load() + other.handshakes.Load() - before; shook != tc.handshakes || !tc.want(got) {
				t.Fatalf("stored %+v after %d handshakes", got, shook)
			}
		})
	}
}
