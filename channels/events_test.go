package channels

import (
	"context"
	"encoding/json"
	"testing"
)

// TestLog_EventsFromTheJoin: a reader gets a channel's events from the
// moment they joined, whether the read starts before the join (each event
// checked against it) or after (membership alone decides).
func TestLog_EventsFromTheJoin(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ana := actor(t, s, "ana")
	bob := actor(t, s, "bob")
	early, err := s.CreateChannel(ctx, ana, NewChannel{Name: "early"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, bob, early.ID); err != nil {
		t.Fatal(err)
	}
	late, err := s.CreateChannel(ctx, ana, NewChannel{Name: "late", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	post := func(ch *Channel, text string) int64 {
		t.Helper()
		m, _, err := s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	post(early, "early-1")
	post(late, "late-before")
	if err := s.AddMember(ctx, ana, late.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	head, _, err := s.Log.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	post(late, "late-after")
	post(early, "early-2")

	texts := func(since int64) map[string]bool {
		t.Helper()
		events, err := s.Log.Events(ctx, bob.ID, "", since, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, e := range events {
			var m struct{ Text string }
			if e.Type == EventMessageCreated && json.Unmarshal(e.Data, &m) == nil {
				out[m.Text] = true
			}
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		since int64
		want  map[string]bool
	}{
		{"from the start, across the join", 0, map[string]bool{"early-1": true, "late-after": true, "early-2": true}},
		{"from after every join", head, map[string]bool{"late-after": true, "early-2": true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := texts(tc.since)
			if len(got) != len(tc.want) {
				t.Fatalf("bob reads %v, want %v", got, tc.want)
			}
			for text := range tc.want {
				if !got[text] {
					t.Errorf("bob misses %q (reads %v)", text, got)
				}
			}
		})
	}
}
