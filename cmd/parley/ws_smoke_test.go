package main

import (
	"testing"
	"time"
)

func TestWS_HelloAndLiveMessage(t *testing.T) {
	ts := newTestServer(t)
	ada := ts.signup("ada")
	ch := ada.createChannel("general", false)
	ws := ada.dialWS("", nil)
	hello := ws.next(5 * time.Second)
	if hello.Type != "hello" || hello.UserID != ada.User.ID {
		t.Fatalf("first frame = %s, want hello", hello.Raw)
	}
	m := ada.post(ch.ID, "live", 0)
	f := ws.nextOfType("message.created", 5*time.Second)
	if f.Seq <= hello.Seq {
		t.Errorf("seq %d not after hello %d", f.Seq, hello.Seq)
	}
	if f.ChannelID == nil || *f.ChannelID != ch.ID {
		t.Errorf("frame %s not for channel %d (message %d)", f.Raw, ch.ID, m.ID)
	}
}
