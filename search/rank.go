package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Relevance ranking is done here rather than with FTS5's bm25(): bm25()
// works out each phrase's IDF by reading the phrase's whole doclist on
// every query, which for the commonest words of a large workspace (and for
// phrases of them, matched position by position) took most of a search's
// time. The score is the same BM25 formula (k1 1.2, b 0.75, the body
// weighing 1.0 and idents 0.5):
//
//	Σ over phrases p  idf(p) × f(p) × (k1 + 1) / (f(p) + k1 × (1 - b + b × D / avgD))
//
// where f(p) is the weighted count of p's instances in the message,
// counted here in the stored text tokenized as unicode61 does (cheaper than
// FTS5's highlight(), which reads and tokenizes the same text in C; a term
// whose instances Go's case folding misses, such as café for cafe, counts
// once), D the message's length in tokens (body and idents, not meta) and
// avgD the index's average,
// from FTS5's averages record. idf(p) = ln((N - n + 0.5) / (n + 0.5)), at
// least 1e-6, where n is the number of messages matching p. In an index of
// more than 2 × dfSample messages n is kept for dfTTL once known, and is
// counted over the whole index only for a phrase rare among the newest
// dfSample messages; a common one's is estimated from those, which reads
// a bounded part of its doclist. A smaller index counts every time.

const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// dfSample is how many of the newest messages a common phrase's
	// document frequency is estimated from; dfExactBelow is the count in
	// that sample under which it is counted over the whole index instead.
	dfSample     = 10000
	dfExactBelow = 50
	// dfTTL is how long a large index's counts are kept; dfMax bounds how
	// many phrases are kept.
	dfTTL = 10 * time.Minute
	dfMax = 10000
	// statsTTL is how long the sample's bound is kept.
	statsTTL = time.Minute
)

// rankPhrase is one phrase of a query's wanted terms, as FTS5 sees it.
type rankPhrase struct {
	expr   string   // its MATCH expression, for counting
	col    int      // 0 body, 1 idents
	term   int      // which wanted term it comes from
	tokens []string // folded tokens, to find its instances
	prefix bool     // the last token is a prefix
}

// colWeights are the columns' weights in the score.
var colWeights = [2]float64{1.0, 0.5}

// rankPhrases lists the phrases of the wanted terms, as termExpr writes them.
func rankPhrases(terms []Term) []rankPhrase {
	var out []rankPhrase
	term := 0
	for _, t := range terms {
		if t.Negated || !hasWordChar(t.Text) {
			continue
		}
		prefix := t.Prefix && !t.Phrase
		star := ""
		if prefix {
			star = "*"
		}
		body := cjkSpaced(t.Text)
		out = append(out, rankPhrase{expr: "body:" + quoteFTS(body) + star, col: 0, term: term, tokens: foldTokens(body), prefix: prefix})
		if !t.Phrase {
			word := strings.TrimFunc(t.Text, isIdentSep)
			if id := identifiers(word); id != "" && !strings.Contains(id, " ") && len([]rune(id)) == len([]rune(word)) {
				out = append(out, rankPhrase{expr: "idents:" + quoteFTS(id) + star, col: 1, term: term, tokens: foldTokens(id), prefix: prefix})
			}
		}
		term++
	}
	return out
}

// isTokenChar is what FTS5's unicode61 tokenizer keeps in tokens: letters,
// digits, marks and private-use characters.
func isTokenChar(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || unicode.Is(unicode.Co, r) || unicode.IsNumber(r)
}

// foldTokens splits s into lower-cased tokens.
func foldTokens(s string) []string {
	return appendTokens(nil, s)
}

