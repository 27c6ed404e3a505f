// Package apptest runs a whole Lightbox in-process for tests: a real
// database file, the embedded blob store on an httptest server, the real
// job runner, a fake Retina and, optionally, a fake Resend or stripe-mock.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lightbox/app"
	"lightbox/jobs"
	"lightbox/jobs/face"
	"lightbox/jobs/mail"
	"lightbox/jobs/retina"
	"lightbox/jobs/retina/retinatest"
	"lightbox/store"
	"lightbox/store/blob"
	"lightbox/store/storetest"
)

// Options choose the optional parts.
type Options struct {
	NoRetina      bool         // run without a face service
	Engine        *face.Engine // the built-in face engine instead of the fake Retina
	Mailer        mail.Sender  // nil: the embedded outbox
	Payments      app.Payments
	WebhookSecret string
	Blobs         blob.Store // nil: the embedded local store
	Now           func() time.Time
	// TrustedProxies: requests from these addresses may name the client
	// in X-Forwarded-For (to act as many clients).
	TrustedProxies []*net.IPNet
}

// Env is a running Lightbox.
type Env struct {
	T      testing.TB
	DB     *store.DB
	Server *app.Server
	HTTP   *httptest.Server
	URL    string
	Blobs  blob.Store
	Retina *retinatest.Server
	Runner *jobs.Runner
	Secret []byte
	Log    *bytes.Buffer
	logMu  sync.Mutex
}

