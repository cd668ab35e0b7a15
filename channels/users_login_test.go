package channels

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/parley-chat/parley/channels/sqlite"
)

// Every failed login compares one bcrypt hash of the configured cost,
// whether or not the username names an account that can log in, so the
// answer's timing tells nothing about which usernames exist.
func TestService_LoginComparesAtConfiguredCost(t *testing.T) {
	const cost = bcrypt.MinCost + 1
	ctx := context.Background()
	s := newTestService(t, func(o *Options) { o.BcryptCost = cost })
	var costs []int
	s.comparePassword = func(hash, password []byte) error {
		c, err := bcrypt.Cost(hash)
		if err != nil {
			t.Errorf("compared against a malformed hash %q: %v", hash, err)
		}
		costs = append(costs, c)
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	actor(t, s, "ada")
	if _, _, _, err := s.CreateBot(ctx, NewBot{Username: "deploybot"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SystemBot(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write(ctx, func(tx *sqlite.Tx) error {
		_, err := tx.Exec(`INSERT INTO users (username, kind, created_at, updated_at) VALUES ('nopass', 'person', 1, 1)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, username, password string
	}{
		{"unknown username", "nobody", "password-nobody"},
		{"a bot's username", "deploybot", "password-deploybot"},
		{"the system bot's username", SystemBotUsername, "password-parley"},
		{"a person with no password", "nopass", "password-nopass"},
		{"a person, wrong password", "ada", "wrong password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			costs = nil
			_, _, err := s.Login(ctx, tt.username, tt.password)
			if code := ToHTTP(err).Code; code != "invalid_credentials" {
				t.Fatalf("Login(%q) = %v, want invalid_credentials", tt.username, err)
			}
			if len(costs) != 1 || costs[0] != cost {
				t.Errorf("Login(%q) compared hashes of cost %v, want one of cost %d", tt.username, costs, cost)
			}
		})
	}
	t.Run("the right password still logs in", func(t *testing.T) {
		costs = nil
		if _, _, err := s.Login(ctx, "ada", "password-ada"); err != nil {
			t.Fatal(err)
		}
		if len(costs) != 1 || costs[0] != cost {
			t.Errorf("compared hashes of cost %v, want one of cost %d", costs, cost)
		}
	})
}
