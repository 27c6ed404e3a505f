package main

import (
	"context"
	"io"
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
