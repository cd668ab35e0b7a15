package channels

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// splitScopes parses the scopes column; the result is never nil.
func splitScopes(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// insertToken stores t (its user, kind, name, hint, creation and expiry)
// under the hash of its secret and returns its id. Scopes nil is a NULL
// scopes column, which people's tokens have; a bot token's scopes are
// stored even when empty.
func (st *store) insertToken(tx *sqlite.Tx, t *Token, hash []byte) (int64, error) {
	var scopes any
	if t.Scopes != nil {
		scopes = strings.Join(t.Scopes, ",")
	}
	res, err := tx.Exec(`INSERT INTO tokens (user_id, kind, name, hash, hint, created_at, expires_at, scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.UserID, t.Kind, t.Name, hash, t.Hint, t.CreatedAt, t.ExpiresAt, scopes)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// tokenAuth is what authentication needs of a token besides its user.
type tokenAuth struct {
	expires, lastUsed sql.NullInt64
	scopes            sql.NullString
}

// actorByTokenHash loads the token with the hash and its user into a
// (token id and kind, and the user); an unknown hash is sql.ErrNoRows.
// It runs on every request the auth cache misses: one cached statement.
func (st *store) actorByTokenHash(ctx context.Context, hash []byte, a *Actor) (tokenAuth, error) {
	var t tokenAuth
	u := &a.User
	err := st.db.ReadRow(ctx, selectActor, hash).Scan(&a.TokenID, &a.TokenKind, &t.scopes, &t.expires, &t.lastUsed,
		&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Kind, &u.IsAdmin, &u.StatusText, &u.StatusEmoji,
		&u.Deactivated, &u.DNDUntil, &u.CreatedAt, &u.UpdatedAt)
	return t, err
}

const selectActor = `SELECT t.id, t.kind, t.scopes, t.expires_at, t.last_used_at, u.id, u.username, u.display_name, u.email, u.kind, u.is_admin,
	u.status_text, u.status_emoji, u.deactivated_at IS NOT NULL, u.dnd_until, u.created_at, u.updated_at
FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`

// touchToken records when a token was last used.
func (st *store) touchToken(tx *sqlite.Tx, id, at int64) error {
	_, err := tx.Exec(`UPDATE tokens SET last_used_at = ? WHERE id = ?`, at, id)
	return err
}

// deleteToken deletes one token, whoever owns it.
func (st *store) deleteToken(tx *sqlite.Tx, id int64) error {
	_, err := tx.Exec(`DELETE FROM tokens WHERE id = ?`, id)
	return err
}

// deleteOwnedToken deletes token id only if ownerID owns it and it is of
// the kind, and reports whether it did.
func (st *store) deleteOwnedToken(tx *sqlite.Tx, id, ownerID int64, kind string) (bool, error) {
	res, err := tx.Exec(`DELETE FROM tokens WHERE id = ? AND user_id = ? AND kind = ?`, id, ownerID, kind)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// deleteUserTokens deletes every session and token of a user.
func (st *store) deleteUserTokens(tx *sqlite.Tx, userID int64) error {
	_, err := tx.Exec(`DELETE FROM tokens WHERE user_id = ?`, userID)
	return err
}

const tokenColumns = `id, user_id, kind, name, hint, created_at, expires_at, last_used_at`

// tokens lists a user's tokens of one kind by id, without scopes.
func (st *store) tokens(ctx context.Context, userID int64, kind string) ([]Token, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE user_id = ? AND kind = ? ORDER BY id`, userID, kind)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.UserID, &t.Kind, &t.Name, &t.Hint, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt); err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// botTokens lists a bot's tokens by id with their scopes.
func (st *store) botTokens(ctx context.Context, botID int64) ([]Token, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+tokenColumns+`, scopes FROM tokens WHERE user_id = ? AND kind = ? ORDER BY id`, botID, TokenBot)
	if err != nil {
		return nil, fmt.Errorf("list tokens of bot %d: %w", botID, err)
	}
	defer rows.Close()
	out := []Token{}
	for rows.Next() {
		var t Token
		var scopes sql.NullString
		if err := rows.Scan(&t.ID, &t.UserID, &t.Kind, &t.Name, &t.Hint, &t.CreatedAt, &t.ExpiresAt, &t.LastUsedAt, &scopes); err != nil {
			return nil, fmt.Errorf("scan token: %w", err)
		}
		t.Scopes = splitScopes(scopes.String)
		out = append(out, t)
	}
	return out, rows.Err()
}
