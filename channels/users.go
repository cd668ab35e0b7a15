package channels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels/sqlite"
)

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,31}$`)
	emojiPattern    = regexp.MustCompile(`^[a-z0-9_+'-]{1,64}(::skin-tone-[2-6])?$`)
	// Words with a meaning in mentions cannot be usernames.
	reservedUsernames = map[string]bool{"channel": true, "here": true, "everyone": true, "all": true, "me": true, SystemBotUsername: true}
)

const userColumns = `id, username, display_name, email, kind, is_admin, status_text, status_emoji, deactivated_at IS NOT NULL, dnd_until, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }, u *User) error {
	return row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Kind, &u.IsAdmin, &u.StatusText,
		&u.StatusEmoji, &u.Deactivated, &u.DNDUntil, &u.CreatedAt, &u.UpdatedAt)
}

// SignupInput is what a new account starts with.
type SignupInput struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email"`
	InviteCode  string `json:"invite_code"`
}

func validateNewUser(in *SignupInput) error {
	in.Username = strings.TrimSpace(in.Username)
	if !usernamePattern.MatchString(in.Username) || reservedUsernames[in.Username] {
		return Invalid("invalid_username", "username", "username must be 1-32 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
	}
	if err := validatePassword(in.Password); err != nil {
		return err
	}
	if utf8.RuneCountInString(in.DisplayName) > 80 {
		return Invalid("invalid_display_name", "display_name", "display name is longer than 80 characters")
	}
	email, err := normalizeEmail(in.Email)
	if err != nil {
		return err
	}
	in.Email = email
	return nil
}

func validatePassword(p string) error {
	if utf8.RuneCountInString(p) < 8 {
		return Invalid("weak_password", "password", "password must have at least 8 characters")
	}
	if len(p) > 72 { // bcrypt ignores what follows byte 72
		return Invalid("invalid_password", "password", "password must be at most 72 bytes")
	}
	return nil
}

// Signup creates an account and a session for it. The first account becomes
// admin; later ones need open sign-up or an unused invite.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*User, string, error) {
	if err := validateNewUser(&in); err != nil {
		return nil, "", err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.opts.BcryptCost)
	if err != nil {
		return nil, "", fmt.Errorf("hash password: %w", err)
	}
	var userID int64
	session := NewSecret(PrefixSession)
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		var people int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM users WHERE kind = 'person'`).Scan(&people); err != nil {
			return err
		}
		admin := people == 0
		invited := !admin && !s.opts.OpenSignup || in.InviteCode != ""
		if invited {
			if err := useInvite(tx, in.InviteCode); err != nil {
				return err
			}
		}
		userID, err = insertUser(tx, in, hash, admin)
		if err != nil {
			return err
		}
		if invited {
			if _, err := tx.Exec(`UPDATE invites SET used_by = ? WHERE hash = ?`, userID, HashSecret(in.InviteCode)); err != nil {
				return err
			}
		}
		_, err = insertToken(tx, userID, TokenSession, "session", session, time.Now().Add(s.opts.SessionTTL).UnixMilli())
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("sign up %q: %w", in.Username, err)
	}
	u, err := s.User(ctx, userID)
	return u, session, err
}

func useInvite(tx *sqlite.Tx, code string) error {
	if code == "" {
		return Forbidden("signup_closed", "sign-up needs an invite from an admin")
	}
	res, err := tx.Exec(`UPDATE invites SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?`,
		nowMillis(), HashSecret(code), nowMillis())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Forbidden("invalid_invite", "the invite code is unknown, used or expired")
	}
	return nil
}

func insertUser(tx *sqlite.Tx, in SignupInput, hash []byte, admin bool) (int64, error) {
	if err := checkEmailFree(tx, in.Email, 0); err != nil {
		return 0, err
	}
	now := nowMillis()
	res, err := tx.Exec(`INSERT INTO users (username, display_name, email, password_hash, kind, is_admin, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'person', ?, ?, ?)`, in.Username, in.DisplayName, in.Email, string(hash), admin, now, now)
	if sqlite.IsUniqueViolation(err) {
		return 0, Conflict("username_taken", "that username is taken")
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func insertToken(tx *sqlite.Tx, userID int64, kind, name, secret string, expiresAt int64) (int64, error) {
	var exp any
	if expiresAt > 0 {
		exp = expiresAt
	}
	res, err := tx.Exec(`INSERT INTO tokens (user_id, kind, name, hash, hint, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		userID, kind, name, HashSecret(secret), secretHint(secret), nowMillis(), exp)
	if err != nil {
		return 0, fmt.Errorf("store token: %w", err)
	}
	return res.LastInsertId()
}

