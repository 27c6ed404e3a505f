package app_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/store"
	"lightbox/store/storetest"
)

const placesKey = "AIzaTestKey-0123456789"

// placesEnv is a Lightbox with location search configured, Google's API
// at googleURL and, optionally, a separate server key; its log is returned
// for inspection.
func placesEnv(t *testing.T, key, googleURL string, serverKey ...string) (*apptest.Env, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	env := &apptest.Env{T: t, DB: storetest.Open(t), Secret: []byte("test-secret-0123456789abcdef0123456789"), Log: &bytes.Buffer{}}
	var h atomic.Value
	env.HTTP = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.Load().(http.Handler).ServeHTTP(w, r)
	}))
	t.Cleanup(env.HTTP.Close)
	env.URL = env.HTTP.URL
	srv, err := app.NewServer(app.Config{PublicURL: env.URL, StudioName: "Test Studio", Version: "test", BcryptCost: bcrypt.MinCost,
		Secret: env.Secret, GooglePlacesKey: key, GoogleServerKey: strings.Join(serverKey, ""), GoogleAPIURL: googleURL},
		app.Deps{Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), DB: env.DB})
	if err != nil {
		t.Fatal(err)
	}
	env.Server = srv
	h.Store(http.Handler(srv))
	return env, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeGoogle answers Time Zone API requests with answer, recording the
