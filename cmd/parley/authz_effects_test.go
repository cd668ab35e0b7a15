package main

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

// Setups and checks of authorization-matrix rows whose effects go beyond
// the answer: a revocation that must touch only the token's owner, a log
// that must start at a member's join.

// authzWatchedToken gives the owner a personal token with a socket open on it.
func authzWatchedToken(w *authzWorld, f *authzFixture) {
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	w.owner.mustJSON(http.StatusCreated, "POST", "/api/v1/tokens", map[string]any{"name": "watched"}, &tok)
	f.tokenID = tok.ID
	f.tokenWS = (&client{ts: w.ts, Token: tok.Token, User: w.owner.User, Header: http.Header{}}).dialWS("", nil)
	f.tokenWS.hello(w.owner.User.ID)
}

// authzTokenRevokedOnlyByOwner: the owner's delete closes the token's socket
// with 4003; anyone else's leaves it open.
func authzTokenRevokedOnlyByOwner(t *testing.T, w *authzWorld, f *authzFixture, c authzCaller, _ *response) {
	if c == callerOwner {
		if code, _ := f.tokenWS.closeCode(); code != 4003 {
			t.Errorf("owner: the revoked token's socket closed with %d, want 4003", code)
		}
		return
	}
	f.tokenWS.t = t
	f.tokenWS.ping() // fails the test if the socket was closed
}

// authzLateJoin makes a private channel with history, then adds the member
// (and carol): the member's log must start at their join.
func authzLateJoin(w *authzWorld, f *authzFixture) {
	f.since = w.ts.logHead()
	f.ch = w.owner.createChannel(w.next("late"), true)
	f.beforeJoin = "before-join-" + w.next("text")
	w.owner.post(f.ch.ID, f.beforeJoin, 0)
	draft := w.owner.post(f.ch.ID, "draft-"+f.beforeJoin, 0)
	w.owner.mustJSON(http.StatusOK, "PATCH", messagePath(draft.ID, ""), map[string]any{"text": "edited-" + f.beforeJoin}, nil)
	w.owner.addMember(f.ch.ID, w.member.User.ID)
	w.owner.addMember(f.ch.ID, w.carol.User.ID)
	w.owner.post(f.ch.ID, "after-join-"+f.beforeJoin, 0)
}

func authzNothingBeforeJoin(t *testing.T, _ *authzWorld, f *authzFixture, c authzCaller, res *response) {
	if !c.authenticated() {
		return
	}
	who := authzCallerNames[c]
	has := func(s string) bool { return bytes.Contains(res.Body, []byte(s)) }
	if has("draft-" + f.beforeJoin) {
		t.Errorf("%s: the log keeps text an edit replaced", who)
	}
	switch c {
	case callerOwner:
		if !has("edited-"+f.beforeJoin) || !has("after-join-"+f.beforeJoin) {
			t.Errorf("owner: the channel's creator misses its history: %.300s", res.Body)
		}
	case callerMember:
		if has(`"text":"`+f.beforeJoin) || has("edited-"+f.beforeJoin) {
			t.Errorf("member: the log shows what happened before the join")
		}
		if !has("after-join-" + f.beforeJoin) {
			t.Errorf("member: the log misses what happened after the join")
		}
	default:
		if has(fmt.Sprintf(`"channel_id":%d`, f.ch.ID)) {
			t.Errorf("%s: the log shows a private channel's events", who)
		}
	}
}

// TestRevoke_OtherBotsTokenLeavesItAlone: a bot's owner asking to revoke,
// through their own bot, a token of someone else's bot gets 404 and the
// other bot's socket and token go on working.
func TestRevoke_OtherBotsTokenLeavesItAlone(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.UsersCanCreateBots = true })
	root := ts.signup("root")
	ana := ts.signup("ana")
	_, mine := ana.createBot("mine")
	theirs, other := root.createBot("theirs", "channels:history")
	ws := theirs.dialWS("", nil)
	ws.hello(other.Bot.ID)

	res := ana.do("DELETE", fmt.Sprintf("/api/v1/bots/%d/tokens/%d", mine.Bot.ID, other.TokenInfo.ID), nil)
	wantError(t, res, http.StatusNotFound, "token_not_found")
	ws.ping()
	theirs.mustJSON(http.StatusOK, "GET", "/api/v1/users/me", nil, nil)

	// The owner's own revocation still closes the socket.
	root.mustJSON(http.StatusNoContent, "DELETE", fmt.Sprintf("/api/v1/bots/%d/tokens/%d", other.Bot.ID, other.TokenInfo.ID), nil, nil)
	if code, _ := ws.closeCode(); code != 4003 {
		t.Fatalf("close code %d, want 4003", code)
	}
}
