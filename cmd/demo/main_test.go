package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/store"
)

// TestSeed runs the demo's seeding against an in-process Lightbox with the
// fake face service: the guest with a selfie must find their photos.
func TestSeed(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	hash, err := app.HashPassword(password, bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.DB.CreateUser(context.Background(), &store.User{Email: operatorEmail, Role: store.RoleOperator, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	if err := seed(ctx, env.URL, 6, io.MultiWriter(&out, io.Discard)); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "signed up; found in") {
		t.Errorf("seed output: %s", out.String())
	}
	mia := env.Anonymous()
	var login struct{ Token string }
	mia.MustJSON("POST", "/v1/auth/login", map[string]string{"email": guests[0].email, "password": password}, 200, &login)
	mia.Token = login.Token
	var projects struct{ Items []struct{ ID string } }
	mia.MustJSON("GET", "/v1/projects", nil, 200, &projects)
	if len(projects.Items) != 1 {
		t.Fatalf("the guest is in %d projects", len(projects.Items))
	}
}

// The demo runs beside `make run`: without an address asked for it takes
// its own port, or a free one when that is taken; an address asked for
// that is taken is an error naming it.
func TestChooseAddr(t *testing.T) {
	var out strings.Builder
	hold, err := net.Listen("tcp", defaultAddr)
	if err != nil {
		t.Skipf("%s is in use here: %v", defaultAddr, err)
	}
	defer hold.Close()
	got, err := chooseAddr("", &out)
	if err != nil {
		t.Fatal(err)
	}
	if got == defaultAddr || !strings.HasPrefix(got, "127.0.0.1:") || !strings.Contains(out.String(), "using "+got) {
		t.Errorf("with %s taken: chose %q, said %q", defaultAddr, got, out.String())
	}
	if l, err := net.Listen("tcp", got); err != nil {
		t.Errorf("the chosen %s is not free: %v", got, err)
	} else {
		l.Close()
	}
	if _, err := chooseAddr(defaultAddr, &out); err == nil || !strings.Contains(err.Error(), defaultAddr) {
		t.Errorf("an asked-for address that is taken: %v", err)
	}
	hold.Close()
	if got, err := chooseAddr("", &out); err != nil || got != defaultAddr {
		t.Errorf("with %s free: %q, %v", defaultAddr, got, err)
	}
}
