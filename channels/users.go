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
		people, err := s.st.countPeople(tx)
		if err != nil {
			return err
		}
		admin := people == 0
		invited := !admin && !s.opts.OpenSignup || in.InviteCode != ""
		if invited {
			if err := s.useInvite(tx, in.InviteCode); err != nil {
				return err
			}
		}
		userID, err = s.insertUser(tx, in, hash, admin)
		if err != nil {
			return err
		}
		if invited {
			if err := s.st.setInviteUsedBy(tx, HashSecret(in.InviteCode), userID); err != nil {
				return err
			}
		}
		return s.insertSession(tx, userID, session)
	})
	if err != nil {
		return nil, "", fmt.Errorf("sign up %q: %w", in.Username, err)
	}
	u, err := s.User(ctx, userID)
	return u, session, err
}

// useInvite spends an unused, unexpired invite code.
func (s *Service) useInvite(tx *sqlite.Tx, code string) error {
	if code == "" {
		return Forbidden("signup_closed", "sign-up needs an invite from an admin")
	}
	ok, err := s.st.useInvite(tx, HashSecret(code), nowMillis())
	if err != nil {
		return err
	}
	if !ok {
		return Forbidden("invalid_invite", "the invite code is unknown, used or expired")
	}
	return nil
}

// insertUser adds a person's account with a free username and address.
func (s *Service) insertUser(tx *sqlite.Tx, in SignupInput, hash []byte, admin bool) (int64, error) {
	if err := s.checkEmailFree(tx, in.Email, 0); err != nil {
		return 0, err
	}
	id, err := s.st.insertPerson(tx, in, hash, admin, nowMillis())
	if sqlite.IsUniqueViolation(err) {
		return 0, Conflict("username_taken", "that username is taken")
	}
	return id, err
}

// insertToken stores a token with the secret, expiring at expiresAt (Unix
// ms; 0 never), and returns it.
func (s *Service) insertToken(tx *sqlite.Tx, userID int64, kind, name, secret string, expiresAt int64) (*Token, error) {
	t := &Token{UserID: userID, Kind: kind, Name: name, Hint: secretHint(secret), CreatedAt: nowMillis()}
	if expiresAt > 0 {
		t.ExpiresAt = &expiresAt
	}
	id, err := s.st.insertToken(tx, t, HashSecret(secret))
	if err != nil {
		return nil, fmt.Errorf("store token: %w", err)
	}
	t.ID = id
	return t, nil
}

// insertSession stores a session with the secret that lasts SessionTTL.
func (s *Service) insertSession(tx *sqlite.Tx, userID int64, secret string) error {
	_, err := s.insertToken(tx, userID, TokenSession, "session", secret, time.Now().Add(s.opts.SessionTTL).UnixMilli())
	return err
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
		id, err = s.insertUser(tx, in, hash, admin)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create user %q: %w", username, err)
	}
	return s.User(ctx, id)
}

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, username, password string) (*User, string, error) {
	id, hash, deactivated, err := s.st.personLogin(ctx, strings.TrimSpace(strings.ToLower(username)))
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
		return s.insertSession(tx, id, session)
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
		return s.st.deleteToken(tx, actor.TokenID)
	})
}

// User returns one user by id.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	u, err := s.st.userByID(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load user %d: %w", id, err)
	}
	return u, nil
}

// UserByName returns one user by username.
func (s *Service) UserByName(ctx context.Context, username string) (*User, error) {
	u, err := s.st.userByName(ctx, username)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("load user %q: %w", username, err)
	}
	return u, nil
}

// Users lists users by id after the cursor.
func (s *Service) Users(ctx context.Context, after int64, limit int) ([]User, error) {
	return s.st.users(ctx, after, limit)
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
			if err := s.checkEmailFree(tx, u.Email, u.ID); err != nil {
				return err
			}
			if err := s.st.setEmail(tx, u.ID, u.Email); err != nil {
				return err
			}
		}
		if err := s.st.updateProfile(tx, &u); err != nil {
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
	var t *Token
	err := s.db.Write(ctx, func(tx *sqlite.Tx) (err error) {
		t, err = s.insertToken(tx, userID, kind, name, secret, expires)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("issue %s token: %w", kind, err)
	}
	return t, secret, nil
}

// Tokens lists the actor's personal access tokens.
func (s *Service) Tokens(ctx context.Context, actor *Actor) ([]Token, error) {
	return s.st.tokens(ctx, actor.ID, TokenPersonal)
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
		deleted, err := s.st.deleteOwnedToken(tx, id, ownerID, kind)
		if err != nil {
			return fmt.Errorf("delete token %d: %w", id, err)
		}
		if !deleted {
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
		var err error
		inv.ID, err = s.st.insertInvite(tx, HashSecret(code), inv)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create invite: %w", err)
	}
	return inv, nil
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
		if err := s.st.setDND(tx, u.ID, u.DNDUntil, u.UpdatedAt); err != nil {
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
