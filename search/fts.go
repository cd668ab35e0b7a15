package search

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/parley-chat/parley/channels/sqlite"
)

// FTS is the built-in backend: an SQLite FTS5 index in the search
// database, a file of its own beside Parley's (see OpenDB), with the
// tables from Migrations: search_docs for the filters, search_text for the
// text, search_fts the full-text index over it (body, idents, meta).
//
// Tokenization. FTS5's unicode61 tokenizer (remove_diacritics 2) folds
// case and diacritics (café = Cafe) and splits words at punctuation, so
// build_id is indexed as "build" "id". Two additions on top of it, both
// done here in Go when a document is written and again when a query is
// compiled, so both sides agree:
//
//   - body: the text with a zero-width space (U+200B, a separator for
//     unicode61) between CJK characters, which have no spaces between
//     words. Each character becomes a token, and a CJK word in a query
//     becomes the phrase of its characters: 東京 finds 東京タワー. The
//     zero-width spaces are removed from snippets.
//   - idents: the identifier-like words of the text (letters and digits
//     joined by _ - . / :, such as api-gateway, v1.2.3, src/app/main.go)
//     kept whole: their separators are mapped to private-use characters,
//     which unicode61 keeps inside tokens.
//
// Matching. Every query word is quoted before it reaches MATCH, so user
// text is never FTS5 syntax. A word becomes body:"word" — a word with
// separators thereby becomes the phrase of its parts — or, when it is an
// identifier, (body:"build_id" OR idents:"build<U+E010>id"), so the whole
// identifier ranks higher than its parts appearing apart. word* adds FTS5's
// prefix *, phrases stay phrases, and excluded terms become
// "positive NOT (neg1 OR neg2)". A query with only excluded terms matches
// every document passing the filters whose id is not in the MATCH of the
// excluded terms. Filters and the permission are SQL conditions on
// search_docs in the same statement; they are also added to the MATCH
// against the meta column (c<channel id> u<user id>, and link file react
// thread bot for the flags; see matchFilter), except the permission, so
// that FTS5 intersects doclists rather than reading every match of the
// words, and
// before: and after: also bound the matches' ids (see rowidRange), so
// that FTS5 walks only the matches of those dates. Snippets are made for
// the page only, in one walk of the matches it spans.
//
// Ranking. SortRelevance orders by
//
//	BM25(body 1.0, idents 0.5) × (0.5 + 0.5 / (1 + age / 90 days))
//
// highest first, BM25 being computed in Go with cached document
// frequencies (see rank.go). The factor, which goes from 1 for a message
// posted now to 0.75 at 90 days and toward 0.5 for old ones, lets recency
// reorder results of similar relevance without burying an old exact match
// under recent weak ones. Ties go to the newer id.
// Relevance ranks the newest relevanceWindow matches that pass the
// filters (see there). SortNewest (and any query without words) orders by
// created_at, then id, newest first.
type FTS struct {
	db *sqlite.DB
	// now is the clock for the recency part of ranking.
	now func() time.Time
	// rank keeps what relevance ranking needs of the whole index.
	rank ranker
}

