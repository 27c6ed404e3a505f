package mail

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"lightbox/jobs/mail/mailtest"
)

func fakeResend(tb testing.TB) *mailtest.Server {
	tb.Helper()
	srv := mailtest.New()
	tb.Cleanup(srv.Close)
	return srv
}

// fast returns a sender for srv whose rate limit does not slow tests down.
func fast(srv *mailtest.Server) *Resend {
	return NewResend("re_test_key", "Studio <noreply@studio.example>", WithBaseURL(srv.URL()), WithRate(1000))
}

func message() Message {
	return Message{
		Kind:           KindUserTagged,
		To:             "ana@example.com",
		Subject:        "We found 3 new photos of you in Gala",
		Text:           "plain",
		HTML:           "<p>html</p>",
		IdempotencyKey: "tagged/u1/p1/ph9",
	}
}

func TestSendRequest(t *testing.T) {
	srv := fakeResend(t)
	if err := fast(srv).Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	want := mailtest.Request{
		APIKey:         "re_test_key",
		IdempotencyKey: "tagged/u1/p1/ph9",
		From:           "Studio <noreply@studio.example>",
		To:             []string{"ana@example.com"},
		Subject:        "We found 3 new photos of you in Gala",
		HTML:           "<p>html</p>",
		Text:           "plain",
		Tags:           []mailtest.Tag{{Name: "kind", Value: "notify_user_tagged"}},
		Status:         200,
		ID:             r.ID,
	}
	if r.ID == "" || r.APIKey != want.APIKey || r.IdempotencyKey != want.IdempotencyKey || r.From != want.From ||
		!slices.Equal(r.To, want.To) || r.Subject != want.Subject || r.HTML != want.HTML || r.Text != want.Text ||
		!slices.Equal(r.Tags, want.Tags) || r.Status != 200 {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
}

func TestSendIsIdempotent(t *testing.T) {
	srv := fakeResend(t)
	r := fast(srv)
	for range 2 {
		if err := r.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
	}
	other := message()
	other.IdempotencyKey = "tagged/u1/p1/ph10"
	if err := r.Send(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	reqs, delivered := srv.Requests(), srv.Delivered()
	if len(reqs) != 3 || len(delivered) != 2 {
		t.Fatalf("%d requests, %d delivered; want 3 and 2", len(reqs), len(delivered))
	}
	if reqs[0].ID != reqs[1].ID || reqs[0].ID == reqs[2].ID {
		t.Errorf("ids %q %q %q: a repeated key must get the same id", reqs[0].ID, reqs[1].ID, reqs[2].ID)
	}
	// Same key, different payload: Resend refuses with 409, permanently.
	changed := message()
	changed.Subject = "something else"
	err := r.Send(context.Background(), changed)
	var e *Error
	if !errors.As(err, &e) || e.Status != 409 || !IsPermanent(err) {
		t.Errorf("err = %v, want a permanent 409", err)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		status     int
		temporary  bool
		retryAfter time.Duration
		msg        string
	}{
		{429, true, time.Second, "Too many requests"},
		{500, true, 0, "An unexpected error occurred."},
		{503, true, 0, "Service Unavailable"},
		{422, false, 0, "Invalid `to` field"},
		{403, false, 0, "Forbidden"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := fakeResend(t)
			srv.Fail(tt.status)
			r := fast(srv)
			err := r.Send(context.Background(), message())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, want *Error", err)
			}
			if e.Status != tt.status || e.Temporary() != tt.temporary || IsPermanent(err) == tt.temporary || e.RetryAfter != tt.retryAfter {
				t.Errorf("got status %d temporary %v retryAfter %v, want %d %v %v", e.Status, e.Temporary(), e.RetryAfter, tt.status, tt.temporary, tt.retryAfter)
			}
			if !strings.Contains(e.Error(), tt.msg) || strings.Contains(e.Error(), "[ERROR]") {
				t.Errorf("message %q, want it to hold %q", e.Error(), tt.msg)
			}
			if len(srv.Delivered()) != 0 {
				t.Error("a failed request was delivered")
			}
			// The key was not used up: the retry delivers.
			if err := r.Send(context.Background(), message()); err != nil || len(srv.Delivered()) != 1 {
				t.Errorf("retry: %v, %d delivered", err, len(srv.Delivered()))
			}
		})
	}
}