// query strings it was sent.
func fakeGoogle(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func googleJSON(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// TestTimezone: an operator gets the zone of a point from Google, with the
// key sent to Google and never written to the log; Google's failures
// become a plain 502.
func TestTimezone(t *testing.T) {
	t.Run("found", func(t *testing.T) {
		gURL, seen := fakeGoogle(t, googleJSON(`{"status":"OK","timeZoneId":"Europe/Paris","timeZoneName":"Central European Summer Time","rawOffset":3600,"dstOffset":3600}`))
		env, logs := placesEnv(t, placesKey, gURL)
		env.CreateUser("op@example.com", store.RoleOperator)
		op := env.Login("op@example.com")
		var got struct{ TimeZoneID string }
		op.MustJSON("GET", "/v1/timezone?lat=48.8566&lng=2.3522", nil, 200, &got)
		if got.TimeZoneID != "Europe/Paris" {
			t.Errorf("zone %q, want Europe/Paris", got.TimeZoneID)
		}
		q := seen()
		if len(q) != 1 || !strings.HasPrefix(q[0], "/maps/api/timezone/json?") || !strings.Contains(q[0], "key="+placesKey) ||
			!strings.Contains(q[0], "location=48.8566%2C2.3522") || !strings.Contains(q[0], "timestamp=") {
			t.Errorf("Google was asked %q", q)
		}
		if strings.Contains(logs.String(), placesKey) {
			t.Error("the Google key reached the log")
		}
	})

	t.Run("server key", func(t *testing.T) {
		const serverKey = "AIzaServerKey-9876543210"
		gURL, seen := fakeGoogle(t, googleJSON(`{"status":"OK","timeZoneId":"Europe/Paris"}`))
		env, logs := placesEnv(t, placesKey, gURL, serverKey)
		env.CreateUser("op@example.com", store.RoleOperator)
		op := env.Login("op@example.com")
		op.MustJSON("GET", "/v1/timezone?lat=48.8566&lng=2.3522", nil, 200, nil)
		if q := seen(); len(q) != 1 || !strings.Contains(q[0], "key="+serverKey) || strings.Contains(q[0], placesKey) {
			t.Errorf("Google was asked %q, want the server key only", q)
		}
		var cfg struct{ PlacesKey string }
		op.MustJSON("GET", "/v1/config", nil, 200, &cfg)
		if cfg.PlacesKey != placesKey {
			t.Errorf("browser key %q, want the places key (the server key stays on the server)", cfg.PlacesKey)
		}
		if strings.Contains(logs.String(), serverKey) {
			t.Error("the server key reached the log")
		}
	})

	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		status int
		code   string
	}{
		{"denied", googleJSON(`{"status":"REQUEST_DENIED","errorMessage":"The provided API key is invalid: ` + placesKey + `"}`), 502, "timezone_unavailable"},
		{"over quota", googleJSON(`{"status":"OVER_QUERY_LIMIT","errorMessage":"You have exceeded your rate-limit for this API."}`), 502, "timezone_unavailable"},
		{"http error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }, 502, "timezone_unavailable"},
		{"not json", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }, 502, "timezone_unavailable"},
		{"unknown zone", googleJSON(`{"status":"OK","timeZoneId":"Mars/Olympus_Mons"}`), 502, "timezone_unavailable"},
		{"empty zone", googleJSON(`{"status":"OK"}`), 502, "timezone_unavailable"},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, 502, "timezone_unavailable"},
		{"at sea", googleJSON(`{"status":"ZERO_RESULTS"}`), 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "slow" && testing.Short() {
				t.Skip("waits for the look-up's timeout")
			}
			gURL, _ := fakeGoogle(t, tc.answer)
			env, logs := placesEnv(t, placesKey, gURL)
			env.CreateUser("op@example.com", store.RoleOperator)
			op := env.Login("op@example.com")
			var got struct {
				Error struct{ Code, Message string }
			}
			r := op.MustJSON("GET", "/v1/timezone?lat=43.7&lng=5.3", nil, tc.status, &got)
			if got.Error.Code != tc.code {
				t.Errorf("code %q, want %q (%s)", got.Error.Code, tc.code, r.Body)
			}
			if strings.Contains(string(r.Body), placesKey) || strings.Contains(logs.String(), placesKey) {
				t.Error("the Google key was shown or logged")
			}
			if tc.status == 502 && !strings.Contains(logs.String(), "time zone look-up failed") {
				t.Errorf("the failure was not logged:\n%s", logs.String())
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		ts := httptest.NewServer(http.NotFoundHandler())
		ts.Close() // nothing listens there any more
		env, logs := placesEnv(t, placesKey, ts.URL)
		env.CreateUser("op@example.com", store.RoleOperator)
		op := env.Login("op@example.com")
		op.MustJSON("GET", "/v1/timezone?lat=43.7&lng=5.3", nil, 502, nil)
		if l := logs.String(); strings.Contains(l, placesKey) || !strings.Contains(l, "time zone look-up failed") {
			t.Errorf("log:\n%s", l)
		}
	})

	t.Run("bad coordinates", func(t *testing.T) {
		gURL, seen := fakeGoogle(t, googleJSON(`{"status":"OK","timeZoneId":"Europe/Paris"}`))
		env, _ := placesEnv(t, placesKey, gURL)
		env.CreateUser("op@example.com", store.RoleOperator)
		op := env.Login("op@example.com")
		for _, q := range []string{"", "lat=48.8", "lng=2.3", "lat=91&lng=0", "lat=0&lng=-180.5", "lat=NaN&lng=0", "lat=abc&lng=2", "lat=1&lng=Inf"} {
			var got struct{ Error struct{ Code string } }
			op.MustJSON("GET", "/v1/timezone?"+q, nil, 400, &got)
			if got.Error.Code != "invalid" {
				t.Errorf("%q: code %q", q, got.Error.Code)
			}
		}
		if len(seen()) != 0 {
			t.Errorf("Google was asked about bad coordinates: %q", seen())
		}
	})

	t.Run("not configured", func(t *testing.T) {
		gURL, seen := fakeGoogle(t, googleJSON(`{"status":"OK","timeZoneId":"Europe/Paris"}`))
		env, _ := placesEnv(t, "", gURL)
		env.CreateUser("op@example.com", store.RoleOperator)
		var got struct{ Error struct{ Code string } }
		env.Login("op@example.com").MustJSON("GET", "/v1/timezone?lat=48.8&lng=2.3", nil, 404, &got)
		if got.Error.Code != "not_configured" || len(seen()) != 0 {
			t.Errorf("code %q, Google asked %q", got.Error.Code, seen())
		}
	})

	t.Run("attendees", func(t *testing.T) {
		gURL, seen := fakeGoogle(t, googleJSON(`{"status":"OK","timeZoneId":"Europe/Paris"}`))
		env, _ := placesEnv(t, placesKey, gURL)
		env.CreateUser("guest@example.com", store.RoleAttendee)
		env.Login("guest@example.com").MustJSON("GET", "/v1/timezone?lat=48.8&lng=2.3", nil, 403, nil)
		env.Anonymous().MustJSON("GET", "/v1/timezone?lat=48.8&lng=2.3", nil, 401, nil)
		if len(seen()) != 0 {
			t.Errorf("Google was asked for a non-operator: %q", seen())
		}
	})
}

// TestPlacesConfig: the browser key reaches operators' config only when
// one is set, never attendees'; the CSP lets Google's Maps JavaScript API
// in only then.
func TestPlacesConfig(t *testing.T) {
	type config struct {
		PlacesKey *string
	}
	for _, tc := range []struct {
		name, key string
	}{{"with key", placesKey}, {"without key", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := placesEnv(t, tc.key, "")
			env.CreateUser("op@example.com", store.RoleOperator)
			env.CreateUser("guest@example.com", store.RoleAttendee)

			var op config
			r := env.Login("op@example.com").MustJSON("GET", "/v1/config", nil, 200, &op)
			switch {
			case tc.key != "" && (op.PlacesKey == nil || *op.PlacesKey != tc.key):
				t.Errorf("operator's config lacks the key: %s", r.Body)
			case tc.key == "" && op.PlacesKey != nil:
				t.Errorf("operator's config has a key though none is set: %s", r.Body)
			}
			var guest config
			r = env.Login("guest@example.com").MustJSON("GET", "/v1/config", nil, 200, &guest)
			if guest.PlacesKey != nil || strings.Contains(string(r.Body), placesKey) {
				t.Errorf("an attendee's config carries the key: %s", r.Body)
			}

			csp := r.Header.Get("Content-Security-Policy")
			scripts := directive(csp, "script-src")
			if !strings.Contains(scripts, "https://js.stripe.com") {
				t.Errorf("Stripe.js is not allowed: %s", csp)
			}
			maps := []string{"maps.googleapis.com", "maps.gstatic.com", "fonts.gstatic.com", "fonts.googleapis.com"}
			for _, origin := range maps {
				if got := strings.Contains(csp, origin); got != (tc.key != "") {
					t.Errorf("CSP mentions %s: %v, want %v: %s", origin, got, tc.key != "", csp)
				}
			}
			if tc.key != "" {
				if !strings.Contains(scripts, "https://maps.googleapis.com") || !strings.Contains(scripts, "https://maps.gstatic.com") {
					t.Errorf("script-src lacks Google's Maps origins: %s", scripts)
				}
				if !strings.Contains(directive(csp, "font-src"), "https://fonts.gstatic.com") {
					t.Errorf("font-src lacks Google's fonts: %s", csp)
				}
			}
			if strings.Contains(csp, "unsafe-eval") {
				t.Errorf("CSP allows eval: %s", csp)
			}
		})
	}
}

// directive returns one directive of a Content-Security-Policy.
func directive(csp, name string) string {
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); strings.HasPrefix(d, name+" ") {
			return d
		}
	}
	return ""
}
