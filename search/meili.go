package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Meili is the Meilisearch backend of Index. Every call to meilisearch-go
// lives in this file; tests fake Meilisearch at the HTTP level.
//
// Differences from the FTS5 backend, which come from Meilisearch itself:
//   - Words are typo tolerant (one typo from 5 letters, two from 9).
//   - Meilisearch prefix-matches the last word of q when nothing follows
//     it. Search moves a prefix term (word*) to the end of q; with several
//     prefix terms only the last one is a prefix, the others match as
//     whole words. Without one, q ends with a space, so that its last word
//     matches whole, as in FTS5.
//   - A negated prefix (-word*) excludes only the whole word: Meilisearch
//     negates exact words.
//   - Negated terms need Meilisearch 1.8 or later. A query of only
//     negated terms relies on Meilisearch returning every document
//     (within the filter) without those words.
//   - Results end at the index's pagination.maxTotalHits (1000 by
//     default): a page past it comes back empty.
type Meili struct {
	client meilisearch.ServiceManager
	index  meilisearch.IndexManager
	cfg    meiliConfig
}

type meiliConfig struct {
	indexUID     string
	taskTimeout  time.Duration
	pollInterval time.Duration
	httpClient   *http.Client
}

// MeiliOption configures NewMeili.
type MeiliOption func(*meiliConfig)

// MeiliIndex sets the index uid (default "messages"); tests use a unique
// one each.
func MeiliIndex(uid string) MeiliOption { return func(c *meiliConfig) { c.indexUID = uid } }

// MeiliTaskTimeout bounds how long a write waits for Meilisearch to finish
// its task (default 30s). Waiting longer is reported as ErrUnavailable.
func MeiliTaskTimeout(d time.Duration) MeiliOption {
	return func(c *meiliConfig) { c.taskTimeout = d }
}

// MeiliPollInterval sets how often a write polls its task (default 50ms).
func MeiliPollInterval(d time.Duration) MeiliOption {
	return func(c *meiliConfig) { c.pollInterval = d }
}

// meiliSettings are applied at start-up. The ranking rules are
// Meilisearch's defaults plus recency as the last tiebreaker.
var meiliSettings = meilisearch.Settings{
	SearchableAttributes: []string{"text"},
	FilterableAttributes: []string{"channel_id", "channel_public", "user_id", "is_bot", "is_thread",
		"has_link", "has_file", "has_reaction", "created_at"},
	SortableAttributes: []string{"created_at", "id"},
	RankingRules:       []string{"words", "typo", "proximity", "attribute", "sort", "exactness", "created_at:desc"},
}

// meiliCropLength is the snippet length in words.
const meiliCropLength = 24

// NewMeili connects to Meilisearch at url, creates the index if it is
// missing and applies its settings, waiting for both tasks to finish.
func NewMeili(ctx context.Context, url, key string, opts ...MeiliOption) (*Meili, error) {
	cfg := meiliConfig{
		indexUID:     "messages",
		taskTimeout:  30 * time.Second,
		pollInterval: 50 * time.Millisecond,
		httpClient:   &http.Client{Timeout: 10 * time.Second},
	}
	for _, o := range opts {
		o(&cfg)
	}
	// No retries inside the client: failures come back as ErrUnavailable
	// at once and the indexer retries with its own backoff.
	client := meilisearch.New(strings.TrimRight(url, "/"), meilisearch.WithAPIKey(key),
		meilisearch.WithCustomClient(cfg.httpClient), meilisearch.DisableRetries())
	m := &Meili{client: client, index: client.Index(cfg.indexUID), cfg: cfg}

	if _, err := client.HealthWithContext(ctx); err != nil {
		return nil, meiliError(ctx, "health", err)
	}
	task, err := client.CreateIndexWithContext(ctx, &meilisearch.IndexConfig{Uid: cfg.indexUID, PrimaryKey: "id"})
	if err != nil {
		return nil, meiliError(ctx, "create index", err)
	}
	if err := m.wait(ctx, "create index", task); err != nil {
		var te *meiliTaskError
		if !errors.As(err, &te) || te.code != "index_already_exists" {
			return nil, err
		}
	}
	settings := meiliSettings
	task, err = m.index.UpdateSettingsWithContext(ctx, &settings)
	if err != nil {
		return nil, meiliError(ctx, "update settings", err)
	}
	if err := m.wait(ctx, "update settings", task); err != nil {
		return nil, err
	}
	return m, nil
}

