package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// DeriveToken returns the secret token for an invite or reset: an HMAC of
// its purpose and id under the server secret. The database keeps only its
// hash (HashToken), and the email job derives it again to build the link,
// so no usable token is ever stored.
func DeriveToken(secret []byte, purpose, id string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose + "\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// RandomToken returns 32 random bytes, base64url encoded.
func RandomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}
