package channels

import (
	"context"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// userIcon is a user's own icon: a bot's default one, empty for people.
func (st *store) userIcon(ctx context.Context, userID int64) (emoji, url string, err error) {
	err = st.db.ReadRow(ctx, `SELECT icon_emoji, icon_url FROM users WHERE id = ?`, userID).Scan(&emoji, &url)
	return emoji, url, err
}

// botAccounts adds to out the bots among ids with their icons.
func (st *store) botAccounts(ctx context.Context, ids []int64, out map[int64]*BotAccount) error {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	rows, err := st.db.Reader.QueryContext(ctx, `SELECT `+userColumns+`, icon_emoji, icon_url FROM users
		WHERE kind = 'bot' AND id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		b := &BotAccount{}
		if err := scanUserAnd(rows, &b.User, &b.IconEmoji, &b.IconURL); err != nil {
			return err
		}
		out[b.ID] = b
	}
	return rows.Err()
}

// setUserIcon changes a bot's default icon.
func (st *store) setUserIcon(tx *sqlite.Tx, botID int64, emoji, url string) error {
	_, err := tx.Exec(`UPDATE users SET icon_emoji = ?, icon_url = ? WHERE id = ? AND kind = 'bot'`, emoji, url, botID)
	return err
}

// insertBot adds a bot user with u's username, display name and times and
// its default icon, and returns its id. A username in use is the driver's
// unique violation (sqlite.IsUniqueViolation).
func (st *store) insertBot(tx *sqlite.Tx, u *User, iconEmoji, iconURL string) (int64, error) {
	res, err := tx.Exec(`INSERT INTO users (username, display_name, kind, icon_emoji, icon_url, created_at, updated_at)
		VALUES (?, ?, 'bot', ?, ?, ?, ?)`, u.Username, u.DisplayName, iconEmoji, iconURL, u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// systemBotID returns the system bot's id; sql.ErrNoRows before it exists.
func (st *store) systemBotID(tx *sqlite.Tx) (int64, error) {
	var id int64
	err := tx.QueryRow(`SELECT id FROM users WHERE is_system = 1`).Scan(&id)
	return id, err
}

// insertSystemBot adds the system bot, named Parley, and returns its id.
func (st *store) insertSystemBot(tx *sqlite.Tx, username string, now int64) (int64, error) {
	res, err := tx.Exec(`INSERT INTO users (username, display_name, kind, is_system, created_at, updated_at)
		VALUES (?, 'Parley', 'bot', 1, ?, ?)`, username, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// deactivateBot marks a bot deactivated by itself (not with its owner),
// keeping the time of an earlier deactivation.
func (st *store) deactivateBot(tx *sqlite.Tx, botID, now int64) error {
	_, err := tx.Exec(`UPDATE users SET deactivated_at = COALESCE(deactivated_at, ?), deactivated_with_owner = 0, updated_at = ? WHERE id = ?`,
		now, now, botID)
	return err
}

// setBotWithOwner deactivates an active bot along with its owner or, with
// active, reactivates one deactivated that way; it reports whether the bot
// changed. A bot deactivated by itself is left alone either way.
func (st *store) setBotWithOwner(tx *sqlite.Tx, botID int64, active bool, now int64) (bool, error) {
	query := `UPDATE users SET deactivated_at = ?1, deactivated_with_owner = 1, updated_at = ?1
		WHERE id = ?2 AND deactivated_at IS NULL`
	if active {
		query = `UPDATE users SET deactivated_at = NULL, deactivated_with_owner = 0, updated_at = ?1
			WHERE id = ?2 AND deactivated_with_owner = 1`
	}
	res, err := tx.Exec(query, now, botID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
