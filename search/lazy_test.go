package search

import (
	"context"
	"errors"
	"testing"
)

func TestLazy_OpensOnceReachable(t *testing.T) {
	ctx := context.Background()
	fts := openTestFTS(t)
	attempts := 0
	lazy := NewLazy("fake", func(context.Context) (Index, error) {
		attempts++
		if attempts < 3 {
			return nil, errors.New("connection refused")
		}
		return fts, nil
	})
	if lazy.Name() != "fake" {
		t.Fatalf("name %q", lazy.Name())
	}
	for range 2 {
		if err := lazy.Upsert(ctx, []Document{{ID: 1, Text: "x"}}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("while the backend is unreachable: %v, want ErrUnavailable", err)
		}
	}
	if err := lazy.Upsert(ctx, []Document{{ID: 1, Text: "hello", ChannelPublic: true}}); err != nil {
		t.Fatal(err)
	}
	res, err := lazy.Search(ctx, Query{Terms: []Term{{Text: "hello"}}, Limit: 5})
	if err != nil || len(res.Hits) != 1 || attempts != 3 {
		t.Fatalf("after opening: %+v, %v, %d attempts", res, err, attempts)
	}
}