func TestSendNetworkErrorIsTemporary(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	err := NewResend("k", "a@b.example", WithBaseURL(ts.URL), WithRate(0)).Send(context.Background(), message())
	var e *Error
	if !errors.As(err, &e) || e.Status != 0 || !e.Temporary() || IsPermanent(err) {
		t.Errorf("err = %v, want a temporary network error", err)
	}
}

func TestSendRefusesBadMessages(t *testing.T) {
	srv := fakeResend(t)
	r := fast(srv)
	for name, change := range map[string]func(*Message){
		"no recipient":      func(m *Message) { m.To = "" },
		"CRLF in recipient": func(m *Message) { m.To = "a@b.example\r\nBcc: x@y.example" },
		"no subject":        func(m *Message) { m.Subject = "\r\n" },
		"no body":           func(m *Message) { m.Text, m.HTML = "", "" },
		"key too long":      func(m *Message) { m.IdempotencyKey = strings.Repeat("k", 257) },
	} {
		m := message()
		change(&m)
		if err := r.Send(context.Background(), m); !errors.Is(err, ErrInvalidMessage) || !IsPermanent(err) {
			t.Errorf("%s: err = %v, want a permanent ErrInvalidMessage", name, err)
		}
	}
	if err := NewResend("k", "", WithBaseURL(srv.URL())).Send(context.Background(), message()); !IsPermanent(err) || !strings.Contains(err.Error(), "EMAIL_FROM") {
		t.Errorf("no from: %v", err)
	}
	if err := NewResend("k", "a@b.example", WithBaseURL("::nope")).Send(context.Background(), message()); !IsPermanent(err) {
		t.Errorf("bad base URL: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestSendCleansSubjectAndTag(t *testing.T) {
	srv := fakeResend(t)
	m := message()
	m.Subject = "Photos\r\nBcc: evil@example.com"
	m.Kind = "odd kind/β"
	if err := fast(srv).Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Subject != "Photos Bcc: evil@example.com" || r.Tags[0].Value != "odd_kind___" {
		t.Errorf("subject %q, tag %q", r.Subject, r.Tags[0].Value)
	}
}

func TestBaseURLKeepsPathPrefix(t *testing.T) {
	srv := fakeResend(t)
	ts := httptest.NewServer(http.StripPrefix("/v1", srv))
	t.Cleanup(ts.Close)
	if err := NewResend("k", "a@b.example", WithBaseURL(ts.URL+"/v1"), WithRate(0)).Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Delivered()); n != 1 {
		t.Errorf("%d delivered through the prefix, want 1", n)
	}
}

func TestRateLimit(t *testing.T) {
	srv := fakeResend(t)
	r := NewResend("k", "a@b.example", WithBaseURL(srv.URL()), WithRate(0.5))
	if err := r.Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	// The next slot is 2 s away: a caller that cannot wait that long gets a
	// temporary error at once, and nothing is sent.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := r.Send(ctx, message())
	if err == nil || IsPermanent(err) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("err = %v after %v, want an immediate temporary error", err, time.Since(start))
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// At 50/s, three sends take at least two intervals.
	r = NewResend("k", "a@b.example", WithBaseURL(srv.URL()), WithRate(50))
	start = time.Now()
	for range 3 {
		if err := r.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 35*time.Millisecond {
		t.Errorf("three sends at 50/s took %v, want at least 40ms", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"1": time.Second, "": 0, "x": 0, "-3": 0,
		now.Add(5 * time.Second).Format(http.TimeFormat): 5 * time.Second,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
