package main

import (
	"net/http"
	"testing"
)

func TestAPI_FirstUserIsAdmin(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	bob := ts.signup("bob")
	if !ada.User.IsAdmin {
		t.Errorf("first user is not admin")
	}
	if bob.User.IsAdmin {
		t.Errorf("second user is admin")
	}
	ch := ada.createChannel("general", false)
	bob.join(ch.ID)
	m := bob.post(ch.ID, "hello @ada", 0)
	if len(m.Mentions.UserIDs) != 1 || m.Mentions.UserIDs[0] != ada.User.ID {
		t.Errorf("mentions = %+v, want ada", m.Mentions)
	}
	var list struct {
		Items []struct {
			ID           int64 `json:"id"`
			UnreadCount  int   `json:"unread_count"`
			MentionCount int   `json:"mention_count"`
		} `json:"items"`
	}
	ada.mustJSON(http.StatusOK, "GET", "/api/v1/channels", nil, &list)
	if len(list.Items) != 1 || list.Items[0].UnreadCount != 1 || list.Items[0].MentionCount != 1 {
		t.Errorf("channels = %+v, want one with 1 unread and 1 mention", list.Items)
	}
}
