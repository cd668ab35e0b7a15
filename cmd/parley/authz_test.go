package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/parley-chat/parley/bots"
	"github.com/parley-chat/parley/channels"
)

// The authorization matrix: every route under /api/v1 × every kind of
// caller, with the exact status (and error code) each cell must answer.
//
// Callers:
//   - owner: a member who created the channel, wrote the message and
//     uploaded the file the row targets;
//   - member: a plain member of the target channel;
//   - non-member: a user outside the target channel;
//   - admin: the workspace admin, not a member of the target channel;
//   - deactivated: the old session of a user an admin deactivated;
//   - no-token: no credentials at all;
//   - revoked-pat: a personal access token deleted via DELETE /tokens/{id};
//   - logged-out: a session token after POST /logout.
//
// The last four get 401 on every authenticated route. Rows that target a
// channel are run against a private channel, a public channel and a DM.

type authzCaller int

const (
	callerOwner authzCaller = iota
	callerMember
	callerNonMember
	callerAdmin
	callerDeactivated
	callerNoToken
	callerRevokedPAT
	callerLoggedOut
	numAuthzCallers
)

var authzCallerNames = [numAuthzCallers]string{"owner", "member", "non-member", "admin", "deactivated", "no-token", "revoked-pat", "logged-out"}

// authenticated reports whether the caller holds a working token.
func (c authzCaller) authenticated() bool { return c <= callerAdmin }

// Targets a channel row runs against.
const (
	targetNone    = ""
	targetPrivate = "private"
	targetPublic  = "public"
	targetDM      = "dm"
)

// authzWants are the expected answers of owner, member, non-member and
// admin, each "STATUS" or "STATUS error_code".
type authzWants [4]string

func (w authzWants) set() bool { return w[0] != "" }

type authzWant struct {
	status int
	code   string
}

func parseAuthzWant(t *testing.T, s string) authzWant {
	t.Helper()
	num, code, _ := strings.Cut(s, " ")
	status, err := strconv.Atoi(num)
	if err != nil {
		t.Fatalf("bad want %q", s)
	}
	return authzWant{status, code}
}

// authzRoute is one route of the matrix with its expectations per target.
type authzRoute struct {
	method, route string // exactly as registered on the gin engine
	variant       string // tells several rows of one route apart
	public        string // routes without authentication: the answer to every caller

	// Expectations for the authenticated callers, per target.
	none, priv, pub, dm authzWants

	path  func(w *authzWorld, f *authzFixture) string
	body  func(w *authzWorld, f *authzFixture) any
	setup func(w *authzWorld, f *authzFixture) // extra state, before the call
	// freshToken makes each authenticated caller call with a new session of
	// its own (the route revokes the caller's token).
	freshToken bool
	// after checks what a cell left behind, beyond its answer.
	after func(t *testing.T, w *authzWorld, f *authzFixture, c authzCaller, res *response)
}

// authzMultipart is a request body sent as a multipart file upload.
type authzMultipart struct{ name, content string }

func (r authzRoute) targets() []string {
	var out []string
	for _, t := range []struct {
		name  string
		wants authzWants
	}{{targetNone, r.none}, {targetPrivate, r.priv}, {targetPublic, r.pub}, {targetDM, r.dm}} {
		if t.wants.set() {
			out = append(out, t.name)
		}
	}
	if r.public != "" {
		out = append(out, targetNone)
	}
	return out
}

func (r authzRoute) wants(target string) authzWants {
	switch target {
	case targetPrivate:
		return r.priv
	case targetPublic:
		return r.pub
	case targetDM:
		return r.dm
	}
	return r.none
}

const (
	wantChannelNF = "404 channel_not_found"
	wantMessageNF = "404 message_not_found"
	wantFileNF    = "404 file_not_found"
	wantNotIn     = "403 not_in_channel"
	wantAdminOnly = "403 admin_only"
	wantNotAllow  = "403 not_allowed"
	wantNotAuthor = "403 not_author"
)

func authzAll(s string) authzWants { return authzWants{s, s, s, s} }

func chPath(suffix string) func(*authzWorld, *authzFixture) string {
	return func(_ *authzWorld, f *authzFixture) string {
		return fmt.Sprintf("/api/v1/channels/%d%s", f.ch.ID, suffix)
	}
}

func msgPath(reply bool, suffix string) func(*authzWorld, *authzFixture) string {
	return func(_ *authzWorld, f *authzFixture) string {
		id := f.root.ID
		if reply {
			id = f.reply.ID
		}
		return fmt.Sprintf("/api/v1/messages/%d%s", id, suffix)
	}
}

// authzBot makes a row about a bot owned by the owner caller: the owner and
// the admin get ok, everyone else 404 bot_not_found.
func authzBot(r authzRoute, ok string) authzRoute {
	r.none = authzWants{ok, "404 bot_not_found", "404 bot_not_found", ok}
	r.setup = func(w *authzWorld, f *authzFixture) {
		b, tok, _, err := w.ts.app.bots.CreateFor(context.Background(), w.owner.User.Username,
			bots.NewBot{Username: w.next("bot"), Scopes: []string{"chat:write"}})
		if err != nil {
			w.t.Fatalf("create bot: %v", err)
		}
		f.botID, f.tokenID = b.ID, tok.ID
	}
	return r
}

// authzApp is a route on an app owned by the owner (with an app-level
// token), which only its bot's owner and admins reach.
func authzApp(r authzRoute, ok string) authzRoute {
	r.none = authzWants{ok, "404 app_not_found", "404 app_not_found", ok}
	r.setup = func(w *authzWorld, f *authzFixture) {
		ctx := context.Background()
		owner, err := w.ts.app.svc.Authenticate(ctx, w.owner.Token)
		if err != nil {
			w.t.Fatal(err)
		}
		app, _, _, err := w.ts.app.bots.CreateAppFor(ctx, owner.Username, bots.NewApp{Name: "App", NewBot: bots.NewBot{Username: w.next("app")}})
		if err != nil {
			w.t.Fatalf("create app: %v", err)
		}
		tok, _, err := w.ts.app.bots.IssueAppToken(ctx, owner, app.ID, "socket")
		if err != nil {
			w.t.Fatalf("issue app token: %v", err)
		}
		f.botID, f.tokenID = app.ID, tok.ID // the app's id stands in the bot's place
	}
	return r
}