// Name implements Index.
func (m *Meili) Name() string { return "meilisearch" }

// Upsert implements Index: one add-or-replace task for the batch, waited
// for so that an edit is searchable when Upsert returns.
func (m *Meili) Upsert(ctx context.Context, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	pk := "id"
	task, err := m.index.AddDocumentsWithContext(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return meiliError(ctx, "add documents", err)
	}
	return m.wait(ctx, "add documents", task)
}

// Delete implements Index.
func (m *Meili) Delete(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	task, err := m.index.DeleteDocumentsWithContext(ctx, s, nil)
	if err != nil {
		return meiliError(ctx, "delete documents", err)
	}
	return m.wait(ctx, "delete documents", task)
}

// Reset implements Index: it deletes every document and keeps the settings.
func (m *Meili) Reset(ctx context.Context) error {
	task, err := m.index.DeleteAllDocumentsWithContext(ctx, nil)
	if err != nil {
		return meiliError(ctx, "delete all documents", err)
	}
	return m.wait(ctx, "delete all documents", task)
}

// Close releases the client's idle connections.
func (m *Meili) Close() { m.client.Close() }

// deleteIndex drops the whole index (tests clean up with it).
func (m *Meili) deleteIndex(ctx context.Context) error {
	task, err := m.client.DeleteIndexWithContext(ctx, m.cfg.indexUID)
	if err != nil {
		return meiliError(ctx, "delete index", err)
	}
	return m.wait(ctx, "delete index", task)
}

