package main

import (
	"fmt"
	"net/http"
	"sync"
)

// authzOutgoing remembers the outgoing webhook each fixture's setup made.
var authzOutgoing sync.Map // *authzFixture → subscription id

// authzOutgoingRoutes are the authorization matrix's rows for outgoing
// webhooks (TestAuthz_Matrix runs them with authzRoutes): anyone may
// subscribe to channels they can read; only the creator and admins see or
// manage a subscription, and to anyone else it does not exist.
func authzOutgoingRoutes() []authzRoute {
	// Nothing listens there, so nothing is ever received from the matrix
	// (the slack format has no url_verification handshake to fail).
	const target = "http://127.0.0.1:9/hook"
	createBody := func(_ *authzWorld, f *authzFixture) any {
		return map[string]any{"url": target, "name": "hook", "format": "slack", "channel_ids": []int64{f.ch.ID}}
	}
	hookPath := func(suffix string) func(*authzWorld, *authzFixture) string {
		return func(_ *authzWorld, f *authzFixture) string {
			id, _ := authzOutgoing.Load(f)
			return fmt.Sprintf("/api/v1/outgoing-webhooks/%d%s", id, suffix)
		}
	}
	ownersHook := func(w *authzWorld, f *authzFixture) {
		var hook struct {
			ID int64 `json:"id"`
		}
		w.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/outgoing-webhooks", map[string]any{"url": target, "name": "hook", "format": "slack"}, &hook)
		authzOutgoing.Store(f, hook.ID)
	}
	const hookNF = "404 outgoing_webhook_not_found"
	owned := func(r authzRoute, ok string) authzRoute {
		r.none = authzWants{ok, hookNF, hookNF, ok}
		r.setup = ownersHook
		return r
	}
	return []authzRoute{
		{method: "POST", route: "/api/v1/outgoing-webhooks", path: fixedPath("/api/v1/outgoing-webhooks"), body: createBody,
			priv: authzWants{"201", "201", wantChannelNF, wantChannelNF},
			pub:  authzAll("201"),
			dm:   authzWants{"201", "201", wantChannelNF, wantChannelNF}},
		{method: "GET", route: "/api/v1/outgoing-webhooks", none: authzAll("200"), path: fixedPath("/api/v1/outgoing-webhooks")},
		owned(authzRoute{method: "GET", route: "/api/v1/outgoing-webhooks/:id", path: hookPath("")}, "200"),
		owned(authzRoute{method: "PATCH", route: "/api/v1/outgoing-webhooks/:id", path: hookPath(""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"name": "renamed"} }}, "200"),
		owned(authzRoute{method: "DELETE", route: "/api/v1/outgoing-webhooks/:id", path: hookPath("")}, "204"),
		owned(authzRoute{method: "POST", route: "/api/v1/outgoing-webhooks/:id/rotate-secret", path: hookPath("/rotate-secret")}, "200"),
		owned(authzRoute{method: "GET", route: "/api/v1/outgoing-webhooks/:id/deliveries", path: hookPath("/deliveries")}, "200"),
		owned(authzRoute{method: "POST", route: "/api/v1/outgoing-webhooks/:id/deliveries/:delivery_id/redeliver",
			path: hookPath("/deliveries/999999/redeliver")}, "404 delivery_not_found"),
	}
}
