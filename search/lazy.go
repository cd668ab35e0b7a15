package search

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Lazy is an index opened on first use: a backend that is unreachable when
// the server starts (Meilisearch still booting) does not keep the server
// from starting. Until open succeeds every call fails with ErrUnavailable,
// which the indexer retries, and searches answer that search is
// unavailable.
type Lazy struct {
	name string
	open func(ctx context.Context) (Index, error)

	mu    sync.Mutex // held while opening
	index atomic.Pointer[Index]
}

// NewLazy returns an index called name that open creates when first
// needed.
func NewLazy(name string, open func(ctx context.Context) (Index, error)) *Lazy {
	return &Lazy{name: name, open: open}
}

// Name is the backend's name, known before it is opened.
func (l *Lazy) Name() string { return l.name }

func (l *Lazy) get(ctx context.Context) (Index, error) {
	if idx := l.index.Load(); idx != nil {
		return *idx, nil
	}
	// One caller opens; the others do not queue behind a slow attempt.
	if !l.mu.TryLock() {
		return nil, fmt.Errorf("open %s: %w: being opened", l.name, ErrUnavailable)
	}
	defer l.mu.Unlock()
	if idx := l.index.Load(); idx != nil {
		return *idx, nil
	}
	idx, err := l.open(ctx)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("open %s: %w: %w", l.name, ErrUnavailable, err)
	}
	l.index.Store(&idx)
	return idx, nil
}

func (l *Lazy) Upsert(ctx context.Context, docs []Document) error {
	idx, err := l.get(ctx)
	if err != nil {
		return err
	}
	return idx.Upsert(ctx, docs)
}

func (l *Lazy) Delete(ctx context.Context, ids []int64) error {
	idx, err := l.get(ctx)
	if err != nil {
		return err
	}
	return idx.Delete(ctx, ids)
}

func (l *Lazy) Search(ctx context.Context, q Query) (Results, error) {
	idx, err := l.get(ctx)
	if err != nil {
		return Results{}, err
	}
	return idx.Search(ctx, q)
}

func (l *Lazy) Reset(ctx context.Context) error {
	idx, err := l.get(ctx)
	if err != nil {
		return err
	}
	return idx.Reset(ctx)
}