// Search implements Index.
func (m *Meili) Search(ctx context.Context, q Query) (Results, error) {
	req := meiliSearchRequest(q)
	raw, err := m.index.SearchRawWithContext(ctx, req.Query, req)
	if err != nil {
		return Results{}, meiliError(ctx, "search", err)
	}
	var resp struct {
		Hits []struct {
			ID        int64 `json:"id"`
			Formatted struct {
				Text string `json:"text"`
			} `json:"_formatted"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(*raw, &resp); err != nil {
		return Results{}, fmt.Errorf("meilisearch search: decode response: %w", err)
	}
	var res Results
	for i, h := range resp.Hits {
		if i == int(req.Limit)-1 {
			res.More = true
			break
		}
		res.Hits = append(res.Hits, Hit{ID: h.ID, Snippet: h.Formatted.Text})
	}
	return res, nil
}

// meiliSearchRequest builds the search body for q: one more hit than the
// page so that Results.More can be told.
func meiliSearchRequest(q Query) *meilisearch.SearchRequest {
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	req := &meilisearch.SearchRequest{
		Query:                 meiliQ(q.Terms),
		Filter:                meiliFilter(q.Filter),
		Offset:                int64(max(q.Offset, 0)),
		Limit:                 int64(limit) + 1,
		AttributesToRetrieve:  []string{"id", "text"},
		AttributesToCrop:      []string{"text"},
		CropLength:            meiliCropLength,
		AttributesToHighlight: []string{"text"},
		HighlightPreTag:       MarkStart,
		HighlightPostTag:      MarkEnd,
		// Every word must match, as in FTS5; Meilisearch's default
		// ("last") drops words from the end when too few documents match.
		MatchingStrategy: meilisearch.All,
	}
	if q.Sort == SortNewest {
		req.Sort = []string{"created_at:desc", "id:desc"}
	}
	return req
}

// meiliQ builds the q string: negated terms first (-word, -"a phrase"),
// then plain words and "phrases" in order, then prefix words, so that a
// prefix word is the query's last word, the only one Meilisearch
// prefix-matches. With no prefix word, a trailing space keeps Meilisearch
// from prefix-matching the last plain word (it does so only when no
// token, separators included, follows the word).
func meiliQ(terms []Term) string {
	var neg, pos, prefix []string
	for _, t := range terms {
		s := meiliTerm(t)
		if s == "" {
			continue
		}
		switch {
		case t.Negated:
			neg = append(neg, "-"+s)
		case t.Prefix && !t.Phrase:
			prefix = append(prefix, s)
		default:
			pos = append(pos, s)
		}
	}
	q := strings.Join(append(append(neg, pos...), prefix...), " ")
	if len(prefix) == 0 && len(pos) > 0 {
		q += " "
	}
	return q
}

// meiliTerm writes one term without its sign: a word as itself, a phrase
// in double quotes. Quotes inside and a leading '-' (a negation to
// Meilisearch) are dropped: the tokenizer treats both as separators.
func meiliTerm(t Term) string {
	text := strings.Join(strings.Fields(strings.ReplaceAll(t.Text, `"`, " ")), " ")
	if t.Phrase {
		if text == "" {
			return ""
		}
		return `"` + text + `"`
	}
	return strings.TrimLeft(text, "-")
}

// meiliFilter builds the filter expression: the permission, then each
// restriction, AND-ed.
func meiliFilter(f Filter) string {
	parts := []string{"channel_public = true"}
	if len(f.Readable) > 0 {
		parts[0] = "(channel_public = true OR channel_id IN " + meiliIDs(f.Readable) + ")"
	}
	if len(f.FromUserIDs) > 0 {
		parts = append(parts, "user_id IN "+meiliIDs(f.FromUserIDs))
	}
	if len(f.ChannelIDs) > 0 {
		parts = append(parts, "channel_id IN "+meiliIDs(f.ChannelIDs))
	}
	if f.Before != 0 {
		parts = append(parts, "created_at < "+strconv.FormatInt(f.Before, 10))
	}
	if f.After != 0 {
		parts = append(parts, "created_at >= "+strconv.FormatInt(f.After, 10))
	}
	for _, b := range []struct {
		on   bool
		name string
	}{
		{f.HasLink, "has_link"}, {f.HasFile, "has_file"}, {f.HasReaction, "has_reaction"},
		{f.IsThread, "is_thread"}, {f.IsBot, "is_bot"},
	} {
		if b.on {
			parts = append(parts, b.name+" = true")
		}
	}
	return strings.Join(parts, " AND ")
}

func meiliIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// meiliTaskError is a task that Meilisearch did not complete.
type meiliTaskError struct {
	op, status, code, typ, message string
	uid                            int64
}

func (e *meiliTaskError) Error() string {
	return fmt.Sprintf("meilisearch %s: task %d %s: %s (%s)", e.op, e.uid, e.status, e.message, e.code)
}

// wait polls a task until it ends, for at most the task timeout. A task
// that fails on Meilisearch's side (error type internal or system, such
// as a full disk) or outlasts the timeout is ErrUnavailable; any other
// failure is a *meiliTaskError.
func (m *Meili) wait(ctx context.Context, op string, info *meilisearch.TaskInfo) error {
	wctx, cancel := context.WithTimeout(ctx, m.cfg.taskTimeout)
	defer cancel()
	task, err := m.client.WaitForTaskWithContext(wctx, info.TaskUID, m.cfg.pollInterval)
	if err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return fmt.Errorf("meilisearch %s: task %d not done after %s: %w", op, info.TaskUID, m.cfg.taskTimeout, ErrUnavailable)
		}
		return meiliError(ctx, op, err)
	}
	if task.Status == meilisearch.TaskStatusSucceeded {
		return nil
	}
	te := &meiliTaskError{op: op, uid: info.TaskUID, status: string(task.Status),
		code: task.Error.Code, typ: task.Error.Type, message: task.Error.Message}
	if te.typ == "internal" || te.typ == "system" {
		return fmt.Errorf("%w: %w", ErrUnavailable, te)
	}
	return te
}

// meiliError wraps a client error: no connection, a timeout, a 5xx or a
// 429 is ErrUnavailable (worth retrying); other API errors stay as they
// are. When the caller's context ended, the error is not ErrUnavailable.
func meiliError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("meilisearch %s: %w", op, err)
	}
	var me *meilisearch.Error
	if errors.As(err, &me) {
		switch {
		case me.ErrCode == meilisearch.MeilisearchCommunicationError,
			me.ErrCode == meilisearch.MeilisearchTimeoutError,
			me.ErrCode == meilisearch.MeilisearchMaxRetriesExceeded,
			me.StatusCode >= 500, me.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("meilisearch %s: %w: %w", op, ErrUnavailable, err)
		}
	}
	return fmt.Errorf("meilisearch %s: %w", op, err)
}