// appendTokens appends the lower-cased tokens of s to toks.
func appendTokens(toks []string, s string) []string {
	start := -1
	for i, r := range s {
		if isTokenChar(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			toks = append(toks, strings.ToLower(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, strings.ToLower(s[start:]))
	}
	return toks
}

// countIdents is the number of identifiers in s, the tokens of its idents
// column: what len(strings.Fields(identifiers(s))) is, without building them.
func countIdents(s string) int {
	n := 0
	// In a run of identifier characters: whether a letter or digit was
	// seen, a separator after it, and a letter or digit after that.
	word, sep, inner := false, false, false
	for _, r := range s {
		switch {
		case isIdentSep(r):
			sep = sep || word
		case isIdentChar(r):
			inner = inner || sep
			word = true
		default:
			if inner {
				n++
			}
			word, sep, inner = false, false, false
		}
	}
	if inner {
		n++
	}
	return n
}

// at reports whether phrase p has an instance at toks[i:].
func (p rankPhrase) at(toks []string, i int) bool {
	if len(toks)-i < len(p.tokens) {
		return false
	}
	last := len(p.tokens) - 1
	for k, want := range p.tokens {
		t := toks[i+k]
		if k == last && p.prefix {
			if !strings.HasPrefix(t, want) {
				return false
			}
		} else if t != want {
			return false
		}
	}
	return true
}

// addFreqs adds the weighted instances of the phrases of column col, whose
// tokens are toks, to freq.
func addFreqs(freq []float64, phrases []rankPhrase, col int, toks []string) {
	for k, p := range phrases {
		if p.col != col || len(p.tokens) == 0 {
			continue
		}
		for i := range toks {
			if p.at(toks, i) {
				freq[k] += colWeights[col]
			}
		}
	}
}

// fillUnseen gives each wanted term none of whose instances was found (the
// message matched, so it has one, through folding Go does not do, such as
// of diacritics) one instance of its first phrase.
func fillUnseen(freq []float64, phrases []rankPhrase) {
	for k := 0; k < len(phrases); {
		j, seen := k, false
		for ; j < len(phrases) && phrases[j].term == phrases[k].term; j++ {
			seen = seen || freq[j] > 0
		}
		if !seen {
			freq[k] += colWeights[phrases[k].col]
		}
		k = j
	}
}

// indexStats is what the score needs of the whole index.
type indexStats struct {
	rows   int64   // N
	avgLen float64 // average tokens per message, all columns
	// sampleT is the id above which the newest dfSample messages are, 0
	// when the index is small enough to count phrases exactly; read at at.
	sampleT int64
	at      time.Time
}

// ranker keeps the index's size and phrases' document frequencies.
type ranker struct {
	mu    sync.Mutex
	stats indexStats
	df    map[string]dfEntry
}

type dfEntry struct {
	n  float64
	at time.Time
}

// statsOf reads N and the average length from FTS5's averages record (a
// varint row count, then each column's token total), on every query since
// it is one small row, and the sample bound, kept for statsTTL.
func (r *ranker) statsOf(ctx context.Context, db *sql.DB, now time.Time) (indexStats, error) {
	var rec []byte
	err := db.QueryRowContext(ctx, `SELECT block FROM search_fts_data WHERE id = 1`).Scan(&rec)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return indexStats{}, fmt.Errorf("read index averages: %w", err)
	}
	var st indexStats
	if len(rec) > 0 {
		rows, n := sqliteVarint(rec)
		rec = rec[n:]
		var total uint64
		for col := 0; col < len(colWeights) && len(rec) > 0; col++ { // not meta
			v, n := sqliteVarint(rec)
			if n == 0 {
				break
			}
			total += v
			rec = rec[n:]
		}
		st.rows = int64(rows)
		if rows > 0 {
			st.avgLen = float64(total) / float64(rows)
		}
	}
	if st.rows <= 2*dfSample {
		return st, nil // small enough to count every phrase exactly
	}
	r.mu.Lock()
	st.sampleT, st.at = r.stats.sampleT, r.stats.at
	r.mu.Unlock()
	if st.at.IsZero() || now.Sub(st.at) >= statsTTL {
		err := db.QueryRowContext(ctx, `SELECT id FROM search_docs ORDER BY id DESC LIMIT 1 OFFSET ?`, dfSample).Scan(&st.sampleT)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("read index sample: %w", err)
		}
		st.at = now
		r.mu.Lock()
		r.stats = st
		r.mu.Unlock()
	}
	return st, nil
}

// sqliteVarint decodes one of SQLite's varints (big-endian groups of 7
// bits, the ninth byte whole); n is 0 when b is cut short.
func sqliteVarint(b []byte) (v uint64, n int) {
	for i := 0; i < 9 && i < len(b); i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// docFreq is the number of messages matching phrase expr, estimated for a
// common phrase of a large index and then kept for dfTTL (see above); a
// small index's are counted every time, since they change fast relative
// to its size and cost little.
func (r *ranker) docFreq(ctx context.Context, db *sql.DB, st indexStats, expr string, now time.Time) (float64, error) {
	if st.sampleT > 0 {
		r.mu.Lock()
		e, ok := r.df[expr]
		r.mu.Unlock()
		if ok && now.Sub(e.at) < dfTTL {
			return e.n, nil
		}
	}
	var n float64
	exact := true
	if st.sampleT > 0 {
		var c int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM search_fts WHERE search_fts MATCH ? AND rowid > ?`, expr, st.sampleT).Scan(&c); err != nil {
			return 0, fmt.Errorf("count matches: %w", err)
		}
		if c >= dfExactBelow {
			n, exact = float64(c)*float64(st.rows)/dfSample, false
		}
	}
	if exact {
		var c int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM search_fts WHERE search_fts MATCH ?`, expr).Scan(&c); err != nil {
			return 0, fmt.Errorf("count matches: %w", err)
		}
		n = float64(c)
	}
	if st.sampleT == 0 {
		return n, nil
	}
	r.mu.Lock()
	if r.df == nil || len(r.df) >= dfMax {
		r.df = map[string]dfEntry{}
	}
	r.df[expr] = dfEntry{n: n, at: now}
	r.mu.Unlock()
	return n, nil
}

// idfs are the phrases' IDFs.
func (r *ranker) idfs(ctx context.Context, db *sql.DB, phrases []rankPhrase) (indexStats, []float64, error) {
	now := time.Now()
	st, err := r.statsOf(ctx, db, now)
	if err != nil {
		return st, nil, err
	}
	out := make([]float64, len(phrases))
	for i, p := range phrases {
		n, err := r.docFreq(ctx, db, st, p.expr, now)
		if err != nil {
			return st, nil, err
		}
		idf := math.Log((float64(st.rows) - n + 0.5) / (n + 0.5))
		if idf <= 0 || math.IsNaN(idf) {
			idf = 1e-6
		}
		out[i] = idf
	}
	return st, out, nil
}

// bm25Score is one message's score (higher is better) given its phrase
// frequencies and length.
func bm25Score(idfs, freq []float64, length int, avgLen float64) float64 {
	if avgLen <= 0 {
		avgLen = 1
	}
	norm := bm25K1 * (1 - bm25B + bm25B*float64(length)/avgLen)
	var s float64
	for i, f := range freq {
		s += idfs[i] * f * (bm25K1 + 1) / (f + norm)
	}
	return s
}
