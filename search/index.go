package search

import (
	"context"
	"errors"
)

// Document is what the index knows of one message: what its query
// language matches and filters on. The indexer builds documents from the
// database; backends store them as they like.
type Document struct {
	ID        int64 `json:"id"`
	ChannelID int64 `json:"channel_id"`
	// ChannelPublic is true for public channels, which every member of the
	// workspace may search; other channels only their members.
	ChannelPublic bool  `json:"channel_public"`
	UserID        int64 `json:"user_id"`
	IsBot         bool  `json:"is_bot"`
	// IsThread is true for a reply and for a message with replies.
	IsThread bool `json:"is_thread"`
	// Text is everything searchable: the message text, the text inside its
	// attachments and blocks, and its file names.
	Text        string `json:"text"`
	CreatedAt   int64  `json:"created_at"` // unix ms
	HasLink     bool   `json:"has_link"`
	HasFile     bool   `json:"has_file"`
	HasReaction bool   `json:"has_reaction"`
}

// Term is one word or phrase of a query.
type Term struct {
	Text    string // the word, or the phrase's words separated by spaces
	Phrase  bool   // "exact phrase"
	Prefix  bool   // word* (words only)
	Negated bool   // -word, -"phrase"
}

// Filter is a query's operators with names resolved to ids, plus the
// searcher's permission. Zero values mean "no restriction", except
// Readable, which always applies.
type Filter struct {
	// FromUserIDs: from:@user (any of them).
	FromUserIDs []int64
	// ChannelIDs: in:#channel or in:@user (any of them).
	ChannelIDs []int64
	// Before and After bound created_at (unix ms): Before is exclusive,
	// After inclusive; before:/after:/on:/during: become these.
	Before, After int64
	HasLink       bool
	HasFile       bool
	HasReaction   bool
	IsThread      bool
	IsBot         bool

	// Readable is the permission: documents of public channels, and of
	// these channels (the searcher's channels and DMs). Backends apply it
	// inside the query, never by dropping results afterwards.
	Readable []int64
}

// Query is a parsed, resolved search.
type Query struct {
	Terms  []Term
	Filter Filter
	// Sort is SortRelevance (BM25 blended with recency) or SortNewest.
	Sort   string
	Offset int
	Limit  int
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
)

// Hit is one result: the message id and its highlighted snippet.
type Hit struct {
	ID int64
	// Snippet is a stretch of the text with the matched terms marked: the
	// text between MarkStart and MarkEnd matched.
	Snippet string
}

// The markers around matched terms in a Hit's Snippet. They are private-use
// characters, which messages are not expected to contain.
const (
	MarkStart = "\uE000"
	MarkEnd   = "\uE001"
)

// Results is one page of hits and whether more follow.
type Results struct {
	Hits []Hit
	More bool
}

// Index is a full-text index of messages. Implementations: the SQLite FTS5
// backend (built in) and the Meilisearch backend.
type Index interface {
	// Name says which backend this is ("fts5", "meilisearch").
	Name() string
	// Upsert adds or replaces documents by id; idempotent.
	Upsert(ctx context.Context, docs []Document) error
	// Delete removes documents by message id; unknown ids are fine.
	Delete(ctx context.Context, ids []int64) error
	// Search runs a query. The filter's permission applies inside the
	// backend's query.
	Search(ctx context.Context, q Query) (Results, error)
	// Reset empties the index (before a rebuild).
	Reset(ctx context.Context) error
}

// ErrUnavailable wraps a backend failure that is worth retrying (the
// backend is down or overloaded).
var ErrUnavailable = errors.New("search backend unavailable")
