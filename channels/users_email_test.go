package channels

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestService_UpdateProfileEmail(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	if _, _, err := s.Signup(ctx, SignupInput{Username: "ada", Password: "password-ada", Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, token, err := s.Signup(ctx, SignupInput{Username: "bob", Password: "password-bob"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := s.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	str := func(v string) *string { return &v }

	// The steps run in order on bob's account; want is his address afterwards.
	tests := []struct {
		name   string
		patch  ProfilePatch
		status int    // 0: no error
		code   string // the error's code
		want   string
	}{
		{name: "sets an address", patch: ProfilePatch{Email: str("bob@example.com")}, want: "bob@example.com"},
		{name: "trims blanks", patch: ProfilePatch{Email: str("  bob@work.example  ")}, want: "bob@work.example"},
		{name: "leaves it alone when absent", patch: ProfilePatch{DisplayName: str("Bob")}, want: "bob@work.example"},
		{name: "his own address in another case is no conflict", patch: ProfilePatch{Email: str("BOB@work.example")},
			want: "BOB@work.example"},
		{name: "refuses another user's address", patch: ProfilePatch{Email: str("ada@example.com")},
			status: http.StatusConflict, code: "email_taken", want: "BOB@work.example"},
		{name: "refuses it in another case", patch: ProfilePatch{Email: str("Ada@EXAMPLE.com")},
			status: http.StatusConflict, code: "email_taken", want: "BOB@work.example"},
		{name: "refuses no @", patch: ProfilePatch{Email: str("bob")}, status: http.StatusBadRequest, code: "invalid_email",
			want: "BOB@work.example"},
		{name: "refuses a display name with the address", patch: ProfilePatch{Email: str("Bob <bob@example.com>")},
			status: http.StatusBadRequest, code: "invalid_email", want: "BOB@work.example"},
		{name: "refuses two addresses", patch: ProfilePatch{Email: str("bob@example.com, ada@example.com")},
			status: http.StatusBadRequest, code: "invalid_email", want: "BOB@work.example"},
		{name: "refuses an address over 254 bytes", patch: ProfilePatch{Email: str(strings.Repeat("b", 250) + "@x.io")},
			status: http.StatusBadRequest, code: "invalid_email", want: "BOB@work.example"},
		{name: "a refused address changes nothing else", patch: ProfilePatch{DisplayName: str("Robert"), Email: str("nope")},
			status: http.StatusBadRequest, code: "invalid_email", want: "BOB@work.example"},
		{name: "empty removes it", patch: ProfilePatch{Email: str("")}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.UpdateProfile(ctx, bob, tt.patch)
			if tt.status != 0 {
				if got := ToHTTP(err); err == nil || got.Status != tt.status || got.Code != tt.code {
					t.Fatalf("err = %v (%d %q), want %d %q", err, got.Status, got.Code, tt.status, tt.code)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if u.Email != tt.want {
				t.Errorf("answered email %q, want %q", u.Email, tt.want)
			}
			stored, err := s.User(ctx, bob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Email != tt.want {
				t.Errorf("stored email %q, want %q", stored.Email, tt.want)
			}
			if stored.DisplayName == "Robert" {
				t.Error("a refused patch changed the display name")
			}
			// The next step acts as bob with his current profile.
			if bob, err = s.Authenticate(ctx, token); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("sign-up refuses a taken address", func(t *testing.T) {
		_, _, err := s.Signup(ctx, SignupInput{Username: "carol", Password: "password-carol", Email: "ADA@example.com"})
		if got := ToHTTP(err); got.Status != http.StatusConflict || got.Code != "email_taken" {
			t.Fatalf("err = %v, want 409 email_taken", err)
		}
	})

	t.Run("a bot cannot have one", func(t *testing.T) {
		botActor := *bob
		botActor.Kind = KindBot
		_, err := s.UpdateProfile(ctx, &botActor, ProfilePatch{Email: str("bot@example.com")})
		if got := ToHTTP(err); got.Status != http.StatusBadRequest || got.Code != "invalid_email" {
			t.Fatalf("err = %v, want 400 invalid_email", err)
		}
	})
}
