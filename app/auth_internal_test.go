package app

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// A login for an unknown email checks the password against a stand-in hash
// of the same cost as real ones, so it takes as long as a wrong password
// for a known email and does not tell which addresses have accounts.
func TestStandInHashCostsAsMuchAsRealOnes(t *testing.T) {
	const cost = bcrypt.MinCost + 2
	s := &Server{cfg: Config{BcryptCost: cost}}
	real, err := HashPassword("a real password", s.cfg.BcryptCost)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := bcrypt.Cost([]byte(real))
	got, err := bcrypt.Cost(s.standInHash())
	if err != nil || got != want {
		t.Fatalf("stand-in hash cost %d (%v), real hashes cost %d", got, err, want)
	}
}
