package channels

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Options configure the core service.
type Options struct {
	DataDir        string        // files live under DataDir/files
	OpenSignup     bool          // anyone may sign up, not just the first user and invitees
	BcryptCost     int           // password hashing cost; bcrypt.MinCost in tests
	SessionTTL     time.Duration // how long a login session lasts
	MaxUploadBytes int64         // largest accepted file
	EventRetention time.Duration // how long the event log keeps events
	// BotPostLimiter holds each bot token's posts per channel (key
	// "TOKENID:CHANNELID"); nil allows everything.
	BotPostLimiter *RateLimiter
	// KeepBotsOfDeactivated leaves a deactivated person's bots working
	// (by default they are disabled with their owner).
	KeepBotsOfDeactivated bool
}

// Service is the workspace core: every operation on users, channels,
// messages and files, each checked against the caller's permissions.
type Service struct {
	db *sqlite.DB
	// st holds the SQL the service runs; the service holds the rules.
	st   *store
	log  *slog.Logger
	opts Options
	// Log is the event log; readers follow it.
	Log *Log

	auth *authCache
	// hooks call into the realtime hub and the bots package (SetHooks).
	hooks   Hooks
	blobMu  sync.RWMutex // uploads (read) against blob removal (write)
	touched sync.Map     // token id -> time.Time its last_used_at was written
	// icons caches each message author's own icon (authorIcon).
	icons sync.Map
	// systemBotID caches the system bot's user id once it exists.
	systemBotID atomic.Int64
	// dummyHash, of a random password at the configured cost, is what a
	// login naming no account is compared against.
	dummyHash []byte
	// comparePassword is bcrypt's comparison (tests observe it).
	comparePassword func(hash, password []byte) error
}

// New returns a Service over db, whose core migrations must have run.
func New(db *sqlite.DB, logger *slog.Logger, opts Options) *Service {
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.DefaultCost
	}
	if opts.SessionTTL == 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.MaxUploadBytes == 0 {
		opts.MaxUploadBytes = 50 << 20
	}
	if opts.EventRetention == 0 {
		opts.EventRetention = 30 * 24 * time.Hour
	}
	st := &store{db: db}
	return &Service{db: db, st: st, log: logger, opts: opts, Log: newLog(st), auth: newAuthCache(),
		dummyHash: newDummyHash(opts.BcryptCost), comparePassword: bcrypt.CompareHashAndPassword}
}

// newDummyHash hashes a random password at cost, once at start: comparing
// against it takes as long as checking a real account's password.
func newDummyHash(cost int) []byte {
	hash, err := bcrypt.GenerateFromPassword([]byte(NewSecret("dummy")), cost)
	if err != nil { // a cost out of bcrypt's range, which Signup refuses too
		hash, _ = bcrypt.GenerateFromPassword([]byte(NewSecret("dummy")), bcrypt.DefaultCost)
	}
	return hash
}

// DB returns the shared database handles, for packages that keep their own tables.
func (s *Service) DB() *sqlite.DB { return s.db }

// Options returns the service's configuration.
func (s *Service) Options() Options { return s.opts }

func (s *Service) filesDir() string { return filepath.Join(s.opts.DataDir, "files") }

// RunMaintenance prunes the event log and expired idempotency keys, sessions
// and invites every interval until ctx ends.
func (s *Service) RunMaintenance(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.maintain(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("maintenance", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) maintain(ctx context.Context) error {
	if _, err := s.Log.Prune(ctx, time.Now().Add(-s.opts.EventRetention)); err != nil {
		return err
	}
	now := nowMillis()
	return s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if err := s.st.pruneIdempotencyKeys(tx, now-idempotencyWindow.Milliseconds()); err != nil {
			return fmt.Errorf("prune idempotency keys: %w", err)
		}
		if err := s.st.pruneExpiredTokens(tx, now); err != nil {
			return fmt.Errorf("prune expired tokens: %w", err)
		}
		return nil
	})
}
