package main

import (
	"fmt"
	"net/http"
	"sync"
)

// authzHooks remembers the incoming webhook each fixture's setup made.
var authzHooks sync.Map // *authzFixture → hook id

// authzIncomingRoutes are the authorization matrix's rows for incoming
// webhooks (TestAuthz_Matrix runs them with authzRoutes): a channel member
// creates a hook; only its creator and admins see or manage it, and to
// anyone else it does not exist.
func authzIncomingRoutes() []authzRoute {
	createBody := func(_ *authzWorld, f *authzFixture) any {
		return map[string]any{"channel_id": f.ch.ID, "name": "CI"}
	}
	hookPath := func(_ *authzWorld, f *authzFixture) string {
		id, _ := authzHooks.Load(f)
		return fmt.Sprintf("/api/v1/incoming-webhooks/%d", id)
	}
	ownersHook := func(w *authzWorld, f *authzFixture) {
		ch := w.owner.createChannel(w.next("hooks"), true)
		var hook struct {
			ID int64 `json:"id"`
		}
		w.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/incoming-webhooks", map[string]any{"channel_id": ch.ID, "name": "CI"}, &hook)
		authzHooks.Store(f, hook.ID)
	}
	const hookNF = "404 incoming_webhook_not_found"
	return []authzRoute{
		{method: "POST", route: "/api/v1/incoming-webhooks", path: fixedPath("/api/v1/incoming-webhooks"), body: createBody,
			priv: authzWants{"201", "201", wantChannelNF, wantChannelNF},
			pub:  authzWants{"201", "201", wantNotIn, wantNotIn},
			dm:   authzWants{"201", "201", wantChannelNF, wantChannelNF}},
		{method: "GET", route: "/api/v1/incoming-webhooks", none: authzAll("200"), path: fixedPath("/api/v1/incoming-webhooks")},
		{method: "GET", route: "/api/v1/incoming-webhooks/:id", none: authzWants{"200", hookNF, hookNF, "200"},
			path: hookPath, setup: ownersHook},
		{method: "PATCH", route: "/api/v1/incoming-webhooks/:id", none: authzWants{"200", hookNF, hookNF, "200"},
			path: hookPath, setup: ownersHook,
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"name": "Deploys"} }},
		{method: "DELETE", route: "/api/v1/incoming-webhooks/:id", none: authzWants{"204", hookNF, hookNF, "204"},
			path: hookPath, setup: ownersHook},
	}
}