func appPath(suffix string) func(*authzWorld, *authzFixture) string {
	return func(_ *authzWorld, f *authzFixture) string { return fmt.Sprintf("/api/v1/apps/%d%s", f.botID, suffix) }
}

func botPath(suffix string) func(*authzWorld, *authzFixture) string {
	return func(_ *authzWorld, f *authzFixture) string { return fmt.Sprintf("/api/v1/bots/%d%s", f.botID, suffix) }
}

func fixedPath(p string) func(*authzWorld, *authzFixture) string {
	return func(*authzWorld, *authzFixture) string { return p }
}

// authzRoutes is the matrix. A route registered under /api/v1 without a row
// here fails TestAuthz_Matrix.
func authzRoutes() []authzRoute {
	// Reads: members and, for public channels, everyone.
	readCh := func(r authzRoute) authzRoute {
		r.priv = authzWants{"200", "200", wantChannelNF, wantChannelNF}
		r.pub = authzAll("200")
		r.dm = r.priv
		return r
	}
	readMsg := func(r authzRoute) authzRoute {
		r.priv = authzWants{"200", "200", wantMessageNF, wantMessageNF}
		r.pub = authzAll("200")
		r.dm = r.priv
		return r
	}
	victimPath := func(action string) func(*authzWorld, *authzFixture) string {
		return func(_ *authzWorld, f *authzFixture) string {
			return fmt.Sprintf("/api/v1/users/%d/%s", f.victim.ID, action)
		}
	}
	archive := func(r authzRoute) authzRoute {
		r.priv = authzWants{"200", wantNotAllow, wantChannelNF, wantChannelNF}
		r.pub = authzWants{"200", wantNotAllow, wantNotIn, "200"}
		r.dm = authzWants{"400 cannot_archive_conversation", "400 cannot_archive_conversation", wantChannelNF, wantChannelNF}
		return r
	}
	return []authzRoute{
		// Public routes.
		{method: "POST", route: "/api/v1/signup", public: "201", path: fixedPath("/api/v1/signup"),
			body: func(w *authzWorld, _ *authzFixture) any {
				name := w.next("newbie")
				return map[string]any{"username": name, "password": "password-" + name}
			}},
		{method: "POST", route: "/api/v1/login", public: "200", path: fixedPath("/api/v1/login"),
			body: func(w *authzWorld, _ *authzFixture) any {
				return map[string]any{"username": w.owner.User.Username, "password": "password-" + w.owner.User.Username}
			}},
		{method: "GET", route: "/api/v1/openapi.json", public: "200", path: fixedPath("/api/v1/openapi.json")},

		// Accounts, tokens, invites.
		{method: "POST", route: "/api/v1/logout", none: authzAll("204"), path: fixedPath("/api/v1/logout"), freshToken: true},
		{method: "POST", route: "/api/v1/invites", none: authzWants{wantAdminOnly, wantAdminOnly, wantAdminOnly, "201"},
			path: fixedPath("/api/v1/invites")},
		{method: "GET", route: "/api/v1/users", none: authzAll("200"), path: fixedPath("/api/v1/users")},
		{method: "GET", route: "/api/v1/users/me", none: authzAll("200"), path: fixedPath("/api/v1/users/me")},
		{method: "PATCH", route: "/api/v1/users/me", none: authzAll("200"), path: fixedPath("/api/v1/users/me"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"status_text": "busy"} }},
		{method: "GET", route: "/api/v1/users/:id", none: authzAll("200"),
			path: func(w *authzWorld, _ *authzFixture) string { return fmt.Sprintf("/api/v1/users/%d", w.owner.User.ID) }},
		{method: "POST", route: "/api/v1/users/:id/deactivate", none: authzWants{wantAdminOnly, wantAdminOnly, wantAdminOnly, "200"},
			setup: func(w *authzWorld, f *authzFixture) { f.victim = w.user(w.next("victim")).User },
			path:  victimPath("deactivate")},
		{method: "POST", route: "/api/v1/users/:id/reactivate", none: authzWants{wantAdminOnly, wantAdminOnly, wantAdminOnly, "200"},
			setup: func(w *authzWorld, f *authzFixture) {
				f.victim = w.user(w.next("victim")).User
				w.admin.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%d/deactivate", f.victim.ID), nil, nil)
			},
			path: victimPath("reactivate")},
		{method: "POST", route: "/api/v1/tokens", none: authzAll("201"), path: fixedPath("/api/v1/tokens"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"name": "ci"} }},
		{method: "GET", route: "/api/v1/tokens", none: authzAll("200"), path: fixedPath("/api/v1/tokens")},
		// Only the token's owner may revoke it; to anyone else it does not exist.
		{method: "DELETE", route: "/api/v1/tokens/:id",
			none: authzWants{"204", "404 token_not_found", "404 token_not_found", "404 token_not_found"},
			setup: func(w *authzWorld, f *authzFixture) {
				var tok struct {
					ID int64 `json:"id"`
				}
				w.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "doomed"}, &tok)
				f.tokenID = tok.ID
			},
			path: func(_ *authzWorld, f *authzFixture) string { return fmt.Sprintf("/api/v1/tokens/%d", f.tokenID) }},
		// Asking to revoke someone else's token signs nobody out.
		{method: "DELETE", route: "/api/v1/tokens/:id", variant: "owner's sockets",
			none:  authzWants{"204", "404 token_not_found", "404 token_not_found", "404 token_not_found"},
			setup: authzWatchedToken,
			path:  func(_ *authzWorld, f *authzFixture) string { return fmt.Sprintf("/api/v1/tokens/%d", f.tokenID) },
			after: authzTokenRevokedOnlyByOwner},

		// Bot accounts: admins create them (unless users may); only a bot's
		// owner and admins see or manage it; to anyone else it does not exist.
		{method: "POST", route: "/api/v1/bots", none: authzWants{wantAdminOnly, wantAdminOnly, wantAdminOnly, "201"},
			path: fixedPath("/api/v1/bots"),
			body: func(w *authzWorld, _ *authzFixture) any {
				return map[string]any{"username": w.next("bot"), "scopes": []string{"chat:write"}}
			}},
		{method: "GET", route: "/api/v1/bots", none: authzAll("200"), path: fixedPath("/api/v1/bots")},
		authzBot(authzRoute{method: "GET", route: "/api/v1/bots/:id", path: botPath("")}, "200"),
		authzBot(authzRoute{method: "PATCH", route: "/api/v1/bots/:id", path: botPath(""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"display_name": "Robot"} }}, "200"),
		authzBot(authzRoute{method: "DELETE", route: "/api/v1/bots/:id", path: botPath("")}, "204"),
		authzBot(authzRoute{method: "GET", route: "/api/v1/bots/:id/tokens", path: botPath("/tokens")}, "200"),
		authzBot(authzRoute{method: "POST", route: "/api/v1/bots/:id/tokens", path: botPath("/tokens"),
			body: func(*authzWorld, *authzFixture) any {
				return map[string]any{"name": "deploy", "scopes": []string{"chat:write"}}
			}}, "201"),
		authzBot(authzRoute{method: "DELETE", route: "/api/v1/bots/:id/tokens/:token_id",
			path: func(_ *authzWorld, f *authzFixture) string {
				return fmt.Sprintf("/api/v1/bots/%d/tokens/%d", f.botID, f.tokenID)
			}}, "204"),

		// Apps: as bots, whose owners own them.
		{method: "POST", route: "/api/v1/apps", none: authzWants{wantAdminOnly, wantAdminOnly, wantAdminOnly, "201"},
			path: fixedPath("/api/v1/apps"),
			body: func(w *authzWorld, _ *authzFixture) any {
				return map[string]any{"name": "App", "username": w.next("app"), "scopes": []string{"chat:write"}}
			}},
		{method: "GET", route: "/api/v1/apps", none: authzAll("200"), path: fixedPath("/api/v1/apps")},
		authzApp(authzRoute{method: "GET", route: "/api/v1/apps/:id", path: appPath("")}, "200"),
		authzApp(authzRoute{method: "PATCH", route: "/api/v1/apps/:id", path: appPath(""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"name": "Renamed", "socket_mode": true} }}, "200"),
		authzApp(authzRoute{method: "POST", route: "/api/v1/apps/:id/rotate-secret", path: appPath("/rotate-secret")}, "200"),
		authzApp(authzRoute{method: "GET", route: "/api/v1/apps/:id/tokens", path: appPath("/tokens")}, "200"),
		authzApp(authzRoute{method: "POST", route: "/api/v1/apps/:id/tokens", path: appPath("/tokens"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"name": "socket"} }}, "201"),
		authzApp(authzRoute{method: "DELETE", route: "/api/v1/apps/:id/tokens/:token_id",
			path: func(_ *authzWorld, f *authzFixture) string {
				return fmt.Sprintf("/api/v1/apps/%d/tokens/%d", f.botID, f.tokenID)
			}}, "204"),

		// Channels and membership.
		{method: "POST", route: "/api/v1/channels", none: authzAll("201"), path: fixedPath("/api/v1/channels"),
			body: func(w *authzWorld, _ *authzFixture) any { return map[string]any{"name": w.next("new")} }},
		{method: "GET", route: "/api/v1/channels", none: authzAll("200"), path: fixedPath("/api/v1/channels")},
		{method: "GET", route: "/api/v1/channels", variant: "browse", none: authzAll("200"), path: fixedPath("/api/v1/channels?browse=true")},
		readCh(authzRoute{method: "GET", route: "/api/v1/channels/:id", path: chPath("")}),
		{method: "PATCH", route: "/api/v1/channels/:id", variant: "topic", path: chPath(""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"topic": "new topic"} },
			priv: authzWants{"200", "200", wantChannelNF, wantChannelNF},
			pub:  authzWants{"200", "200", wantNotIn, wantNotIn},
			dm:   authzWants{"200", "200", wantChannelNF, wantChannelNF}},
		{method: "PATCH", route: "/api/v1/channels/:id", variant: "rename", path: chPath(""),
			body: func(w *authzWorld, _ *authzFixture) any { return map[string]any{"name": w.next("renamed")} },
			priv: authzWants{"200", wantNotAllow, wantChannelNF, wantChannelNF},
			pub:  authzWants{"200", wantNotAllow, wantNotIn, wantNotIn},
			dm:   authzWants{"400 cannot_rename_conversation", "400 cannot_rename_conversation", wantChannelNF, wantChannelNF}},
		archive(authzRoute{method: "POST", route: "/api/v1/channels/:id/archive", path: chPath("/archive")}),
		archive(authzRoute{method: "POST", route: "/api/v1/channels/:id/unarchive", path: chPath("/unarchive"),
			setup: func(w *authzWorld, f *authzFixture) {
				if !f.ch.IsConversation() {
					w.owner.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/archive", f.ch.ID), nil, nil)
				}
			}}),
		readCh(authzRoute{method: "POST", route: "/api/v1/channels/:id/join", path: chPath("/join")}),
		// Leaving a channel one is not in is a no-op, not an error.
		{method: "POST", route: "/api/v1/channels/:id/leave", path: chPath("/leave"),
			priv: authzWants{"204", "204", wantChannelNF, wantChannelNF},
			pub:  authzAll("204"),
			dm:   authzWants{"400 cannot_leave_conversation", "400 cannot_leave_conversation", wantChannelNF, wantChannelNF}},
		readCh(authzRoute{method: "GET", route: "/api/v1/channels/:id/members", path: chPath("/members")}),
		{method: "POST", route: "/api/v1/channels/:id/members", path: chPath("/members"),
			body: func(w *authzWorld, _ *authzFixture) any { return map[string]any{"user_id": w.dave.User.ID} },
			priv: authzWants{"204", "204", wantChannelNF, wantChannelNF},
			pub:  authzWants{"204", "204", wantNotIn, wantNotIn},
			dm:   authzWants{"400 cannot_add_to_conversation", "400 cannot_add_to_conversation", wantChannelNF, wantChannelNF}},
		// Removes carol from a channel, or the member from the DM (for the
		// member that is leaving it).
		{method: "DELETE", route: "/api/v1/channels/:id/members/:user_id",
			path: func(w *authzWorld, f *authzFixture) string {
				victim := w.carol.User.ID
				if f.ch.IsConversation() {
					victim = w.member.User.ID
				}
				return fmt.Sprintf("/api/v1/channels/%d/members/%d", f.ch.ID, victim)
			},
			priv: authzWants{"204", wantNotAllow, wantChannelNF, wantChannelNF},
			pub:  authzWants{"204", wantNotAllow, wantNotIn, "204"},
			dm:   authzWants{"400 cannot_remove_from_conversation", "400 cannot_leave_conversation", wantChannelNF, wantChannelNF}},
		{method: "POST", route: "/api/v1/channels/:id/read", path: chPath("/read"),
			body: func(_ *authzWorld, f *authzFixture) any { return map[string]any{"message_id": f.root.ID} },
			priv: authzWants{"204", "204", wantChannelNF, wantChannelNF},
			pub:  authzWants{"204", "204", wantNotIn, wantNotIn},
			dm:   authzWants{"204", "204", wantChannelNF, wantChannelNF}},
		// Read positions ("seen") are shared only in DMs and group DMs.
		{method: "GET", route: "/api/v1/channels/:id/reads", path: chPath("/reads"),
			priv: authzWants{"400 not_a_dm", "400 not_a_dm", wantChannelNF, wantChannelNF},
			pub:  authzAll("400 not_a_dm"),
			dm:   authzWants{"200", "200", wantChannelNF, wantChannelNF}},
		{method: "POST", route: "/api/v1/dms", none: authzAll("201"), path: fixedPath("/api/v1/dms"),
			setup: func(w *authzWorld, f *authzFixture) { f.victim = w.user(w.next("pal")).User },
			body:  func(_ *authzWorld, f *authzFixture) any { return map[string]any{"user_ids": []int64{f.victim.ID}} }},

		// Messages, threads, reactions.
		{method: "POST", route: "/api/v1/channels/:id/messages", path: chPath("/messages"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"text": "hi"} },
			priv: authzWants{"201", "201", wantChannelNF, wantChannelNF},
			pub:  authzWants{"201", "201", wantNotIn, wantNotIn},
			dm:   authzWants{"201", "201", wantChannelNF, wantChannelNF}},
		{method: "POST", route: "/api/v1/channels/:id/messages", variant: "reply", path: chPath("/messages"),
			body: func(_ *authzWorld, f *authzFixture) any { return map[string]any{"text": "hi", "thread_id": f.root.ID} },
			priv: authzWants{"201", "201", wantChannelNF, wantChannelNF},
			pub:  authzWants{"201", "201", wantNotIn, wantNotIn},
			dm:   authzWants{"201", "201", wantChannelNF, wantChannelNF}},
		readCh(authzRoute{method: "GET", route: "/api/v1/channels/:id/messages", path: chPath("/messages")}),
		readMsg(authzRoute{method: "GET", route: "/api/v1/messages/:id", path: msgPath(false, "")}),
		readMsg(authzRoute{method: "GET", route: "/api/v1/messages/:id", variant: "reply", path: msgPath(true, "")}),
		{method: "PATCH", route: "/api/v1/messages/:id", path: msgPath(false, ""),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"text": "edited"} },
			priv: authzWants{"200", wantNotAuthor, wantMessageNF, wantMessageNF},
			pub:  authzWants{"200", wantNotAuthor, wantNotAuthor, wantNotAuthor},
			dm:   authzWants{"200", wantNotAuthor, wantMessageNF, wantMessageNF}},
		// Authors and admins delete; an admin only where it can see.
		{method: "DELETE", route: "/api/v1/messages/:id", path: msgPath(false, ""),
			priv: authzWants{"204", wantNotAuthor, wantMessageNF, wantMessageNF},
			pub:  authzWants{"204", wantNotAuthor, wantNotAuthor, "204"},
			dm:   authzWants{"204", wantNotAuthor, wantMessageNF, wantMessageNF}},
		{method: "DELETE", route: "/api/v1/messages/:id", variant: "reply", path: msgPath(true, ""),
			priv: authzWants{wantNotAuthor, "204", wantMessageNF, wantMessageNF},
			pub:  authzWants{wantNotAuthor, "204", wantNotAuthor, "204"},
			dm:   authzWants{wantNotAuthor, "204", wantMessageNF, wantMessageNF}},
		readMsg(authzRoute{method: "GET", route: "/api/v1/messages/:id/replies", path: msgPath(false, "/replies")}),
		{method: "PUT", route: "/api/v1/messages/:id/reactions/:emoji", path: msgPath(false, "/reactions/tada"),
			priv: authzWants{"204", "204", wantMessageNF, wantMessageNF},
			pub:  authzWants{"204", "204", wantNotIn, wantNotIn},
			dm:   authzWants{"204", "204", wantMessageNF, wantMessageNF}},
		{method: "DELETE", route: "/api/v1/messages/:id/reactions/:emoji", path: msgPath(false, "/reactions/thumbsup"),
			priv: authzWants{"204", "204", wantMessageNF, wantMessageNF},
			pub:  authzWants{"204", "204", wantNotIn, wantNotIn},
			dm:   authzWants{"204", "204", wantMessageNF, wantMessageNF}},

		// Files: readable by the uploader, by members of a channel where the
		// file was shared, and by everyone when that channel is public.
		{method: "POST", route: "/api/v1/files", none: authzAll("201"), path: fixedPath("/api/v1/files"),
			body: func(*authzWorld, *authzFixture) any { return authzMultipart{"notes.txt", "some notes"} }},
		{method: "GET", route: "/api/v1/files/:id",
			path: func(_ *authzWorld, f *authzFixture) string { return fmt.Sprintf("/api/v1/files/%d", f.file.ID) },
			priv: authzWants{"200", "200", wantFileNF, wantFileNF},
			pub:  authzAll("200"),
			dm:   authzWants{"200", "200", wantFileNF, wantFileNF}},

		{method: "GET", route: "/api/v1/events", none: authzAll("200"), path: fixedPath("/api/v1/events?since=0&limit=1000")},
		// A member reads a channel's log from the moment they joined.
		{method: "GET", route: "/api/v1/events", variant: "before a join", none: authzAll("200"),
			setup: authzLateJoin,
			path: func(_ *authzWorld, f *authzFixture) string {
				return fmt.Sprintf("/api/v1/events?since=%d&limit=1000", f.since)
			},
			after: authzNothingBeforeJoin},

		// Realtime. A plain GET, without the upgrade headers, is refused
		// after authentication; the WebSocket tests cover the upgrade.
		{method: "GET", route: "/api/v1/ws", none: authzAll("400 not_websocket"), path: fixedPath("/api/v1/ws")},
		{method: "GET", route: "/api/v1/ws", variant: "since", none: authzAll("400 not_websocket"), path: fixedPath("/api/v1/ws?since=1")},
		// Anyone signed in may see anyone's presence.
		{method: "GET", route: "/api/v1/users/:id/presence", none: authzAll("200"),
			path: func(w *authzWorld, _ *authzFixture) string {
				return fmt.Sprintf("/api/v1/users/%d/presence", w.owner.User.ID)
			}},
		{method: "PUT", route: "/api/v1/users/me/dnd", none: authzAll("200"), path: fixedPath("/api/v1/users/me/dnd"),
			body: func(*authzWorld, *authzFixture) any { return map[string]any{"minutes": 30} }},
		{method: "DELETE", route: "/api/v1/users/me/dnd", none: authzAll("204"), path: fixedPath("/api/v1/users/me/dnd")},
	}
}