// CreateUser makes an account without sign-up rules (the admin CLI).
func (s *Service) CreateUser(ctx context.Context, username, password string, admin bool) (*User, error) {
	in := SignupInput{Username: username, Password: password}
	if err := validateNewUser(&in); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.opts.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	var id int64
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		id, err = insertUser(tx, in, hash, admin)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", username, err)
	}
	return s.User(ctx, id)
}

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password string) (*User, string, error) {
	var id int64
	var hash string
	var deactivated bool
	err := s.db.ReadRow(ctx,
		`SELECT id, password_hash, deactivated_at IS NOT NULL FROM users WHERE username = ? AND kind = 'person'`,
		strings.TrimSpace(strings.ToLower(username))).Scan(&id, &hash, &deactivated)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("look up user: %w", err)
	}
	// No such person (bots and the system bot have no password either), or
	// one without a password: compare against the dummy hash anyway, which
	// has the configured cost, so that the answer takes as long as for a
	// real account and does not tell which usernames exist.
	known := err == nil && hash != ""
	stored := []byte(hash)
	if !known {
		stored = s.dummyHash
	}
	if s.comparePassword(stored, []byte(password)) != nil || !known {
		return nil, "", newErr(ErrUnauthenticated, "invalid_credentials", "wrong username or password")
	}
	if deactivated {
		return nil, "", Forbidden("account_deactivated", "this account is deactivated")
	}
	session := NewSecret(PrefixSession)
	err = s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := insertToken(tx, id, TokenSession, "session", session, time.Now().Add(s.opts.SessionTTL).UnixMilli())
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("open session: %w", err)
	}
	u, err := s.User(ctx, id)
	return u, session, err
}

// Logout revokes the token the actor authenticated with.
func (s *Service) Logout(ctx context.Context, actor *Actor) error {
	defer s.revoked(0, actor.TokenID)
	return s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`DELETE FROM tokens WHERE id = ?`, actor.TokenID)
		return err
	})
}

const selectActor = `SELECT t.id, t.kind, t.scopes, t.expires_at, t.last_used_at, u.id, u.username, u.display_name, u.email, u.kind, u.is_admin,
	u.status_text, u.status_emoji, u.deactivated_at IS NOT NULL, u.dnd_until, u.created_at, u.updated_at
FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`

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
	var expires, lastUsed sql.NullInt64
	var scopes sql.NullString
	u := &a.User
	err := s.db.ReadRow(ctx, selectActor, hash).Scan(&a.TokenID, &a.TokenKind, &scopes, &expires, &lastUsed,
		&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Kind, &u.IsAdmin, &u.StatusText, &u.StatusEmoji,
		&u.Deactivated, &u.DNDUntil, &u.CreatedAt, &u.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (u.Deactivated || expires.Valid && expires.Int64 < nowMillis()) {
		return nil, newErr(ErrUnauthenticated, "invalid_token", "the token is invalid, revoked or expired")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if a.TokenKind == TokenBot || scopes.Valid {
		a.Scopes = splitScopes(scopes.String) // never nil: a bot token is limited
	}
	a.TokenExpiresAt = expires.Int64
	s.auth.put(string(hash), authEntry{actor: a, expires: expires.Int64, lastUsed: lastUsed.Int64}, gen)
	s.touchToken(a.TokenID, lastUsed.Int64)
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
			_, err := tx.Exec(`UPDATE tokens SET last_used_at = ? WHERE id = ?`, now.UnixMilli(), id)
			return err
		})
		if err != nil && !errors.Is(err, sqlite.ErrClosed) {
			s.log.Warn("record token use", "token_id", id, "err", err)
		}
	}()
}

