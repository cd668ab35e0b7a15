package channels

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// followRecorder collects what Follow hands a reader, failing the first
// fails batches it is given.
type followRecorder struct {
	mu       sync.Mutex
	seqs     []int64 // every event accepted, in order
	payloads int     // events accepted with their data
	batches  int
	upTo     int64
	fails    int
	grew     chan struct{}
}

func (r *followRecorder) handle(_ context.Context, events []Event, upTo int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails > 0 {
		r.fails--
		return errors.New("reader down")
	}
	r.batches++
	for _, e := range events {
		r.seqs = append(r.seqs, e.Seq)
		if len(e.Data) > 0 {
			r.payloads++
		}
	}
	r.upTo = upTo
	select {
	case r.grew <- struct{}{}:
	default:
	}
	return nil
}

func (r *followRecorder) reached(t *testing.T, seq int64) []int64 {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		upTo, seqs := r.upTo, append([]int64(nil), r.seqs...)
		r.mu.Unlock()
		if upTo >= seq {
			return seqs
		}
		select {
		case <-r.grew:
		case <-deadline:
			t.Fatalf("the reader reached %d, want %d", upTo, seq)
		}
	}
}

// followWorld is a service with one person in one channel.
func followWorld(t *testing.T) (*Service, *Actor, *Channel) {
	t.Helper()
	s := newTestService(t)
	ana := actor(t, s, "ana")
	ch, err := s.CreateChannel(context.Background(), ana, NewChannel{Name: "general"})
	if err != nil {
		t.Fatal(err)
	}
	return s, ana, ch
}

func TestFollow(t *testing.T) {
	ctx := context.Background()
	s, ana, ch := followWorld(t)
	post := func(n int) int64 {
		for i := 0; i < n; i++ {
			if _, _, err := s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: "hello"}); err != nil {
				t.Fatal(err)
			}
		}
		head, _, err := s.Log.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return head
	}

	for _, tc := range []struct {
		name  string
		opts  FollowOptions
		fails int
		skip  bool
	}{
		{"every event once, in order, in batches", FollowOptions{Batch: 3}, 0, false},
		{"without payloads", FollowOptions{Batch: 4, NoPayloads: true}, 0, false},
		{"a failed batch is handed over again", FollowOptions{Batch: 3}, 2, false},
		{"skipped to the head", FollowOptions{}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(ctx)
			r := &followRecorder{fails: tc.fails, grew: make(chan struct{}, 1)}
			var reported []error
			tc.opts.Failed = func(err error) { reported = append(reported, err) }
			if tc.skip {
				tc.opts.Skip = func(context.Context) (bool, error) { return true, nil }
			}
			from, _, err := s.Log.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.Log.Follow(ctx, from, tc.opts, r.handle)
			}()
			head := post(7) // 7 messages: 7 events
			seqs := r.reached(t, head)
			head = post(2) // woken again by the commits
			seqs = r.reached(t, head)
			cancel()
			<-done // Follow returns when its context ends

			if tc.skip {
				if len(seqs) != 0 {
					t.Fatalf("a skipping reader was handed events %v", seqs)
				}
				return
			}
			if len(seqs) != 9 || seqs[0] != from+1 || seqs[8] != head {
				t.Fatalf("handed %v, want %d..%d", seqs, from+1, head)
			}
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					t.Fatalf("not each once in order: %v", seqs)
				}
			}
			if r.batches < 9/tc.opts.Batch {
				t.Errorf("%d batches of at most %d", r.batches, tc.opts.Batch)
			}
			if withData := r.payloads > 0; withData == tc.opts.NoPayloads {
				t.Errorf("%d of %d events came with their data (NoPayloads %v)", r.payloads, len(seqs), tc.opts.NoPayloads)
			}
			if len(reported) != tc.fails {
				t.Errorf("%d failures reported, want %d", len(reported), tc.fails)
			}
		})
	}
}

// TestFollow_Payloads: a reader without payloads still learns which
// message each event is about.
func TestFollow_Payloads(t *testing.T) {
	ctx := context.Background()
	s, ana, ch := followWorld(t)
	head, _, _ := s.Log.Head(ctx)
	m, _, err := s.PostMessage(ctx, ana, ch.ID, NewMessage{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Log.All(ctx, head, 10)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.Log.Refs(ctx, head, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(full) != 1 || len(refs) != 1 || full[0].MessageID != m.ID || refs[0].MessageID != m.ID ||
		refs[0].Type != EventMessageCreated || refs[0].Data != nil || len(full[0].Data) == 0 {
		t.Fatalf("all %+v, refs %+v", full, refs)
	}
}
