package channels

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/parley-chat/parley/channels/sqlite"
)

// normalizeEmail trims an e-mail address and checks that it is one bare
// address ("ada@example.com", not "Ada <ada@example.com>"); "" means none.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
		return "", Invalid("invalid_email", "email", "email is not an address like ada@example.com")
	}
	return s, nil
}

// checkEmailFree refuses an address another user already has, whatever its
// case: Slack's users.lookupByEmail must find one person per address.
func (s *Service) checkEmailFree(tx *sqlite.Tx, email string, userID int64) error {
	if email == "" {
		return nil
	}
	taken, err := s.st.emailTaken(tx, email, userID)
	if err != nil {
		return fmt.Errorf("check e-mail address: %w", err)
	}
	if taken {
		return Conflict("email_taken", "another account has that e-mail address")
	}
	return nil
}
