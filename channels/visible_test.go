package channels

import (
	"context"
	"slices"
	"testing"
)

func TestService_VisibleMessages(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	ann := actor(t, s, "ann")
	bob := actor(t, s, "bob")
	public, err := s.CreateChannel(ctx, ann, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.CreateChannel(ctx, ann, NewChannel{Name: "secret", Private: true})
	if err != nil {
		t.Fatal(err)
	}
	post := func(ch int64, text string) int64 {
		m, _, err := s.PostMessage(ctx, ann, ch, NewMessage{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	a, b, hidden, gone := post(public.ID, "a"), post(public.ID, "b"), post(secret.ID, "c"), post(public.ID, "d")
	if err := s.DeleteMessage(ctx, ann, gone); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		who   *Actor
		ids   []int64
		want  []int64
		chans int
	}{
		{"order of ids kept", ann, []int64{b, hidden, a}, []int64{b, hidden, a}, 2},
		{"a non-member does not get the private one", bob, []int64{b, hidden, a}, []int64{b, a}, 1},
		{"deleted and unknown ids left out", ann, []int64{gone, 99999, a}, []int64{a}, 1},
		{"nothing asked", ann, nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, chans, err := s.VisibleMessages(ctx, tc.who, tc.ids)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, m := range msgs {
				got = append(got, m.ID)
				if chans[m.ChannelID] == nil {
					t.Errorf("message %d without its channel", m.ID)
				}
			}
			if !slices.Equal(got, tc.want) || len(chans) != tc.chans {
				t.Fatalf("got %v with %d channels, want %v with %d", got, len(chans), tc.want, tc.chans)
			}
		})
	}
}