// authzWorld holds the users every row shares.
type authzWorld struct {
	t  *testing.T
	ts *testServer
	// admin is the first user; owner, member and carol are in every fixture
	// channel; nonMember and dave in none.
	admin, owner, member, nonMember, carol, dave *client
	// Tokens that must not work.
	deactivated, revokedPAT, loggedOut string
	seq                                int
}

// next returns a unique name; fixed width, so that no name contains another.
func (w *authzWorld) next(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%05d", prefix, w.seq)
}

// user signs a user up through the service, which the per-IP sign-up limit
// of the HTTP route does not count.
func (w *authzWorld) user(name string) *client {
	w.t.Helper()
	u, token, err := w.ts.app.svc.Signup(context.Background(), channels.SignupInput{Username: name, Password: "password-" + name})
	if err != nil {
		w.t.Fatalf("sign up %s: %v", name, err)
	}
	return &client{ts: w.ts, Token: token, User: *u, Header: http.Header{}}
}

// session logs c's user in again and returns a client with the new session.
func (w *authzWorld) session(c *client) *client {
	w.t.Helper()
	_, token, err := w.ts.app.svc.Login(context.Background(), c.User.Username, "password-"+c.User.Username)
	if err != nil {
		w.t.Fatalf("log in %s: %v", c.User.Username, err)
	}
	return &client{ts: w.ts, Token: token, User: c.User, Header: http.Header{}}
}