// NewFTS returns the FTS5 backend over db, whose "search" migrations must
// have been applied.
func NewFTS(db *sqlite.DB) (*FTS, error) {
	var n int
	if err := db.ReadRow(context.Background(), `SELECT count(*) FROM sqlite_master WHERE name = 'search_fts'`).Scan(&n); err != nil {
		return nil, fmt.Errorf("open fts index: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("open fts index: table search_fts missing (apply the search migrations)")
	}
	return &FTS{db: db, now: time.Now}, nil
}

// Name implements Index.
func (f *FTS) Name() string { return "fts5" }

const (
	ftsDeleteOld = `INSERT INTO search_fts (search_fts, rowid, body, idents, meta)
		SELECT 'delete', id, body, idents, meta FROM search_text WHERE id = ?`
	ftsInsertDoc = `INSERT OR REPLACE INTO search_docs
		(id, channel_id, channel_public, user_id, is_bot, is_thread, created_at, has_link, has_file, has_reaction)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	ftsInsertText  = `INSERT OR REPLACE INTO search_text (id, body, idents, meta) VALUES (?, ?, ?, ?)`
	ftsInsertIndex = `INSERT INTO search_fts (rowid, body, idents, meta) VALUES (?, ?, ?, ?)`
	ftsDeleteDoc   = `DELETE FROM search_docs WHERE id = ?`
	ftsDeleteText  = `DELETE FROM search_text WHERE id = ?`
)

// Upsert implements Index: each document replaces the one with its id, all
// in one write.
func (f *FTS) Upsert(ctx context.Context, docs []Document) error {
	if len(docs) == 0 {
		return nil
	}
	if err := f.write(ctx, docs, nil, nil); err != nil {
		return fmt.Errorf("index %d documents: %w", len(docs), err)
	}
	return nil
}

// Delete implements Index.
func (f *FTS) Delete(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := f.write(ctx, nil, ids, nil); err != nil {
		return fmt.Errorf("remove %d documents from the index: %w", len(ids), err)
	}
	return nil
}

// write upserts docs, deletes ids and runs also (when not nil) in one
// transaction: the indexer saves its cursor with it.
func (f *FTS) write(ctx context.Context, docs []Document, ids []int64, also func(tx *sqlite.Tx) error) error {
	return f.db.Write(ctx, func(tx *sqlite.Tx) error {
		for _, d := range docs {
			body, idents, meta := cjkSpaced(d.Text), identifiers(d.Text), metaTokens(d)
			// External content: the index forgets the old text by being
			// given it again.
			if _, err := tx.Exec(ftsDeleteOld, d.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(ftsInsertDoc, d.ID, d.ChannelID, d.ChannelPublic, d.UserID, d.IsBot, d.IsThread,
				d.CreatedAt, d.HasLink, d.HasFile, d.HasReaction); err != nil {
				return err
			}
			if _, err := tx.Exec(ftsInsertText, d.ID, body, idents, meta); err != nil {
				return err
			}
			if _, err := tx.Exec(ftsInsertIndex, d.ID, body, idents, meta); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if _, err := tx.Exec(ftsDeleteOld, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ftsDeleteDoc, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ftsDeleteText, id); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
}

// Reset implements Index.
func (f *FTS) Reset(ctx context.Context) error {
	err := f.db.Write(ctx, func(tx *sqlite.Tx) error {
		if _, err := tx.Exec(`INSERT INTO search_fts (search_fts) VALUES ('delete-all')`); err != nil {
			return err
		}
		if _, err := tx.Exec(`DELETE FROM search_docs`); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM search_text`)
		return err
	})
	if err != nil {
		return fmt.Errorf("reset the index: %w", err)
	}
	return nil
}

// Default and largest page sizes.
const (
	defaultLimit = 20
	maxLimit     = 1000
)

// relevanceWindow is how many matches, the newest that pass the filters,
// relevance ranking considers. Scoring every match of a common word in a
// million messages would take far longer than a search should, and with
// the recency blend an older match rarely belongs on the first pages. The
// cost of a common word's search grows with it (the walk to it and the
// text of each candidate): 1,000 is fifty pages of twenty.
const relevanceWindow = 1000

// recencyScale is the age (ms) at which the recency factor is 0.75.
const recencyScale = 90 * 24 * time.Hour / time.Millisecond