// New starts a Lightbox for the test and stops it at cleanup.
func New(tb testing.TB, opts Options) *Env {
	tb.Helper()
	e := &Env{T: tb, Secret: []byte("test-secret-0123456789abcdef0123456789"), Log: &bytes.Buffer{}}
	e.DB = storetest.OpenClock(tb, opts.Now)
	log := slog.New(slog.NewTextHandler(lockedWriter{mu: &e.logMu, w: e.Log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if os.Getenv("LIGHTBOX_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}

	// The server's URL is needed before the server exists (links, blobs).
	mux := &swap{}
	e.HTTP = httptest.NewServer(mux)
	tb.Cleanup(e.HTTP.Close)
	e.URL = e.HTTP.URL

	var local http.Handler
	e.Blobs = opts.Blobs
	if e.Blobs == nil {
		// Relative URLs, as serve wires it: pages load blobs from the
		// host they were opened at.
		l, err := blob.NewLocal(tb.TempDir(), "", e.Secret)
		if err != nil {
			tb.Fatal(err)
		}
		e.Blobs, local = l, l
	}
	faces := jobs.MatchingOff
	switch {
	case opts.Engine != nil:
		faces = jobs.BuiltinMatcher(opts.Engine)
	case !opts.NoRetina:
		e.Retina = retinatest.New("retina-key")
		tb.Cleanup(e.Retina.Close)
		faces = jobs.RetinaMatcher(retina.New(e.Retina.URL(), "retina-key", retina.WithRetries(1, time.Millisecond)))
	}
	templates, err := mail.NewTemplates()
	if err != nil {
		tb.Fatal(err)
	}
	pol := jobs.DefaultPolicies()
	for k, p := range pol {
		for i := range p.Backoff {
			p.Backoff[i] = 20 * time.Millisecond
		}
		pol[k] = p
	}
	e.Runner = jobs.NewRunner(e.DB, log, jobs.Options{Policies: pol, Poll: 50 * time.Millisecond, Drain: 5 * time.Second})
	jobs.Register(e.Runner, jobs.Deps{DB: e.DB, Blobs: e.Blobs, Log: log, Mailer: opts.Mailer, Templates: templates, Faces: faces,
		PublicURL: e.URL, StudioName: "Test Studio", Secret: e.Secret, ClusterDelay: time.Millisecond, DigestDelay: time.Millisecond})

	e.Server, err = app.NewServer(app.Config{PublicURL: e.URL, StudioName: "Test Studio", Version: "test", FaceMatching: faces.Engine() != "",
		StripeWebhookSecret: opts.WebhookSecret, StripePublishableKey: "pk_test_123", BcryptCost: bcrypt.MinCost, Secret: e.Secret,
		TrustedProxies: opts.TrustedProxies},
		app.Deps{Log: log, DB: e.DB, Blobs: e.Blobs, Local: local, Payments: opts.Payments})
	if err != nil {
		tb.Fatal(err)
	}
	mux.h = e.Server

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Runner.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("job runner: %v", err)
		}
	})
	return e
}

type swap struct{ h http.Handler }

func (s *swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.h == nil {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	s.h.ServeHTTP(w, r)
}

// WaitJobs waits until no job is queued or running.
func (e *Env) WaitJobs() {
	e.T.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		d, err := e.DB.QueueDepth(context.Background())
		if err != nil {
			e.T.Fatal(err)
		}
		busy := 0
		for _, n := range d {
			busy += n
		}
		for _, c := range e.Runner.Counts() {
			busy += int(c.Running)
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("jobs still queued after 2 minutes: %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CreateUser adds a user with a password straight into the database.
func (e *Env) CreateUser(email, role string) store.User {
	e.T.Helper()
	h, err := app.HashPassword("correct horse battery", bcrypt.MinCost)
	if err != nil {
		e.T.Fatal(err)
	}
	u := store.User{Email: email, Role: role, PasswordHash: h, Name: strings.Split(email, "@")[0]}
	if err := e.DB.CreateUser(context.Background(), &u); err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Password is the password CreateUser gives everyone.
const Password = "correct horse battery"

// Client is an API client with its own cookie jar.
type Client struct {
	e      *Env
	HTTP   *http.Client
	Token  string // bearer token; empty to use the cookie
	CSRF   string
	Header http.Header
	Host   string // sent as the Host header when set: the server opened at another address
}

// Anonymous returns a client without a session.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, Header: http.Header{}}
}

// Login logs in with the shared test password and uses the bearer token.
func (e *Env) Login(email string) *Client {
	e.T.Helper()
	c := e.Anonymous()
	var out struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrfToken"`
	}
	c.MustJSON("POST", "/v1/auth/login", map[string]string{"email": email, "password": Password}, 200, &out)
	c.Token, c.CSRF = out.Token, out.CSRFToken
	return c
}

// Operator creates an operator and logs in.
func (e *Env) Operator(email string) *Client {
	e.CreateUser(email, store.RoleOperator)
	return e.Login(email)
}

// Response is a finished request.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body.
func (r Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends a request; body is JSON-encoded unless it is a []byte.
func (c *Client) Do(method, path string, body any) Response {
	c.e.T.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.e.T.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	u := path
	if strings.HasPrefix(path, "/") {
		u = c.e.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.e.T.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if c.Host != "" {
		req.Host = c.Host
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: b, Header: resp.Header}
}

// MustJSON sends a request, checks the status and decodes the answer into out (if not nil).
func (c *Client) MustJSON(method, path string, body any, status int, out any) Response {
	c.e.T.Helper()
	r := c.Do(method, path, body)
	if r.Status != status {
		c.e.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, status, r.Body)
	}
	if out != nil {
		r.JSON(c.e.T, out)
	}
	return r
}

// Upload performs a presigned upload as a browser would.
func (c *Client) Upload(up blob.Upload, data []byte) int {
	c.e.T.Helper()
	req, err := http.NewRequest(up.Method, c.e.Abs(up.URL), bytes.NewReader(data))
	if err != nil {
		c.e.T.Fatal(err)
	}
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.e.T.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Abs resolves a URL the server handed out (the embedded store's are
// relative to the server) against the server, as a browser would.
func (e *Env) Abs(ref string) string {
	e.T.Helper()
	base, _ := url.Parse(e.URL)
	u, err := url.Parse(ref)
	if err != nil {
		e.T.Fatalf("URL %q: %v", ref, err)
	}
	return base.ResolveReference(u).String()
}

// Fetch GETs a presigned download URL and returns its bytes.
func (e *Env) Fetch(ref string) (int, []byte) {
	e.T.Helper()
	resp, err := http.Get(e.Abs(ref))
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Project creates a project as op and returns its id.
func (c *Client) Project(name string) string {
	c.e.T.Helper()
	var p struct{ ID string }
	c.MustJSON("POST", "/v1/projects", map[string]any{"name": name, "date": "2026-06-21", "location": "Lyon", "timezone": "Europe/Paris", "currency": "EUR"}, 201, &p)
	return p.ID
}

// UploadPhotos uploads JPEGs into a project through the presigned flow and
// returns their ids in order.
func (c *Client) UploadPhotos(projectID string, photos ...[]byte) []string {
	c.e.T.Helper()
	files := make([]map[string]any, len(photos))
	for i, p := range photos {
		files[i] = map[string]any{"filename": fmt.Sprintf("IMG_%04d.jpg", i+1), "contentType": "image/jpeg", "size": len(p)}
	}
	var out struct {
		Items []struct {
			ID     string      `json:"id"`
			Upload blob.Upload `json:"upload"`
		} `json:"items"`
	}
	c.MustJSON("POST", "/v1/projects/"+projectID+"/photos", map[string]any{"files": files}, 201, &out)
	ids := make([]string, len(out.Items))
	for i, it := range out.Items {
		if st := c.Upload(it.Upload, photos[i]); st != 200 {
			c.e.T.Fatalf("upload %d: status %d", i, st)
		}
		c.MustJSON("POST", "/v1/projects/"+projectID+"/photos/"+it.ID+"/complete", nil, 202, nil)
		ids[i] = it.ID
	}
	return ids
}

// lockedWriter serialises writes to a buffer shared by goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Logs returns what the server logged so far.
func (e *Env) Logs() string {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	return e.Log.String()
}