func newAuthzWorld(t *testing.T) *authzWorld {
	// Outgoing webhooks and commands of the matrix point at a closed port on
	// loopback, which the guard must let them be created with.
	ts := newTestServer(t, func(c *Config) { c.WebhookAllowHosts = "127.0.0.1" })
	w := &authzWorld{t: t, ts: ts}
	w.admin = ts.signup("root")
	if !w.admin.User.IsAdmin {
		t.Fatal("the first user is not admin")
	}
	w.owner = w.user("owner")
	w.member = w.user("member")
	w.nonMember = w.user("outsider")
	w.carol = w.user("carol")
	w.dave = w.user("dave")

	dora := w.user("dora")
	w.admin.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%d/deactivate", dora.User.ID), nil, nil)
	w.deactivated = dora.Token

	var pat struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	w.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "revoked"}, &pat)
	(&client{ts: ts, Token: pat.Token, Header: http.Header{}}).mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	w.owner.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/tokens/%d", pat.ID), nil, nil)
	w.revokedPAT = pat.Token

	out := w.session(w.member)
	out.mustJSON(http.StatusNoContent, "POST", "/api/v1/logout", nil, nil)
	w.loggedOut = out.Token
	// Logging out one session leaves the member's others alone.
	w.member.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)
	return w
}

