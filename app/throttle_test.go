package app_test

import (
	"fmt"
	"net"
	"testing"

	"lightbox/app/apptest"
	"lightbox/store"
)

// throttled is a Lightbox whose clients may claim any IP, as if behind a
// proxy, so a test can play a venue's crowd and scattered attackers.
func throttled(t *testing.T) *apptest.Env {
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	return apptest.New(t, apptest.Options{NoRetina: true, TrustedProxies: []*net.IPNet{loopback}})
}

// from is a client without a session at ip.
func from(env *apptest.Env, ip string) *apptest.Client {
	c := env.Anonymous()
	c.Header.Set("X-Forwarded-For", ip)
	return c
}

func login(c *apptest.Client, email, password string) int {
	return c.Do("POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).Status
}

func TestLoginThrottles(t *testing.T) {
	env := throttled(t)
	victim := "victim@example.com"
	env.CreateUser(victim, store.RoleAttendee)

	t.Run("a venue's crowd logs in from one IP, typos and all", func(t *testing.T) {
		for i := 0; i < 200; i++ {
			venue := from(env, "198.51.100.7") // each guest's own phone
			email := fmt.Sprintf("guest%d@example.com", i)
			env.CreateUser(email, store.RoleAttendee)
			if i%10 == 0 {
				if st := login(venue, email, "a typo in it"); st != 401 {
					t.Fatalf("%s mistyped: %d, want 401", email, st)
				}
			}
			if st := login(venue, email, apptest.Password); st != 200 {
				t.Fatalf("%s, login %d from the venue: %d, want 200", email, i+1, st)
			}
		}
	})
	t.Run("guessing one account from one IP is refused", func(t *testing.T) {
		attacker := from(env, "203.0.113.9")
		statuses := map[int]int{}
		for i := 0; i < 20; i++ {
			statuses[login(attacker, victim, fmt.Sprintf("guess %d guess", i))]++
		}
		if statuses[401] != 5 || statuses[429] != 15 {
			t.Errorf("20 guesses: %v, want 5 401 then 15 429", statuses)
		}
		r := attacker.Do("POST", "/v1/auth/login", map[string]string{"email": victim, "password": "one more guess"})
		if r.Status != 429 || r.Header.Get("Retry-After") == "" {
			t.Errorf("throttled guess: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		// The owner, elsewhere, is not locked out.
		if st := login(from(env, "192.0.2.44"), victim, apptest.Password); st != 200 {
			t.Errorf("the owner from another IP: %d, want 200", st)
		}
	})
	t.Run("one IP guessing many accounts is refused", func(t *testing.T) {
		sprayer := from(env, "203.0.113.10")
		first429 := 0
		for i := 0; i < 60 && first429 == 0; i++ {
			if login(sprayer, fmt.Sprintf("guest%d@example.com", i), "password123!") == 429 {
				first429 = i + 1
			}
		}
		if first429 == 0 || first429 > 40 {
			t.Errorf("first 429 at attempt %d, want by 40", first429)
		}
	})
	t.Run("a guess spread over many IPs is bounded", func(t *testing.T) {
		target := "target@example.com"
		env.CreateUser(target, store.RoleAttendee)
		failed := 0
		for ip := 0; ip < 40; ip++ {
			c := from(env, fmt.Sprintf("100.64.0.%d", ip+1))
			for i := 0; i < 5; i++ {
				if login(c, target, fmt.Sprintf("guess %d %d", ip, i)) == 401 {
					failed++
				}
			}
		}
		if failed > 110 {
			t.Errorf("%d of 200 scattered guesses were checked, want about 100", failed)
		}
	})
}

func TestInviteThrottles(t *testing.T) {
	env := throttled(t)
	op := env.Operator("op@example.com")
	prj := op.Project("Gala")
	var emails []string
	for i := 0; i < 30; i++ {
		emails = append(emails, fmt.Sprintf("guest%d@example.com", i))
	}
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": emails}, 200, nil)
	env.WaitJobs()
	mails := outbox(t, op)
	if len(mails) != 30 {
		t.Fatalf("%d invitations, want 30", len(mails))
	}
	// The whole table signs up at once over the venue's Wi-Fi.
	venue := from(env, "198.51.100.7")
	for _, m := range mails { // each guest's own phone
		tok := tokenFrom(t, m.Text, "/invite")
		if r := venue.Do("GET", "/v1/invites/"+tok, nil); r.Status != 200 {
			t.Fatalf("look-up for %s: %d", m.To, r.Status)
		}
		if r := from(env, "198.51.100.7").Do("POST", "/v1/invites/accept", map[string]string{"token": tok, "password": "long enough pw", "name": "X"}); r.Status != 201 {
			t.Fatalf("accept for %s: %d %s", m.To, r.Status, r.Body)
		}
	}
	// Made-up tokens run dry.
	guesser := from(env, "203.0.113.9")
	statuses := map[int]int{}
	for i := 0; i < 15; i++ {
		statuses[guesser.Do("POST", "/v1/invites/accept", map[string]string{"token": fmt.Sprint("guess", i), "password": "long enough pw"}).Status]++
		statuses[guesser.Do("GET", fmt.Sprint("/v1/invites/guess", i), nil).Status]++
	}
	if statuses[429] < 8 {
		t.Errorf("30 guessed tokens: %v, want some 429", statuses)
	}
}

func TestSelfieThrottle(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	prj := op.Project("Ball")
	c, _ := member(t, env, prj, "guest@example.com")
	other, _ := member(t, env, prj, "other@example.com")
	start := map[string]any{"contentType": "image/jpeg", "size": 1000}
	for i := 0; i < 6; i++ { // retakes
		c.MustJSON("POST", "/v1/selfies", start, 201, nil)
	}
	r := c.Do("POST", "/v1/selfies", start)
	if r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("seventh selfie in a row: %d, Retry-After %q; want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"))
	}
	other.MustJSON("POST", "/v1/selfies", start, 201, nil)
}
