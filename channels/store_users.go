package channels

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// userColumns are the columns scanUser reads, in its order.
const userColumns = `id, username, display_name, email, kind, is_admin, status_text, status_emoji, deactivated_at IS NOT NULL, dnd_until, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	return scanUserAnd(row, u)
}

// scanUserAnd scans userColumns into u, then the columns after them into
// more.
func scanUserAnd(row interface{ Scan(...any) error }, u *User, more ...any) error {
	return row.Scan(append([]any{&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Kind, &u.IsAdmin, &u.StatusText,
		&u.StatusEmoji, &u.Deactivated, &u.DNDUntil, &u.CreatedAt, &u.UpdatedAt}, more...)...)
}

// userByID loads a user; an unknown id is sql.ErrNoRows.
func (st *store) userByID(ctx context.Context, id int64) (*User, error) {
	var u User
	if err := scanUser(st.db.ReadRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// userByIDTx is userByID inside a write, which sees the write's changes.
func (st *store) userByIDTx(tx *sqlite.Tx, id int64) (*User, error) {
	var u User
	if err := scanUser(tx.QueryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// userByName loads a user by username; an unknown name is sql.ErrNoRows.
func (st *store) userByName(ctx context.Context, username string) (*User, error) {
	var u User
	if err := scanUser(st.db.ReadRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// users lists up to limit users by id after the cursor.
func (st *store) users(ctx context.Context, after int64, limit int) ([]User, error) {
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []User{}
	for rows.Next() {
		var u User
		if err := scanUser(rows, &u); err != nil {
			return nil, fmt.Errorf("scan user: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// personLogin is what a login checks of the person with a username: the
// id, password hash ("" for none) and whether the account is deactivated.
// Bots are not found (sql.ErrNoRows).
func (st *store) personLogin(ctx context.Context, username string) (id int64, hash string, deactivated bool, err error) {
	err = st.db.ReadRow(ctx,
		`SELECT id, password_hash, deactivated_at IS NOT NULL FROM users WHERE username = ? AND kind = 'person'`,
		username).Scan(&id, &hash, &deactivated)
	return id, hash, deactivated, err
}

// countPeople counts the people's accounts, deactivated ones included.
func (st *store) countPeople(tx *sqlite.Tx) (int, error) {
	var n int
	err := tx.QueryRow(`SELECT COUNT(*) FROM users WHERE kind = 'person'`).Scan(&n)
	return n, err
}

// insertPerson adds a person's account and returns its id. A username in
// use is the driver's unique violation (sqlite.IsUniqueViolation).
func (st *store) insertPerson(tx *sqlite.Tx, in SignupInput, passwordHash []byte, admin bool, now int64) (int64, error) {
	res, err := tx.Exec(`INSERT INTO users (username, display_name, email, password_hash, kind, is_admin, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'person', ?, ?, ?)`, in.Username, in.DisplayName, in.Email, string(passwordHash), admin, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// usernameTaken reports whether any user, person or bot, has the username.
func (st *store) usernameTaken(tx *sqlite.Tx, username string) (bool, error) {
	var taken bool
	err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM users WHERE username = ?)`, username).Scan(&taken)
	return taken, err
}

// emailTaken reports whether a user other than exceptID has the address,
// compared without case.
func (st *store) emailTaken(tx *sqlite.Tx, email string, exceptID int64) (bool, error) {
	var taken bool
	err := tx.QueryRow(`SELECT EXISTS (SELECT 1 FROM users WHERE email = ? COLLATE NOCASE AND id != ?)`, email, exceptID).Scan(&taken)
	return taken, err
}

// setEmail changes a user's e-mail address.
func (st *store) setEmail(tx *sqlite.Tx, userID int64, email string) error {
	_, err := tx.Exec(`UPDATE users SET email = ? WHERE id = ?`, email, userID)
	return err
}

// updateProfile writes u's display name, status and updated_at.
func (st *store) updateProfile(tx *sqlite.Tx, u *User) error {
	_, err := tx.Exec(`UPDATE users SET display_name = ?, status_text = ?, status_emoji = ?, updated_at = ? WHERE id = ?`,
		u.DisplayName, u.StatusText, u.StatusEmoji, u.UpdatedAt, u.ID)
	return err
}

// setDisplayName writes a user's display name and updated_at.
func (st *store) setDisplayName(tx *sqlite.Tx, userID int64, name string, updatedAt int64) error {
	_, err := tx.Exec(`UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?`, name, updatedAt, userID)
	return err
}

// setDND writes a user's do-not-disturb end (nil for off) and updated_at.
func (st *store) setDND(tx *sqlite.Tx, userID int64, until *int64, updatedAt int64) error {
	_, err := tx.Exec(`UPDATE users SET dnd_until = ?, updated_at = ? WHERE id = ?`, until, updatedAt, userID)
	return err
}

// setUserActive deactivates a user at now or reactivates one. Either way
// the user is no longer marked as deactivated with its owner.
func (st *store) setUserActive(tx *sqlite.Tx, userID int64, active bool, now int64) error {
	var deactivatedAt any
	if !active {
		deactivatedAt = now
	}
	_, err := tx.Exec(`UPDATE users SET deactivated_at = ?, deactivated_with_owner = 0, updated_at = ? WHERE id = ?`,
		deactivatedAt, now, userID)
	return err
}

// useInvite marks the unused, unexpired invite with the hash as used at
// now, and reports whether there was one.
func (st *store) useInvite(tx *sqlite.Tx, hash []byte, now int64) (bool, error) {
	res, err := tx.Exec(`UPDATE invites SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?`, now, hash, now)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// setInviteUsedBy records which account an invite made.
func (st *store) setInviteUsedBy(tx *sqlite.Tx, hash []byte, userID int64) error {
	_, err := tx.Exec(`UPDATE invites SET used_by = ? WHERE hash = ?`, userID, hash)
	return err
}

// insertInvite stores an invite under the hash of its code and returns its id.
func (st *store) insertInvite(tx *sqlite.Tx, hash []byte, inv *Invite) (int64, error) {
	res, err := tx.Exec(`INSERT INTO invites (hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}
