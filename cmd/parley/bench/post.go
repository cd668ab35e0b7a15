package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
	"github.com/parley-chat/parley/webhooks"
)

// The posting workloads: 32 concurrent clients post as fast as they are
// answered, each post committed durably (the default --sqlite-sync full)
// before its answer. Afterwards the stored messages are counted.

const benchPosters = 32

// postTarget describes one posting workload: how to seed the data folder
// and how client g sends its i-th post.
type postTarget struct {
	unit string
	// seed prepares the data folder and returns the channel posted to and
	// one credential per client (tokens, or the hook's path for all).
	seed func(ctx context.Context, w *Workspace) (channelID int64, creds []string, err error)
	// request builds client g's post number i.
	request func(base, cred string, channelID int64, g, i int) (*http.Request, error)
	ok      func(status int, body []byte) bool
}

func benchPost(ctx context.Context, env *benchEnv) (benchResult, error) {
	return runPostWorkload(ctx, env, postTarget{
		unit: "posts/s",
		seed: seedPosters,
		request: func(base, token string, channelID int64, g, i int) (*http.Request, error) {
			body := fmt.Sprintf(`{"text":"bench post %d from client %d: the build is green"}`, i, g)
			req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/channels/%d/messages", base, channelID), strings.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
			}
			return req, err
		},
		ok: func(status int, _ []byte) bool { return status == http.StatusCreated },
	})
}

func benchWebhookIn(ctx context.Context, env *benchEnv) (benchResult, error) {
	return runPostWorkload(ctx, env, postTarget{
		unit: "posts/s",
		seed: func(ctx context.Context, w *Workspace) (int64, []string, error) {
			channelID, owner, err := seedPostersOwner(ctx, w)
			if err != nil {
				return 0, nil, err
			}
			_, secret, err := w.Incoming.Create(ctx, owner, webhooks.NewIncoming{ChannelID: channelID, Name: "ci", IconEmoji: "robot_face"})
			if err != nil {
				return 0, nil, fmt.Errorf("create incoming webhook: %w", err)
			}
			creds := make([]string, benchPosters) // every sender posts to the one hook
			for i := range creds {
				creds[i] = "/hooks/" + secret
			}
			return channelID, creds, nil
		},
		request: func(base, path string, _ int64, g, i int) (*http.Request, error) {
			body := fmt.Sprintf(`{"text":"Build *%d* of sender %d passed","username":"ci","attachments":[{"color":"good",`+
				`"title":"Deploy %d","title_link":"https://ci.example.com/builds/%d","text":"all green","fallback":"Deploy %d passed",`+
				`"fields":[{"title":"env","value":"prod","short":true}],"mrkdwn_in":["text"]}]}`, i, g, i, i, i)
			req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
			if err == nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, err
		},
		ok: func(status int, body []byte) bool { return status == http.StatusOK && string(body) == "ok" },
	})
}

func benchSlackAPI(ctx context.Context, env *benchEnv) (benchResult, error) {
	return runPostWorkload(ctx, env, postTarget{
		unit: "posts/s",
		seed: func(ctx context.Context, w *Workspace) (int64, []string, error) {
			channelID, owner, err := seedPostersOwner(ctx, w)
			if err != nil {
				return 0, nil, err
			}
			creds := make([]string, benchPosters)
			err = benchParallel(benchPosters, 4, func(i int) error {
				bot, _, secret, err := w.Bots.Create(ctx, owner, bots.NewBot{Username: fmt.Sprintf("ci%d", i),
					Scopes: []string{"chat:write"}})
				if err != nil {
					return fmt.Errorf("create bot: %w", err)
				}
				if err := w.Core.AddMember(ctx, owner, channelID, bot.ID); err != nil {
					return fmt.Errorf("add bot to the channel: %w", err)
				}
				creds[i] = secret
				return nil
			})
			return channelID, creds, err
		},
		request: func(base, token string, channelID int64, g, i int) (*http.Request, error) {
			form := url.Values{"token": {token}, "channel": {fmt.Sprintf("C%d", channelID)},
				"text": {fmt.Sprintf("bench post %d from bot %d: the build is green", i, g)}}
			req, err := http.NewRequest("POST", base+"/api/slack/chat.postMessage", strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		},
		ok: func(status int, body []byte) bool {
			var out struct {
				OK bool `json:"ok"`
			}
			return status == http.StatusOK && json.Unmarshal(body, &out) == nil && out.OK
		},
	})
}

// seedPosters makes benchPosters users in one public channel.
func seedPosters(ctx context.Context, w *Workspace) (int64, []string, error) {
	_, tokens, err := seedUsers(ctx, w, "poster", benchPosters)
	if err != nil {
		return 0, nil, err
	}
	channelID, err := seedChannel(ctx, w, "bench", tokens)
	return channelID, tokens, err
}

// seedPostersOwner seeds the posters' channel for a workload that posts
// through something its first user owns (a hook, bots), and returns that
// user.
func seedPostersOwner(ctx context.Context, w *Workspace) (int64, *channels.Actor, error) {
	channelID, tokens, err := seedPosters(ctx, w)
	if err != nil {
		return 0, nil, err
	}
	owner, err := w.Core.Authenticate(ctx, tokens[0])
	return channelID, owner, err
}

// runPostWorkload seeds, serves, warms up, measures and checks one posting
// run.
func runPostWorkload(ctx context.Context, env *benchEnv, t postTarget) (benchResult, error) {
	var (
		channelID int64
		creds     []string
	)
	err := env.seed(ctx, env.tmp, func(w *Workspace) (err error) {
		channelID, creds, err = t.seed(ctx, w)
		return err
	})
	if err != nil {
		return benchResult{}, fmt.Errorf("seed: %w", err)
	}
	srv, err := env.startServer(ctx, env.tmp)
	if err != nil {
		return benchResult{}, err
	}
	defer srv.stop()
	hc := benchHTTP(benchPosters)
	defer hc.CloseIdleConnections()
	op := func(_ context.Context, g, i int) error {
		req, err := t.request(srv.base, creds[g], channelID, g, i)
		if err != nil {
			return err
		}
		return call(hc, req, t.ok)
	}

	warm := env.size(benchPosters, benchPosters*20, benchPosters*20)
	if st := drive(ctx, &benchEnv{progress: func(int64, int64) {}}, warm, benchPosters, op); st.errors > 0 {
		return benchResult{}, fmt.Errorf("warm-up: %d errors, first: %v", st.errors, st.firstErr)
	}
	meter, err := srv.meter()
	if err != nil {
		return benchResult{}, err
	}
	total := env.size(200, 5_000, 40_000)
	st := drive(ctx, env, total, benchPosters, op)
	res := st.result(t.unit)
	if err := meter.finish(&res); err != nil {
		return res, err
	}
	if st.firstErr != nil {
		fmt.Fprintf(env.log, "  first error: %v\n", st.firstErr)
	}
	srv.stop()
	stored, err := env.countMessages(ctx, env.tmp, channelID)
	if err != nil {
		return res, fmt.Errorf("count stored messages: %w", err)
	}
	// Every acknowledged post must be stored (durably: the server was
	// stopped in between).
	if want := int64(warm) + res.Ops; stored < want {
		return res, fmt.Errorf("%d messages stored, %d were acknowledged", stored, want)
	}
	return res, nil
}