// as returns the client a caller calls with.
func (w *authzWorld) as(c authzCaller) *client {
	token := ""
	switch c {
	case callerOwner:
		return w.owner
	case callerMember:
		return w.member
	case callerNonMember:
		return w.nonMember
	case callerAdmin:
		return w.admin
	case callerDeactivated:
		token = w.deactivated
	case callerRevokedPAT:
		token = w.revokedPAT
	case callerLoggedOut:
		token = w.loggedOut
	}
	return &client{ts: w.ts, Token: token, Header: http.Header{}}
}

// authzFixture is the state one cell (or one read-only row) acts on: a
// channel of the target kind with owner, member (and carol) in it; a root
// message by owner with a reply by member and owner's :thumbsup:; a file
// uploaded by owner and shared in the channel.
type authzFixture struct {
	ch          channels.Channel
	root, reply channels.Message
	file        channels.File
	fileMsg     channels.Message
	tokenID     int64
	tokenWS     *wsClient // a socket open with tokenID
	botID       int64
	since       int64  // the log's head before the fixture's own events
	beforeJoin  string // text the member's log must not show
	victim      channels.User
	// secrets are strings of the fixture that only members may see.
	secrets []string
}

func (w *authzWorld) fixture(target string) *authzFixture {
	w.t.Helper()
	f := &authzFixture{}
	switch target {
	case targetNone:
		return f
	case targetPrivate, targetPublic:
		f.ch = w.owner.createChannel(w.next("chan"), target == targetPrivate)
		if target == targetPrivate {
			w.owner.addMember(f.ch.ID, w.member.User.ID)
			w.owner.addMember(f.ch.ID, w.carol.User.ID)
		} else {
			w.member.join(f.ch.ID)
			w.carol.join(f.ch.ID)
		}
		f.secrets = append(f.secrets, f.ch.Name)
	case targetDM:
		f.ch = w.owner.openDM(w.member.User.ID)
	default:
		w.t.Fatalf("unknown target %q", target)
	}
	f.root = w.owner.post(f.ch.ID, w.next("root text "), 0)
	f.reply = w.member.post(f.ch.ID, w.next("reply text "), f.root.ID)
	w.owner.mustJSON(http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/thumbsup", f.root.ID), nil, nil)
	fileName := w.next("file") + ".txt"
	f.file = w.owner.uploadFile(fileName, []byte(w.next("file contents ")))
	w.owner.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", f.ch.ID),
		map[string]any{"text": w.next("file text "), "file_ids": []int64{f.file.ID}}, &f.fileMsg)
	f.secrets = append(f.secrets, f.root.Text, f.reply.Text, f.fileMsg.Text, fileName, f.file.SHA256)
	return f
}

