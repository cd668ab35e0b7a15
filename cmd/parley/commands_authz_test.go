package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/parley-chat/parley/bots"
)

// authzCommand remembers the command each fixture's setup made.
var authzCommand sync.Map // *authzFixture → command id

// authzCommandRoutes are the authorization matrix's rows for slash
// commands: anyone runs commands in channels they can read and lists the
// commands; only a command's bot's owner and admins see or manage it, and
// to anyone else it does not exist.
func authzCommandRoutes() []authzRoute {
	// The guard refuses this address, so the matrix never calls an app.
	const target = "http://127.0.0.1:9/command"
	ownersBot := func(w *authzWorld, f *authzFixture) {
		b, tok, _, err := w.ts.app.bots.CreateFor(context.Background(), w.owner.User.Username,
			bots.NewBot{Username: w.next("bot"), Scopes: []string{"chat:write"}})
		if err != nil {
			w.t.Fatalf("create bot: %v", err)
		}
		f.botID, f.tokenID = b.ID, tok.ID
	}
	ownersCommand := func(w *authzWorld, f *authzFixture) {
		ownersBot(w, f)
		owner, err := w.ts.app.svc.Authenticate(context.Background(), w.owner.Token)
		if err != nil {
			w.t.Fatalf("authenticate owner: %v", err)
		}
		cmd, _, err := w.ts.app.commands.Create(context.Background(), owner,
			bots.CommandInput{Trigger: ptr(w.next("cmd")), URL: ptr(target), BotID: &f.botID})
		if err != nil {
			w.t.Fatalf("create command: %v", err)
		}
		authzCommand.Store(f, cmd.ID)
	}
	cmdPath := func(suffix string) func(*authzWorld, *authzFixture) string {
		return func(_ *authzWorld, f *authzFixture) string {
			id, _ := authzCommand.Load(f)
			return fmt.Sprintf("/api/v1/commands/%d%s", id, suffix)
		}
	}
	const cmdNF = "404 command_not_found"
	owned := func(r authzRoute, ok string) authzRoute {
		r.none = authzWants{ok, cmdNF, cmdNF, ok}
		r.setup = ownersCommand
		return r
	}
	readable := authzWants{"200", "200", wantChannelNF, wantChannelNF}
	return []authzRoute{
		{method: "POST", route: "/api/v1/channels/:id/commands", path: chPath("/commands"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"text": "/help"} },
			priv: readable, pub: authzAll("200"), dm: readable},
		{method: "GET", route: "/api/v1/commands", none: authzAll("200"), path: fixedPath("/api/v1/commands")},
		{method: "POST", route: "/api/v1/commands", path: fixedPath("/api/v1/commands"),
			none:  authzWants{"201", "400 bot_not_found", "400 bot_not_found", "201"},
			setup: ownersBot,
			body: func(w *authzWorld, f *authzFixture) any {
				return map[string]any{"trigger": w.next("cmd"), "url": target, "bot_id": f.botID}
			}},
		{method: "GET", route: "/api/v1/commands/registered", none: authzAll("200"), path: fixedPath("/api/v1/commands/registered")},
		owned(authzRoute{method: "GET", route: "/api/v1/commands/:id", path: cmdPath("")}, "200"),
		owned(authzRoute{method: "PATCH", route: "/api/v1/commands/:id", path: cmdPath(""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"description": "deploys"} }}, "200"),
		owned(authzRoute{method: "DELETE", route: "/api/v1/commands/:id", path: cmdPath("")}, "204"),
		owned(authzRoute{method: "POST", route: "/api/v1/commands/:id/rotate-secret", path: cmdPath("/rotate-secret")}, "200"),
	}
}

func ptr[T any](v T) *T { return &v }
