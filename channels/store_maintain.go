package channels

import "github.com/parley-chat/parley/channels/sqlite"

// pruneIdempotencyKeys deletes the idempotency keys created before before
// (Unix ms).
func (st *store) pruneIdempotencyKeys(tx *sqlite.Tx, before int64) error {
	_, err := tx.Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, before)
	return err
}

// pruneExpiredTokens deletes the tokens that expired before now (Unix ms);
// tokens without an expiry stay.
func (st *store) pruneExpiredTokens(tx *sqlite.Tx, now int64) error {
	_, err := tx.Exec(`DELETE FROM tokens WHERE expires_at IS NOT NULL AND expires_at < ?`, now)
	return err
}