// authzDo is client.do that also sends authzMultipart bodies (only the
// upload route takes them).
func authzDo(c *client, method, path string, body any) *response {
	c.ts.t.Helper()
	if mp, ok := body.(authzMultipart); ok {
		return c.upload(mp.name, []byte(mp.content))
	}
	return c.do(method, path, body)
}

// TestAuthz_Matrix runs every route under /api/v1 as every caller and
// checks the exact answer.
func TestAuthz_Matrix(t *testing.T) {
	w := newAuthzWorld(t)
	rows := append(authzRoutes(), authzIncomingRoutes()...)
	rows = append(rows, authzOutgoingRoutes()...)
	rows = append(rows, authzCommandRoutes()...)
	rows = append(rows, authzSearchRoutes()...)

	// Every registered route has a row, and every row a registered route.
	// The server's own engine: a second router would start a second hub
	// that takes over the service's revocation and presence hooks.
	engine := w.ts.router
	registered := map[string]bool{}
	for _, r := range engine.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			registered[r.Method+" "+r.Path] = true
		}
	}
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.method+" "+r.route] = true
	}
	var missing, stale []string
	for k := range registered {
		if !covered[k] {
			missing = append(missing, k)
		}
	}
	for k := range covered {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	for _, k := range missing {
		t.Errorf("route %s has no row in the authorization matrix (authzRoutes in authz_test.go): add one", k)
	}
	for _, k := range stale {
		t.Errorf("matrix row %s matches no registered route", k)
	}
	if len(registered) == 0 {
		t.Fatal("no routes registered under /api/v1")
	}

	cells, parent := 0, t
	for _, r := range rows {
		for _, target := range r.targets() {
			name := r.method + " " + r.route
			if r.variant != "" {
				name += " " + r.variant
			}
			if target != "" {
				name += " @" + target
			}
			t.Run(name, func(t *testing.T) {
				// Helpers fail the subtest they run in.
				w.t, w.ts.t = t, t
				defer func() { w.t, w.ts.t = parent, parent }()
				cells += w.runRow(t, r, target)
			})
		}
	}
	t.Logf("authorization matrix: %d routes, %d rows (route × target), %d cells", len(registered), cells/int(numAuthzCallers), cells)
}

// runRow runs one row for every caller and returns the number of cells.
func (w *authzWorld) runRow(t *testing.T, r authzRoute, target string) int {
	var shared *authzFixture
	sharedFixture := func() *authzFixture {
		if shared == nil {
			shared = w.fixture(target)
			if r.setup != nil {
				r.setup(w, shared)
			}
		}
		return shared
	}
	wants := r.wants(target)
	for c := authzCaller(0); c < numAuthzCallers; c++ {
		var want authzWant
		switch {
		case r.public != "":
			want = parseAuthzWant(t, r.public)
		case c.authenticated():
			want = parseAuthzWant(t, wants[c])
		case c == callerNoToken:
			want = authzWant{http.StatusUnauthorized, "not_authenticated"}
		default:
			want = authzWant{http.StatusUnauthorized, "invalid_token"}
		}

		// A call that may change state gets a fixture of its own; reads and
		// calls that must be refused share one.
		f := sharedFixture()
		if r.method != "GET" && c.authenticated() {
			f = w.fixture(target)
			if r.setup != nil {
				r.setup(w, f)
			}
		}
		cl := w.as(c)
		if r.freshToken && c.authenticated() {
			cl = w.session(cl)
		}
		var body any
		if r.body != nil {
			body = r.body(w, f)
		}
		path := r.path(w, f)
		res := authzDo(cl, r.method, path, body)

		who := authzCallerNames[c]
		if res.Status != want.status || want.code != "" && res.Error() != want.code {
			t.Errorf("%s: %s %s = %d %q, want %d %q; body: %.300s", who, r.method, path, res.Status, res.Error(),
				want.status, want.code, res.Body)
		}
		if code := res.Error(); code == "route_not_found" || code == "method_not_allowed" {
			t.Errorf("%s: %s %s did not reach the route %s: %s", who, r.method, path, r.route, code)
		}
		if c != callerOwner && c != callerMember && target != targetPublic {
			for _, s := range f.secrets {
				if bytes.Contains(res.Body, []byte(s)) {
					t.Errorf("%s: %s %s leaks %q: %.300s", who, r.method, path, s, res.Body)
				}
			}
		}
		if r.after != nil {
			r.after(t, w, f, c, res)
		}
		if r.freshToken && c.authenticated() && res.Status == http.StatusNoContent {
			if got := cl.do("GET", "/api/v1/users/me", nil); got.Status != http.StatusUnauthorized {
				t.Errorf("%s: the session still works after logout: %d", who, got.Status)
			}
			if got := w.as(c).do("GET", "/api/v1/users/me", nil); got.Status != http.StatusOK {
				t.Errorf("%s: logging out one session ended another: %d", who, got.Status)
			}
		}
	}
	return int(numAuthzCallers)
}

