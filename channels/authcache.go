package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Authenticate returns the caller a token belongs to. Unknown, revoked and
// expired tokens, and tokens of deactivated users, are ErrUnauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (*Actor, error) {
	if token == "" {
		return nil, newErr(ErrUnauthenticated, "not_authenticated", "authentication required")
	}
	hash := HashSecret(token)
	if e, ok := s.auth.get(string(hash)); ok {
		s.touchToken(e.actor.TokenID, e.lastUsed)
		a := e.actor
		return &a, nil
	}
	gen := s.auth.generation()
	var a Actor
	t, err := s.st.actorByTokenHash(ctx, hash, &a)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (a.Deactivated || t.expires.Valid && t.expires.Int64 < nowMillis()) {
		return nil, newErr(ErrUnauthenticated, "invalid_token", "the token is invalid, revoked or expired")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if a.TokenKind == TokenBot || t.scopes.Valid {
		a.Scopes = splitScopes(t.scopes.String) // never nil: a bot token is limited
	}
	a.TokenExpiresAt = t.expires.Int64
	s.auth.put(string(hash), authEntry{actor: a, expires: t.expires.Int64, lastUsed: t.lastUsed.Int64}, gen)
	s.touchToken(a.TokenID, t.lastUsed.Int64)
	return &a, nil
}

// touchGranularity is how stale a token's last_used_at may get: writing it
// on every request would put a write on every read.
const touchGranularity = time.Minute

// touchToken records that a token was used, at most once a minute per token,
// without making the request wait for the write.
func (s *Service) touchToken(id, lastUsed int64) {
	now := time.Now()
	if now.UnixMilli()-lastUsed < touchGranularity.Milliseconds() {
		return
	}
	if prev, ok := s.touched.Load(id); ok && now.Sub(prev.(time.Time)) < touchGranularity {
		return
	}
	s.touched.Store(id, now)
	go func() {
		err := s.db.Write(context.Background(), func(tx *sqlite.Tx) error {
			return s.st.touchToken(tx, id, now.UnixMilli())
		})
		if err != nil && !errors.Is(err, sqlite.ErrClosed) {
			s.log.Warn("record token use", "token_id", id, "err", err)
		}
	}()
}

// revoked drops cached authentications of a token (tokenID != 0) or of a
// user, and closes their realtime connections.
func (s *Service) revoked(userID, tokenID int64) {
	s.auth.forget(userID, tokenID)
	if s.hooks.Revoked != nil {
		s.hooks.Revoked(userID, tokenID)
	}
}

// authCache remembers recently authenticated tokens so that a request does
// not cost a database read before it starts. Every change that could make
// an entry wrong (logout, token deletion, deactivation, profile edits) drops
// it at once; the short TTL bounds what another process (the admin CLI)
// could leave stale.
type authCache struct {
	mu      sync.Mutex
	entries map[string]authEntry
	// gen counts forgets: an entry read from the database before a forget
	// must not be stored after it.
	gen uint64
}

type authEntry struct {
	actor    Actor
	expires  int64 // token expiry, Unix ms; 0 never
	lastUsed int64
	cachedAt time.Time
}

const (
	authCacheTTL  = 30 * time.Second
	authCacheSize = 10000
)

func newAuthCache() *authCache { return &authCache{entries: map[string]authEntry{}} }

func (c *authCache) get(hash string) (authEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || time.Since(e.cachedAt) > authCacheTTL || e.expires != 0 && e.expires < nowMillis() {
		return authEntry{}, false
	}
	return e, true
}

// generation is read before the database lookup whose result goes to put.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *authCache) put(hash string, e authEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // something was revoked meanwhile; the lookup may be stale
	}
	if len(c.entries) >= authCacheSize {
		clear(c.entries) // simple and rare: the next requests refill it
	}
	e.cachedAt = time.Now()
	c.entries[hash] = e
}

// forget drops the entries of a token (tokenID != 0) or of every token of a
// user (userID != 0).
func (c *authCache) forget(userID, tokenID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if userID != 0 && e.actor.ID == userID || tokenID != 0 && e.actor.TokenID == tokenID {
			delete(c.entries, k)
		}
	}
}