// searchRelevance ranks the newest relevanceWindow matches that pass the
// filters (FTS5 walks its doclists by rowid, newest first, and stops
// there) by BM25 and recency, then makes snippets for the page only:
// snippet() is the costly part, so it must not run for every match.
func (f *FTS) searchRelevance(ctx context.Context, q Query, match string, limit, offset int) (Results, error) {
	phrases := rankPhrases(q.Terms)
	st, idfs, err := f.rank.idfs(ctx, f.db.Reader, phrases)
	if err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	bounds, err := f.rowidBounds(ctx, q.Filter)
	if err != nil {
		return Results{}, err
	}
	hasIdents := false
	for _, p := range phrases {
		hasIdents = hasIdents || p.col == 1
	}
	var sb strings.Builder
	// The stored text of each candidate, for counting the phrases'
	// instances; idents only when a phrase is there, its length being
	// worked out from the body otherwise.
	sb.WriteString(`SELECT d.id, d.created_at, t.body, `)
	if hasIdents {
		sb.WriteString(`t.idents`)
	} else {
		sb.WriteString(`NULL`)
	}
	sb.WriteString(`
	FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid CROSS JOIN search_text t ON t.id = d.id
	WHERE search_fts MATCH ?`)
	args := []any{match}
	args = appendFilter(&sb, args, q.Filter)
	args = appendRowidBounds(&sb, args, bounds)
	sb.WriteString(` ORDER BY search_fts.rowid DESC LIMIT ?`)
	args = append(args, relevanceWindow)

	type cand struct {
		id   int64
		rank float64
	}
	now := f.now().UnixMilli()
	var cands []cand
	rows, err := f.db.Reader.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	freq := make([]float64, len(phrases))
	var toks []string
	var body, idents sql.NullString
	for rows.Next() {
		var id, created int64
		if err := rows.Scan(&id, &created, &body, &idents); err != nil {
			rows.Close()
			return Results{}, fmt.Errorf("search the fts index: %w", err)
		}
		clear(freq)
		toks = appendTokens(toks[:0], body.String)
		length := len(toks)
		addFreqs(freq, phrases, 0, toks)
		if hasIdents {
			toks = appendTokens(toks[:0], idents.String)
			length += len(toks)
			addFreqs(freq, phrases, 1, toks)
		} else {
			length += countIdents(body.String)
		}
		fillUnseen(freq, phrases)
		score := bm25Score(idfs, freq, length, st.avgLen)
		age := float64(max(0, now-created))
		cands = append(cands, cand{id: id, rank: score * (0.5 + 0.5/(1.0+age/float64(recencyScale)))})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	res := Results{Hits: make([]Hit, 0, limit)}
	if offset >= len(cands) {
		return res, nil
	}
	page := cands[offset:min(len(cands), offset+limit)]
	res.More = len(cands) > offset+limit
	ids := make([]int64, len(page))
	for i, c := range page {
		ids[i] = c.id
	}
	return f.withSnippets(ctx, res, match, ids)
}

// searchNewest runs the statement of a newest-first page of matches (id,
// created_at; limit+1 rows), then makes the page's snippets.
func (f *FTS) searchNewest(ctx context.Context, stmt string, args []any, match string, limit int) (Results, error) {
	type row struct{ id, created int64 }
	var page []row
	rows, err := f.db.Reader.QueryContext(ctx, stmt, args...)
	if err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.created); err != nil {
			rows.Close()
			return Results{}, fmt.Errorf("search the fts index: %w", err)
		}
		page = append(page, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	res := Results{Hits: make([]Hit, 0, limit)}
	if len(page) > limit {
		page, res.More = page[:limit], true
	}
	slices.SortFunc(page, func(a, b row) int {
		if c := cmp.Compare(b.created, a.created); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
	ids := make([]int64, len(page))
	for i, r := range page {
		ids[i] = r.id
	}
	return f.withSnippets(ctx, res, match, ids)
}

// withSnippets adds a page's hits, in the order of ids, with their snippets.
func (f *FTS) withSnippets(ctx context.Context, res Results, match string, ids []int64) (Results, error) {
	snips, err := f.snippets(ctx, match, ids)
	if err != nil {
		return Results{}, err
	}
	for _, id := range ids {
		res.Hits = append(res.Hits, Hit{ID: id, Snippet: snips[id]})
	}
	return res, nil
}

// snippets makes the snippets of the matches ids. FTS5 walks the matches
// between the smallest and the largest id once, and snippet() runs for ids
// only (the + keeps the list from being offered to FTS5 as rowid = each,
// which would evaluate the whole MATCH once per id).
func (f *FTS) snippets(ctx context.Context, match string, ids []int64) (map[int64]string, error) {
	snips := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return snips, nil
	}
	rows, err := f.db.Reader.QueryContext(ctx, `SELECT rowid, snippet(search_fts, 0, ?, ?, '…', 16) FROM search_fts
WHERE search_fts MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN (SELECT value FROM json_each(?))`,
		MarkStart, MarkEnd, match, slices.Min(ids), slices.Max(ids), idList(ids))
	if err != nil {
		return nil, fmt.Errorf("search the fts index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var snip sql.NullString
		if err := rows.Scan(&id, &snip); err != nil {
			return nil, fmt.Errorf("search the fts index: %w", err)
		}
		snips[id] = cleanSnippet(snip.String)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search the fts index: %w", err)
	}
	return snips, nil
}

// Search implements Index.
func (f *FTS) Search(ctx context.Context, q Query) (Results, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	offset := max(q.Offset, 0)

	match, exclude := compileMatch(q.Terms)
	if match != "" {
		match = matchFilter(match, q.Filter)
	}
	var sb strings.Builder
	var args []any
	switch {
	case match != "" && q.Sort != SortNewest:
		return f.searchRelevance(ctx, q, match, limit, offset)
	case match != "":
		bounds, err := f.rowidBounds(ctx, q.Filter)
		if err != nil {
			return Results{}, err
		}
		sb.WriteString(`SELECT d.id, d.created_at
	FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid
	WHERE search_fts MATCH ?`)
		args = append(args, match)
		args = appendFilter(&sb, args, q.Filter)
		args = appendRowidBounds(&sb, args, bounds)
		// Walk the matches by message id, newest first, which FTS5 does
		// without sorting and stops after the page: ids and created_at
		// grow together (both are set when a message is posted, by the
		// single writer), so this is created_at order, and the page is
		// sorted by created_at all the same.
		sb.WriteString(` ORDER BY search_fts.rowid DESC LIMIT ? OFFSET ?`)
		args = append(args, limit+1, offset)
		return f.searchNewest(ctx, sb.String(), args, match, limit)
	default:
		// No wanted words: filters only, newest first; the text of the
		// page only.
		sb.WriteString(`WITH top AS MATERIALIZED (
	SELECT d.id AS id, d.created_at AS created_at FROM search_docs d WHERE 1`)
		if exclude != "" {
			// Checked per row (a doclist seek) while walking created_at
			// order, so the cost does not grow with the excluded word's
			// matches, as NOT IN over all of them would.
			sb.WriteString(` AND NOT EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND search_fts.rowid = d.id)`)
			args = append(args, exclude)
		}
		args = appendFilter(&sb, args, q.Filter)
		sb.WriteString(` ORDER BY d.created_at DESC, d.id DESC LIMIT ? OFFSET ?)
SELECT top.id, substr(t.body, 1, 400) FROM top CROSS JOIN search_text t ON t.id = top.id
ORDER BY top.created_at DESC, top.id DESC`)
		args = append(args, limit+1, offset)
	}

	rows, err := f.db.Reader.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	defer rows.Close()
	res := Results{Hits: make([]Hit, 0, limit)}
	for rows.Next() {
		var h Hit
		var snip sql.NullString
		if err := rows.Scan(&h.ID, &snip); err != nil {
			return Results{}, fmt.Errorf("search the fts index: %w", err)
		}
		if len(res.Hits) == limit {
			res.More = true
			break
		}
		h.Snippet = leadingWords(cleanSnippet(snip.String), 24)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return Results{}, fmt.Errorf("search the fts index: %w", err)
	}
	return res, nil
}

// appendFilter adds the filter's conditions, the permission first. Id lists
// travel as one JSON array each, so the statement text depends only on
// which filters are present.
func appendFilter(sb *strings.Builder, args []any, fl Filter) []any {
	sb.WriteString(` AND (d.channel_public = 1 OR d.channel_id IN (SELECT value FROM json_each(?)))`)
	args = append(args, idList(fl.Readable))
	if len(fl.FromUserIDs) > 0 {
		sb.WriteString(` AND d.user_id IN (SELECT value FROM json_each(?))`)
		args = append(args, idList(fl.FromUserIDs))
	}
	if len(fl.ChannelIDs) > 0 {
		sb.WriteString(` AND d.channel_id IN (SELECT value FROM json_each(?))`)
		args = append(args, idList(fl.ChannelIDs))
	}
	if fl.Before != 0 {
		sb.WriteString(` AND d.created_at < ?`)
		args = append(args, fl.Before)
	}
	if fl.After != 0 {
		sb.WriteString(` AND d.created_at >= ?`)
		args = append(args, fl.After)
	}
	for _, flag := range []struct {
		on  bool
		sql string
	}{
		{fl.HasLink, ` AND d.has_link = 1`},
		{fl.HasFile, ` AND d.has_file = 1`},
		{fl.HasReaction, ` AND d.has_reaction = 1`},
		{fl.IsThread, ` AND d.is_thread = 1`},
		{fl.IsBot, ` AND d.is_bot = 1`},
	} {
		if flag.on {
			sb.WriteString(flag.sql)
		}
	}
	return args
}

// clockSkew is how far a message's created_at may be older than an
// earlier message's: both are set by the single writer as it posts, from
// the clock, which may step back a little.
const clockSkew = int64(time.Hour / time.Millisecond)

// rowidRange bounds the message ids a date filter lets through: ids grow
// with created_at (within clockSkew), so that before: and after: let FTS5
// start and stop its walk of the matches by id where the dates are
// instead of reading every match outside them. 0 is no bound. The dates
// stay SQL conditions (appendFilter), which decide.
type rowidRange struct {
	below, above int64 // ids < below and > above
}

// rowidBounds looks up the ids of the filter's dates through
// search_docs_created, widened by clockSkew.
func (f *FTS) rowidBounds(ctx context.Context, fl Filter) (rowidRange, error) {
	var r rowidRange
	if fl.Before != 0 {
		err := f.db.Reader.QueryRowContext(ctx, `SELECT id FROM search_docs WHERE created_at >= ? ORDER BY created_at LIMIT 1`,
			fl.Before+clockSkew).Scan(&r.below)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return r, fmt.Errorf("search the fts index: %w", err)
		}
	}
	if fl.After != 0 {
		err := f.db.Reader.QueryRowContext(ctx, `SELECT id FROM search_docs WHERE created_at < ? ORDER BY created_at DESC LIMIT 1`,
			fl.After-clockSkew).Scan(&r.above)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return r, fmt.Errorf("search the fts index: %w", err)
		}
	}
	return r, nil
}

// appendRowidBounds adds r's bounds on the matches' ids.
func appendRowidBounds(sb *strings.Builder, args []any, r rowidRange) []any {
	if r.below != 0 {
		sb.WriteString(` AND search_fts.rowid < ?`)
		args = append(args, r.below)
	}
	if r.above != 0 {
		sb.WriteString(` AND search_fts.rowid > ?`)
		args = append(args, r.above)
	}
	return args
}

func idList(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// metaTokens is a document's meta column: its channel and author, and a
// token for each of its flags.
func metaTokens(d Document) string {
	var b strings.Builder
	b.WriteString("c" + strconv.FormatInt(d.ChannelID, 10) + " u" + strconv.FormatInt(d.UserID, 10))
	for _, t := range metaFlags(d.HasLink, d.HasFile, d.HasReaction, d.IsThread, d.IsBot) {
		b.WriteString(" " + t)
	}
	return b.String()
}

// metaFlags are the meta tokens of the flags that are on.
func metaFlags(link, file, reaction, thread, bot bool) []string {
	var out []string
	for _, f := range []struct {
		on  bool
		tok string
	}{{link, "link"}, {file, "file"}, {reaction, "react"}, {thread, "thread"}, {bot, "bot"}} {
		if f.on {
			out = append(out, f.tok)
		}
	}
	return out
}

// matchFilter adds the filter's channels (in:), authors (from:) and flags
// (has:, is:) to a MATCH expression of wanted terms, through the meta
// column, so that FTS5 walks only their messages: most matches of common
// words would otherwise be read and dropped one by one. The same
// conditions stay in SQL (appendFilter), which decides. The permission is
// not added: as an OR of the searcher's channels and the public ones it
// costs FTS5 more than the matches it spares.
func matchFilter(match string, fl Filter) string {
	var metas []string
	for _, c := range []struct {
		prefix string
		ids    []int64
	}{{"c", fl.ChannelIDs}, {"u", fl.FromUserIDs}} {
		if len(c.ids) == 0 {
			continue
		}
		toks := make([]string, len(c.ids))
		for i, id := range c.ids {
			toks[i] = c.prefix + strconv.FormatInt(id, 10)
		}
		metas = append(metas, "meta:("+strings.Join(toks, " OR ")+")")
	}
	for _, t := range metaFlags(fl.HasLink, fl.HasFile, fl.HasReaction, fl.IsThread, fl.IsBot) {
		metas = append(metas, "meta:"+t)
	}
	for _, m := range metas {
		match = "(" + match + ") AND " + m
	}
	return match
}

// compileMatch turns terms into an FTS5 MATCH expression for the wanted
// terms ("" when there are none) and one for the excluded terms alone,
// used when nothing is wanted ("" otherwise, since match then holds the NOT).
func compileMatch(terms []Term) (match, exclude string) {
	var pos, neg []string
	for _, t := range terms {
		e := termExpr(t)
		if e == "" {
			continue
		}
		if t.Negated {
			neg = append(neg, e)
		} else {
			pos = append(pos, e)
		}
	}
	if len(pos) == 0 {
		return "", strings.Join(neg, " OR ")
	}
	match = strings.Join(pos, " AND ")
	if len(neg) > 0 {
		match = "(" + match + ") NOT (" + strings.Join(neg, " OR ") + ")"
	}
	return match, ""
}

// termExpr is one term's MATCH expression, every piece of user text quoted.
func termExpr(t Term) string {
	if !hasWordChar(t.Text) {
		return ""
	}
	star := ""
	if t.Prefix && !t.Phrase {
		star = "*"
	}
	body := "body:" + quoteFTS(cjkSpaced(t.Text)) + star
	if t.Phrase {
		return body
	}
	word := strings.TrimFunc(t.Text, isIdentSep)
	if id := identifiers(word); id != "" && !strings.Contains(id, " ") && len([]rune(id)) == len([]rune(word)) {
		return "(" + body + " OR idents:" + quoteFTS(id) + star + ")"
	}
	return body
}

func quoteFTS(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

const zwsp = '\u200B'

// cjkSpaced puts a zero-width space between a CJK character and any
// neighbouring character that is not a space.
func cjkSpaced(s string) string {
	hasCJK := false
	for _, r := range s {
		if isCJK(r) {
			hasCJK = true
			break
		}
	}
	if !hasCJK {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 && (isCJK(r) || isCJK(prev)) && !unicode.IsSpace(r) && !unicode.IsSpace(prev) {
			b.WriteRune(zwsp)
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// identSeps maps the separators inside identifiers to private-use
// characters, which unicode61 treats as part of a token.
var identSeps = map[rune]rune{'_': '\uE010', '-': '\uE011', '.': '\uE012', '/': '\uE013', ':': '\uE014'}

func isIdentSep(r rune) bool { return r == '_' || r == '-' || r == '.' || r == '/' || r == ':' }

func isIdentChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || isIdentSep(r)
}

// identifiers returns the identifier-like words of s (letters and digits
// joined by separators, without the separators at either end), their
// separators mapped, space-separated.
func identifiers(s string) string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !isIdentChar(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isIdentChar(rs[j]) {
			j++
		}
		word := rs[i:j]
		i = j
		for len(word) > 0 && isIdentSep(word[0]) {
			word = word[1:]
		}
		for len(word) > 0 && isIdentSep(word[len(word)-1]) {
			word = word[:len(word)-1]
		}
		inner := false
		for _, r := range word {
			if isIdentSep(r) {
				inner = true
				break
			}
		}
		if !inner {
			continue
		}
		mapped := make([]rune, len(word))
		for k, r := range word {
			if m, ok := identSeps[r]; ok {
				r = m
			}
			mapped[k] = r
		}
		out = append(out, string(mapped))
	}
	return strings.Join(out, " ")
}

// cleanSnippet removes the zero-width spaces added between CJK characters,
// joining the marks of neighbouring matched characters.
func cleanSnippet(s string) string {
	if !strings.ContainsRune(s, zwsp) {
		return s
	}
	s = strings.ReplaceAll(s, MarkEnd+string(zwsp)+MarkStart, "")
	return strings.ReplaceAll(s, string(zwsp), "")
}

// leadingWords returns about the first n words of s.
func leadingWords(s string, n int) string {
	words := 0
	inWord := false
	for i, r := range s {
		if unicode.IsSpace(r) {
			if inWord {
				words++
				if words == n {
					return s[:i] + "…"
				}
			}
			inWord = false
			continue
		}
		inWord = true
	}
	return s
}