// User returns one user by id.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	var u User
	err := scanUser(s.db.ReadRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return &u, nil
}

// UserByName returns one user by username.
func (s *Service) UserByName(ctx context.Context, username string) (*User, error) {
	var u User
	err := scanUser(s.db.ReadRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load user %q: %w", username, err)
	}
	return &u, nil
}

// Users lists users by id after the cursor.
func (s *Service) Users(ctx context.Context, after int64, limit int) ([]User, error) {
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
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

// ProfilePatch holds the fields of PATCH /users/me; nil leaves a field alone.
type ProfilePatch struct {
	DisplayName *string `json:"display_name"`
	StatusText  *string `json:"status_text"`
	StatusEmoji *string `json:"status_emoji"`
	// Email is a person's address ("" removes it), unique among users.
	Email *string `json:"email"`
}

// UpdateProfile changes the actor's display name, status and e-mail address.
func (s *Service) UpdateProfile(ctx context.Context, actor *Actor, p ProfilePatch) (*User, error) {
	u := actor.User
	if p.Email != nil {
		email, err := normalizeEmail(*p.Email)
		if err != nil {
			return nil, err
		}
		if email != "" && u.Kind == KindBot {
			return nil, Invalid("invalid_email", "email", "a bot has no e-mail address")
		}
		u.Email = email
	}
	if p.DisplayName != nil {
		if utf8.RuneCountInString(*p.DisplayName) > 80 {
			return nil, Invalid("invalid_display_name", "display_name", "display name is longer than 80 characters")
		}
		u.DisplayName = strings.TrimSpace(*p.DisplayName)
	}
	if p.StatusText != nil {
		if utf8.RuneCountInString(*p.StatusText) > 100 {
			return nil, Invalid("invalid_status_text", "status_text", "status text is longer than 100 characters")
		}
		u.StatusText = strings.TrimSpace(*p.StatusText)
	}
	if p.StatusEmoji != nil {
		u.StatusEmoji = ""
		if *p.StatusEmoji != "" {
			e, err := NormalizeEmoji(*p.StatusEmoji)
			if err != nil {
				return nil, Invalid("invalid_emoji", "status_emoji", "status emoji must be a shortcode like palm_tree")
			}
			u.StatusEmoji = e
		}
	}
	u.UpdatedAt = nowMillis()
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if p.Email != nil {
			if err := checkEmailFree(tx, u.Email, u.ID); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE users SET email = ? WHERE id = ?`, u.Email, u.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`UPDATE users SET display_name = ?, status_text = ?, status_emoji = ?, updated_at = ? WHERE id = ?`,
			u.DisplayName, u.StatusText, u.StatusEmoji, u.UpdatedAt, u.ID); err != nil {
			return err
		}
		return appendUserUpdated(tx, actor.ID, &u)
	})
	s.auth.forget(u.ID, 0)
	if err != nil {
		return nil, fmt.Errorf("update profile of %d: %w", u.ID, err)
	}
	return &u, nil
}

func appendUserUpdated(tx *sqlite.Tx, actorID int64, u *User) error {
	public := *u
	public.Email = ""
	_, err := appendEvent(tx, newEvent{Type: EventUserUpdated, Scope: ScopeAll, ActorID: actorID, SubjectID: u.ID, Data: public})
	return err
}

// CreateToken issues a personal access token to the actor. The secret is
// returned once and stored only as a hash.
func (s *Service) CreateToken(ctx context.Context, actor *Actor, name string, ttl time.Duration) (*Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, "", Invalid("invalid_name", "name", "a token needs a name of 1-100 characters")
	}
	if ttl < 0 {
		return nil, "", Invalid("invalid_expires_in", "expires_in", "expires_in must be positive")
	}
	return s.issueToken(ctx, actor.ID, TokenPersonal, PrefixPersonal, name, ttl)
}

// CreateTokenFor issues a personal access token to a user by name (the admin CLI).
func (s *Service) CreateTokenFor(ctx context.Context, username, name string) (*Token, string, error) {
	u, err := s.UserByName(ctx, username)
	if err != nil {
		return nil, "", err
	}
	return s.issueToken(ctx, u.ID, TokenPersonal, PrefixPersonal, name, 0)
}

func (s *Service) issueToken(ctx context.Context, userID int64, kind, prefix, name string, ttl time.Duration) (*Token, string, error) {
	secret := NewSecret(prefix)
	var expires int64
	if ttl > 0 {
		expires = time.Now().Add(ttl).UnixMilli()
	}
	var id int64
	err := s.db.Write(ctx, func(tx *sqlite.Tx) (err error) {
		id, err = insertToken(tx, userID, kind, name, secret, expires)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("issue %s token: %w", kind, err)
	}
	t := &Token{ID: id, UserID: userID, Kind: kind, Name: name, Hint: secretHint(secret), CreatedAt: nowMillis()}
	if expires > 0 {
		t.ExpiresAt = &expires
	}
	return t, secret, nil
}

// Tokens lists the actor's personal access tokens.
func (s *Service) Tokens(ctx context.Context, actor *Actor) ([]Token, error) {
	rows, err := s.db.Reader.QueryContext(ctx, `SELECT id, user_id, kind, name, hint, created_at, expires_at, last_used_at
		FROM tokens WHERE user_id = ? AND kind = ? ORDER BY id`, actor.ID, TokenPersonal)
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

// DeleteToken revokes one of the actor's personal access tokens.
func (s *Service) DeleteToken(ctx context.Context, actor *Actor, id int64) error {
	return s.revokeToken(ctx, id, actor.ID, TokenPersonal)
}

// revokeToken deletes token id of the given kind if ownerID owns it and,
// only when a row was deleted, drops the token's cached authentications and
// closes its connections: asking to revoke someone else's token must not
// sign them out.
func (s *Service) revokeToken(ctx context.Context, id, ownerID int64, kind string) error {
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`DELETE FROM tokens WHERE id = ? AND user_id = ? AND kind = ?`, id, ownerID, kind)
		if err != nil {
			return fmt.Errorf("delete token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return NotFound("token")
		}
		return nil
	})
	if err == nil {
		s.revoked(0, id)
	}
	return err
}

// CreateInvite makes a one-time sign-up code (admins only).
func (s *Service) CreateInvite(ctx context.Context, actor *Actor, ttl time.Duration) (*Invite, error) {
	if !actor.IsAdmin {
		return nil, Forbidden("admin_only", "only an admin can invite")
	}
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	code := NewSecret(PrefixInvite)
	inv := &Invite{Code: code, CreatedBy: actor.ID, CreatedAt: nowMillis(), ExpiresAt: time.Now().Add(ttl).UnixMilli()}
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		res, err := tx.Exec(`INSERT INTO invites (hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			HashSecret(code), actor.ID, inv.CreatedAt, inv.ExpiresAt)
		if err != nil {
			return err
		}
		inv.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
}

// revoked drops cached authentications of a token (tokenID != 0) or of a
// user, and closes their realtime connections.
func (s *Service) revoked(userID, tokenID int64) {
	s.auth.forget(userID, tokenID)
	if s.hooks.Revoked != nil {
		s.hooks.Revoked(userID, tokenID)
	}
}

// SetDND turns do-not-disturb on until the given time (DNDIndefinite for no
// end), or off with until 0.
func (s *Service) SetDND(ctx context.Context, actor *Actor, until int64) (*User, error) {
	if until != 0 && until <= nowMillis() {
		return nil, Invalid("invalid_until", "until", "until must be in the future")
	}
	u := actor.User
	u.DNDUntil = nil
	if until != 0 {
		u.DNDUntil = &until
	}
	u.UpdatedAt = nowMillis()
	err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		if _, err := tx.Exec(`UPDATE users SET dnd_until = ?, updated_at = ? WHERE id = ?`, u.DNDUntil, u.UpdatedAt, u.ID); err != nil {
			return err
		}
		return appendUserUpdated(tx, actor.ID, &u)
	})
	s.auth.forget(u.ID, 0)
	if err != nil {
		return nil, fmt.Errorf("set do-not-disturb of %d: %w", u.ID, err)
	}
	return &u, nil
}
