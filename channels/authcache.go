package channels

import (
	"sync"
	"time"
)

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
