package channels

import (
	"context"
	"testing"
)

func TestAuthenticate_Cache(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	admin := actor(t, s, "ada")
	bob := actor(t, s, "bob")
	_, secret, err := s.CreateToken(ctx, bob, "laptop", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); err != nil { // cached from here on
		t.Fatal(err)
	}

	t.Run("profile edits show at once", func(t *testing.T) {
		name := "Bob B."
		if _, err := s.UpdateProfile(ctx, bob, ProfilePatch{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, secret)
		if err != nil || a.DisplayName != name {
			t.Fatalf("display name = %q, %v; want %q", a.DisplayName, err, name)
		}
	})
	t.Run("a deleted token stops working at once", func(t *testing.T) {
		_, other, err := s.CreateToken(ctx, bob, "other", 0)
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.Authenticate(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteToken(ctx, bob, a.TokenID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, other); err == nil {
			t.Fatal("deleted token still authenticates")
		}
	})
	t.Run("deactivation stops every token at once", func(t *testing.T) {
		if _, err := s.SetActive(ctx, admin, bob.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, secret); err == nil {
			t.Fatal("token of a deactivated user still authenticates")
		}
	})
	t.Run("a lookup that raced a revocation is not cached", func(t *testing.T) {
		c := newAuthCache()
		gen := c.generation()
		c.forget(0, 42)
		c.put("h", authEntry{actor: Actor{TokenID: 42}}, gen)
		if _, ok := c.get("h"); ok {
			t.Fatal("stale entry was cached")
		}
	})
}
