package channels

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Secret prefixes make a leaked token recognisable (and greppable by
// secret scanners).
const (
	PrefixSession  = "pls_"
	PrefixPersonal = "plp_"
	PrefixBot      = "plb_"
	PrefixInvite   = "pli_"
)

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret with the given prefix: 160 bits of
// entropy, lowercase base32.
func NewSecret(prefix string) string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(tokenEncoding.EncodeToString(b[:]))
}

// HashSecret is how secrets are stored: the SHA-256 of the whole string.
// Secrets are random, so a fast hash is enough.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// secretHint is the part of a secret safe to show in token lists.
func secretHint(secret string) string {
	if len(secret) < 8 {
		return "…"
	}
	return secret[:8] + "…" + secret[len(secret)-4:]
}
