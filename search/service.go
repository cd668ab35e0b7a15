package search

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-chat/parley/channels"
)

// Service answers searches: it parses the query, resolves names to ids
// as the searcher sees them, adds the searcher's permission to the
// backend's query and loads the messages of the hits.
type Service struct {
	svc     *channels.Service
	indexer *Indexer
}

// NewService returns the search service over an indexer's index.
func NewService(svc *channels.Service, indexer *Indexer) *Service {
	return &Service{svc: svc, indexer: indexer}
}

// Result is one search result: the message, its channel, and the snippet
// with the matched terms marked.
type Result struct {
	Message channels.Message `json:"message"`
	Channel channels.Channel `json:"channel"`
	// Highlights is the snippet cut into runs; the ones with match true
	// matched the query. Clients render them as text, never as HTML.
	Highlights []Highlight `json:"highlights"`
}

// Highlight is a run of a snippet.
type Highlight struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// MaxQueryRunes bounds a query's length.
const MaxQueryRunes = 1000

// Search runs query for actor: sort is relevance (default) or newest;
// cursor continues a previous page ("" for the first).
func (s *Service) Search(ctx context.Context, actor *channels.Actor, query, sort, cursor string, limit int) ([]Result, string, error) {
	if err := channels.RequireScope(actor, channels.ScopeSearchRead); err != nil {
		return nil, "", err
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, "", channels.Invalid("missing_query", "q", "a search needs a query")
	}
	if utf8.RuneCountInString(query) > MaxQueryRunes {
		return nil, "", channels.Invalid("query_too_long", "q", "a query is at most %d characters", MaxQueryRunes)
	}
	switch sort {
	case "":
		sort = SortRelevance
	case SortRelevance, SortNewest:
	default:
		return nil, "", channels.Invalid("invalid_sort", "sort", "sort is relevance or newest")
	}
	offset, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	parsed, err := Parse(query, time.Now())
	var pe *ParseError
	if errors.As(err, &pe) {
		return nil, "", channels.Invalid("invalid_query", "q", "%s", pe.Error())
	}
	if err != nil {
		return nil, "", err
	}
	filter, none, err := s.resolve(ctx, actor, parsed)
	if err != nil {
		return nil, "", err
	}
	if none {
		return []Result{}, "", nil
	}
	res, err := s.indexer.Index().Search(ctx, Query{Terms: parsed.Terms, Filter: filter, Sort: sort, Offset: offset, Limit: limit})
	if errors.Is(err, ErrUnavailable) {
		return nil, "", channels.Unavailable("search_unavailable", "search is unavailable for now; try again shortly")
	}
	if err != nil {
		return nil, "", fmt.Errorf("search: %w", err)
	}
	// The index may lag a delete or a removal from a channel by a moment;
	// the database has the last word on what is shown.
	ids := make([]int64, len(res.Hits))
	snippets := make(map[int64]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i], snippets[h.ID] = h.ID, h.Snippet
	}
	msgs, chans, err := s.svc.VisibleMessages(ctx, actor, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]Result, len(msgs))
	for i, m := range msgs {
		out[i] = Result{Message: m, Channel: *chans[m.ChannelID], Highlights: splitSnippet(snippets[m.ID])}
	}
	next := ""
	if res.More && offset+limit <= maxOffset {
		next = encodeCursor(offset + limit)
	}
	return out, next, nil
}

// resolve turns a parsed query's names into ids as actor sees them and
// adds actor's permission. none is true when the query cannot match
// anything (in:@someone without a DM).
func (s *Service) resolve(ctx context.Context, actor *channels.Actor, p *Parsed) (f Filter, none bool, err error) {
	f = Filter{Before: p.Before, After: p.After, HasLink: p.HasLink, HasFile: p.HasFile, HasReaction: p.HasReaction,
		IsThread: p.IsThread, IsBot: p.IsBot}
	for _, name := range p.From {
		if name == "me" {
			f.FromUserIDs = append(f.FromUserIDs, actor.ID)
			continue
		}
		u, err := s.svc.UserByName(ctx, name)
		if errors.Is(err, channels.ErrNotFound) {
			return f, false, channels.Invalid("invalid_query", "q", "from:@%s: there is no user %s", name, name)
		}
		if err != nil {
			return f, false, err
		}
		f.FromUserIDs = append(f.FromUserIDs, u.ID)
	}
	for _, name := range p.InChannels {
		ch, err := s.svc.ChannelByName(ctx, actor, name)
		if errors.Is(err, channels.ErrNotFound) {
			// A private channel the searcher is not in reads as unknown.
			return f, false, channels.Invalid("invalid_query", "q", "in:#%s: there is no channel #%s you can read", name, name)
		}
		if err != nil {
			return f, false, err
		}
		f.ChannelIDs = append(f.ChannelIDs, ch.ID)
	}
	dms := 0
	for _, name := range p.InDMs {
		u, err := s.svc.UserByName(ctx, name)
		if errors.Is(err, channels.ErrNotFound) {
			return f, false, channels.Invalid("invalid_query", "q", "in:@%s: there is no user %s", name, name)
		}
		if err != nil {
			return f, false, err
		}
		id, err := s.svc.DMWith(ctx, actor, u.ID)
		if err != nil {
			return f, false, err
		}
		if id != 0 {
			f.ChannelIDs = append(f.ChannelIDs, id)
			dms++
		}
	}
	if len(p.InDMs) > 0 && dms == 0 && len(p.InChannels) == 0 {
		return f, true, nil
	}
	if f.Readable, err = s.svc.ReadableChannelIDs(ctx, actor); err != nil {
		return f, false, err
	}
	return f, false, nil
}

// splitSnippet cuts a marked snippet into runs.
func splitSnippet(s string) []Highlight {
	out := []Highlight{}
	for s != "" {
		i := strings.Index(s, MarkStart)
		if i < 0 {
			out = append(out, Highlight{Text: s})
			break
		}
		if i > 0 {
			out = append(out, Highlight{Text: s[:i]})
		}
		s = s[i+len(MarkStart):]
		j := strings.Index(s, MarkEnd)
		if j < 0 {
			out = append(out, Highlight{Text: s, Match: true})
			break
		}
		if j > 0 {
			out = append(out, Highlight{Text: s[:j], Match: true})
		}
		s = s[j+len(MarkEnd):]
	}
	return out
}

// maxOffset is how deep paging goes: past it, a cursor is neither given
// nor taken.
const maxOffset = 10000

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(raw) > 1 && raw[0] == 'o' {
		if n, err := strconv.Atoi(string(raw[1:])); err == nil && n >= 0 && n <= maxOffset {
			return n, nil
		}
	}
	return 0, channels.Invalid("invalid_cursor", "cursor", "the cursor is not one this server gave")
}