// TestAuthz_PrivateNeverLeaks walks every read path as users outside a
// private channel and a DM (a plain user and the admin) and checks that no
// response carries their names, topics, message text, files or ids.
func TestAuthz_PrivateNeverLeaks(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.signup("root")
	ana := ts.signup("ana")
	ben := ts.signup("ben")
	bob := ts.signup("bob")
	carl := ts.signup("carl")

	// A public channel bob is in, as a positive control.
	lobby := ana.createChannel("lobby", false)
	bob.join(lobby.ID)
	hello := ana.post(lobby.ID, "public hello", 0)

	// A private channel with a full life: topic, members coming and going,
	// a thread, a reaction, an edit, a deletion, a file, read state, a
	// rename, archiving.
	secrets := []string{"zz-secret-plans", "zz-renamed-plans", "topic-xyzzy", "purpose-plugh", "root-text-quux",
		"edited-text-quux", "reply-text-frob", "deleted-text-zap", "file-text-corge", "secret-diagram.txt",
		"secret file bytes", "dm-text-grault", "dm-file.txt", "dm file bytes"}
	var priv channels.Channel
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "zz-secret-plans",
		"private": true, "topic": "topic-xyzzy", "purpose": "purpose-plugh"}, &priv)
	ana.addMember(priv.ID, ben.User.ID)
	ana.addMember(priv.ID, carl.User.ID)
	ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/channels/%d/members/%d", priv.ID, carl.User.ID), nil, nil)
	root := ana.post(priv.ID, "root-text-quux @bob @channel", 0)
	reply := ben.post(priv.ID, "reply-text-frob @bob", root.ID)
	ben.mustJSON(http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", root.ID), nil, nil)
	ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/messages/%d", root.ID), map[string]any{"text": "edited-text-quux @bob"}, nil)
	gone := ana.post(priv.ID, "deleted-text-zap", 0)
	ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/messages/%d", gone.ID), nil, nil)
	file := ana.uploadFile("secret-diagram.txt", []byte("secret file bytes"))
	var fileMsg channels.Message
	ana.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID),
		map[string]any{"text": "file-text-corge", "file_ids": []int64{file.ID}}, &fileMsg)
	ben.mustJSON(http.StatusNoContent, "POST", fmt.Sprintf("/api/v1/channels/%d/read", priv.ID), map[string]any{"message_id": fileMsg.ID}, nil)
	ana.mustJSON(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/channels/%d", priv.ID), map[string]any{"name": "zz-renamed-plans"}, nil)
	ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/archive", priv.ID), nil, nil)
	ana.mustJSON(http.StatusOK, "POST", fmt.Sprintf("/api/v1/channels/%d/unarchive", priv.ID), nil, nil)

	// A DM with a file.
	var dm channels.Channel
	ana.mustJSON(http.StatusCreated, "POST", "/api/v1/dms", map[string]any{"user_ids": []int64{ben.User.ID}}, &dm)
	dmMsg := ana.post(dm.ID, "dm-text-grault @bob", 0)
	dmFile := ben.uploadFile("dm-file.txt", []byte("dm file bytes"))
	var dmFileMsg channels.Message
	ben.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", dm.ID),
		map[string]any{"text": "dm-text-grault too", "file_ids": []int64{dmFile.ID}}, &dmFileMsg)

	secretChannels := map[int64]bool{priv.ID: true, dm.ID: true}
	secretMessages := map[int64]bool{root.ID: true, reply.ID: true, gone.ID: true, fileMsg.ID: true, dmMsg.ID: true, dmFileMsg.ID: true}
	secretFiles := map[int64]bool{file.ID: true, dmFile.ID: true}
	secrets = append(secrets, file.SHA256, dmFile.SHA256)

	// Members see it all, so the strings checked below are real.
	ownView := string(ana.do("GET", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID), nil).Body) +
		string(ana.do("GET", fmt.Sprintf("/api/v1/channels/%d", priv.ID), nil).Body) +
		string(ana.do("GET", fmt.Sprintf("/api/v1/messages/%d/replies", root.ID), nil).Body) +
		string(ana.do("GET", fmt.Sprintf("/api/v1/channels/%d/messages", dm.ID), nil).Body) +
		string(ana.do("GET", "/api/v1/events?since=0&limit=1000", nil).Body)
	for _, s := range []string{"zz-renamed-plans", "topic-xyzzy", "edited-text-quux", "reply-text-frob", "file-text-corge",
		"secret-diagram.txt", file.SHA256, "dm-text-grault", "dm-file.txt"} {
		if !strings.Contains(ownView, s) {
			t.Errorf("a member does not see %q; the leak checks would be vacuous", s)
		}
	}

	for _, who := range []struct {
		name string
		c    *client
	}{{"non-member", bob}, {"admin", admin}} {
		c := who.c
		check := func(label string, res *response, want int) {
			t.Helper()
			if res.Status != want {
				t.Errorf("%s: %s = %d, want %d; body: %.300s", who.name, label, res.Status, want, res.Body)
			}
			if res.Status == http.StatusForbidden {
				t.Errorf("%s: %s = 403, which tells that the resource exists", who.name, label)
			}
			for _, s := range secrets {
				if bytes.Contains(res.Body, []byte(s)) {
					t.Errorf("%s: %s leaks %q: %.300s", who.name, label, s, res.Body)
				}
			}
			var doc any
			if json.Unmarshal(res.Body, &doc) != nil {
				return
			}
			authzWalk(doc, func(obj map[string]any) {
				id := authzID(obj["id"])
				switch {
				case secretChannels[authzID(obj["channel_id"])]:
					t.Errorf("%s: %s names a private channel: %v", who.name, label, obj)
				case secretMessages[authzID(obj["message_id"])]:
					t.Errorf("%s: %s names a private message: %v", who.name, label, obj)
				case obj["kind"] == "private" || obj["kind"] == "dm" || obj["kind"] == "group_dm":
					t.Errorf("%s: %s shows a private channel: %v", who.name, label, obj)
				case obj["markup"] != nil && secretMessages[id]:
					t.Errorf("%s: %s shows a private message: %v", who.name, label, obj)
				case obj["sha256"] != nil && secretFiles[id]:
					t.Errorf("%s: %s shows a private file: %v", who.name, label, obj)
				}
			})
		}
		get := func(path string, want int) *response {
			t.Helper()
			res := c.do("GET", path, nil)
			check("GET "+path, res, want)
			return res
		}

		for _, id := range []int64{priv.ID, dm.ID} {
			for _, suffix := range []string{"", "/members", "/messages", "/messages?after=0", "/messages?before=999999", "/messages?limit=200"} {
				get(fmt.Sprintf("/api/v1/channels/%d%s", id, suffix), http.StatusNotFound)
			}
		}
		for id := range secretMessages {
			get(fmt.Sprintf("/api/v1/messages/%d", id), http.StatusNotFound)
			get(fmt.Sprintf("/api/v1/messages/%d/replies", id), http.StatusNotFound)
		}
		for id := range secretFiles {
			get(fmt.Sprintf("/api/v1/files/%d", id), http.StatusNotFound)
		}
		get("/api/v1/users", http.StatusOK)
		get("/api/v1/users/me", http.StatusOK)
		get(fmt.Sprintf("/api/v1/users/%d", ana.User.ID), http.StatusOK)
		get("/api/v1/tokens", http.StatusOK)

		// My channels with unread and mention counts: the private channel's
		// messages that mention bob count nowhere.
		var mine struct {
			Items []channels.Channel `json:"items"`
		}
		if err := json.Unmarshal(get("/api/v1/channels", http.StatusOK).Body, &mine); err != nil {
			t.Fatal(err)
		}
		if c == bob {
			if len(mine.Items) != 1 || mine.Items[0].ID != lobby.ID || mine.Items[0].UnreadCount != 1 || mine.Items[0].MentionCount != 0 {
				t.Errorf("bob's channels = %+v, want only lobby with 1 unread and no mention", mine.Items)
			}
		} else if len(mine.Items) != 0 {
			t.Errorf("admin's channels = %+v, want none", mine.Items)
		}

		// Browse, one channel per page, to the end.
		browsed := 0
		for cursor, pages := "", 0; pages < 20; pages++ {
			var page struct {
				Items      []channels.Channel `json:"items"`
				NextCursor string             `json:"next_cursor"`
			}
			if err := json.Unmarshal(get("/api/v1/channels?browse=true&limit=1&cursor="+cursor, http.StatusOK).Body, &page); err != nil {
				t.Fatal(err)
			}
			browsed += len(page.Items)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if browsed != 1 {
			t.Errorf("%s: browsing found %d channels, want the lobby only", who.name, browsed)
		}

		// The event feed, a few at a time, from the start.
		var feed strings.Builder
		for since, pages := "0", 0; pages < 100; pages++ {
			var page struct {
				Items      []channels.Event `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			res := get("/api/v1/events?limit=3&since="+since, http.StatusOK)
			if err := json.Unmarshal(res.Body, &page); err != nil {
				t.Fatal(err)
			}
			feed.Write(res.Body)
			if len(page.Items) == 0 {
				break
			}
			since = page.NextCursor
		}
		if c == bob && !strings.Contains(feed.String(), hello.Text) {
			t.Errorf("bob's event feed lacks the lobby message; the feed check would be vacuous")
		}

		// Pointing at private things from a channel one is in.
		post := func(label string, body map[string]any, want int, code string) {
			t.Helper()
			res := c.do("POST", fmt.Sprintf("/api/v1/channels/%d/messages", lobby.ID), body)
			check(label, res, want)
			if res.Error() != code {
				t.Errorf("%s: %s = %q, want %q", who.name, label, res.Error(), code)
			}
		}
		if c == bob {
			post("reply into a private thread", map[string]any{"text": "x", "thread_id": root.ID}, http.StatusNotFound, "thread_not_found")
			post("share a private file", map[string]any{"text": "x", "file_ids": []int64{file.ID}}, http.StatusNotFound, "file_not_found")
			post("share a DM file", map[string]any{"text": "x", "file_ids": []int64{dmFile.ID}}, http.StatusNotFound, "file_not_found")
			res := c.do("POST", fmt.Sprintf("/api/v1/channels/%d/read", lobby.ID), map[string]any{"message_id": root.ID})
			check("mark read at a private message", res, http.StatusNotFound)
		}
		res := c.do("PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", root.ID), nil)
		check("react to a private message", res, http.StatusNotFound)
	}
}

// authzWalk calls visit for every JSON object in v.
func authzWalk(v any, visit func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		visit(x)
		for _, e := range x {
			authzWalk(e, visit)
		}
	case []any:
		for _, e := range x {
			authzWalk(e, visit)
		}
	}
}

// authzID reads a JSON number as an id (0 for anything else).
func authzID(v any) int64 {
	f, ok := v.(float64)
	if !ok {
		return 0
	}
	return int64(f)
}

// TestAuthz_IdempotentReplayStaysInChannel: replaying an Idempotency-Key
// first used in a private channel, after leaving it, must not return that
// channel's message through another channel.
func TestAuthz_IdempotentReplayStaysInChannel(t *testing.T) {
	ts := newTestServer(t)
	ana := ts.signup("ana")
	ben := ts.signup("ben")
	priv := ana.createChannel("plans", true)
	ana.addMember(priv.ID, ben.User.ID)
	lobby := ana.createChannel("lobby", false)
	ben.join(lobby.ID)

	keyed := *ben
	keyed.Header = ben.Header.Clone()
	keyed.Header.Set("Idempotency-Key", "retry-1")
	var first channels.Message
	keyed.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID), map[string]any{"text": "plans-text-waldo"}, &first)
	ana.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/channels/%d/members/%d", priv.ID, ben.User.ID), nil, nil)
	ana.mustJSON(http.StatusNoContent, "PUT", fmt.Sprintf("/api/v1/messages/%d/reactions/eyes", first.ID), nil, nil)

	res := keyed.do("POST", fmt.Sprintf("/api/v1/channels/%d/messages", lobby.ID), map[string]any{"text": "hello"})
	if res.Status != http.StatusBadRequest || res.Error() != "invalid_idempotency_key" {
		t.Errorf("replay into another channel = %d %q, want 400 invalid_idempotency_key; body: %s", res.Status, res.Error(), res.Body)
	}
	if bytes.Contains(res.Body, []byte("plans-text-waldo")) {
		t.Errorf("replay into another channel leaks the private message: %s", res.Body)
	}
	// The same key in the same channel still replays (here: 404, ben is out).
	res = keyed.do("POST", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID), map[string]any{"text": "plans-text-waldo"})
	if res.Status != http.StatusNotFound || res.Error() != "channel_not_found" {
		t.Errorf("replay into the channel ben left = %d %q, want 404 channel_not_found", res.Status, res.Error())
	}
	ana.addMember(priv.ID, ben.User.ID)
	var again channels.Message
	res = keyed.mustJSON(http.StatusCreated, "POST", fmt.Sprintf("/api/v1/channels/%d/messages", priv.ID), map[string]any{"text": "plans-text-waldo"}, &again)
	if again.ID != first.ID || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay in the same channel = message %d (replayed %q), want %d", again.ID, res.Header.Get("Idempotent-Replayed"), first.ID)
	}
}
