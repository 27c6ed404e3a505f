package mail

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/resend/resend-go/v2"
	"golang.org/x/time/rate"
)

// DefaultRate is Resend's default limit: 2 requests per second per team.
const DefaultRate = 2

// maxIdempotencyKey is the longest idempotency key Resend accepts.
const maxIdempotencyKey = 256

// Resend sends email through the Resend API. It is safe for concurrent use.
type Resend struct {
	from    string
	client  *resend.Client
	limiter *rate.Limiter
	err     error // a bad option, reported by Send
}

// ResendOption configures a Resend sender.
type ResendOption func(*resendConfig)

type resendConfig struct {
	baseURL string
	http    *http.Client
	rate    float64
}

// WithBaseURL sets the API's base URL (RESEND_API_URL), for tests and local
// development. A missing trailing "/" is added, so that a path prefix is kept.
func WithBaseURL(u string) ResendOption {
	return func(c *resendConfig) { c.baseURL = u }
}

// WithHTTPClient sets the HTTP client. Its transport is wrapped, not changed.
// The default has a 30 s timeout.
func WithHTTPClient(hc *http.Client) ResendOption {
	return func(c *resendConfig) { c.http = hc }
}

// WithRate sets how many requests per second Send makes at most; Send waits
// for its turn. Zero or less removes the limit. The default is DefaultRate.
func WithRate(perSecond float64) ResendOption {
	return func(c *resendConfig) { c.rate = perSecond }
}

// NewResend returns a sender that sends from from ("Studio <noreply@...>",
// EMAIL_FROM) with apiKey (RESEND_API_KEY).
func NewResend(apiKey, from string, opts ...ResendOption) *Resend {
	cfg := resendConfig{rate: DefaultRate}
	for _, opt := range opts {
		opt(&cfg)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.http != nil {
		copied := *cfg.http
		hc = &copied
	}
	hc.Transport = recordingTransport{base: hc.Transport}

	r := &Resend{from: from, client: resend.NewCustomClient(hc, strings.TrimSpace(apiKey))}
	if cfg.baseURL != "" {
		base := cfg.baseURL
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		u, err := url.Parse(base)
		if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
			err = errors.New("want an http or https URL")
		}
		if err != nil {
			r.err = invalid("bad Resend base URL %q: %v", cfg.baseURL, err)
		} else {
			r.client.BaseURL = u
		}
	}
	limit := rate.Inf
	if cfg.rate > 0 {
		limit = rate.Limit(cfg.rate)
	}
	r.limiter = rate.NewLimiter(limit, 1)
	return r
}

// Send sends m once per idempotency key, waiting for the rate limiter first.
// Errors are *Error.
func (r *Resend) Send(ctx context.Context, m Message) error {
	if r.err != nil {
		return r.err
	}
	m.Subject = cleanSubject(m.Subject)
	switch {
	case r.from == "":
		return invalid("no sender address: set EMAIL_FROM")
	case strings.TrimSpace(m.To) == "" || strings.ContainsAny(m.To, "\r\n"):
		return invalid("bad recipient %q", m.To)
	case m.Subject == "":
		return invalid("empty subject")
	case m.HTML == "" && m.Text == "":
		return invalid("empty body")
	case len(m.IdempotencyKey) > maxIdempotencyKey:
		return invalid("idempotency key of %d characters, at most %d", len(m.IdempotencyKey), maxIdempotencyKey)
	}
	if err := r.limiter.Wait(ctx); err != nil {
		return &Error{Msg: "waiting for the rate limit: " + err.Error(), err: err}
	}

	info := &responseInfo{}
	req := &resend.SendEmailRequest{
		From:    r.from,
		To:      []string{m.To},
		Subject: m.Subject,
		Html:    m.HTML,
		Text:    m.Text,
	}
	if m.Kind != "" {
		req.Tags = []resend.Tag{{Name: "kind", Value: tagValue(m.Kind)}}
	}
	_, err := r.client.Emails.SendWithOptions(context.WithValue(ctx, responseKey{}, info), req,
		&resend.SendEmailOptions{IdempotencyKey: m.IdempotencyKey})
	if err == nil {
		return nil
	}
	return classify(ctx, err, info)
}

// classify turns an error from resend-go into an *Error, using the status the
// transport recorded.
func classify(ctx context.Context, err error, info *responseInfo) *Error {
	e := &Error{Status: info.status, err: err}
	if info.retryAfter != "" {
		e.RetryAfter = parseRetryAfter(info.retryAfter, time.Now())
	}
	var rl *resend.RateLimitError
	switch {
	case errors.As(err, &rl):
		e.Status = http.StatusTooManyRequests
		e.Msg = "rate limited: " + rl.Message
		if e.RetryAfter == 0 && rl.RetryAfter != "" {
			e.RetryAfter = parseRetryAfter(rl.RetryAfter, time.Now())
		}
	case info.status == 0 && ctx.Err() != nil:
		e.Msg = "abandoned: " + ctx.Err().Error()
		e.err = ctx.Err()
	case info.status == 0:
		e.Msg = "connection failed: " + err.Error()
	case info.status < 300:
		e.Msg = "unreadable response: " + err.Error()
	default:
		e.Msg = strings.TrimPrefix(err.Error(), "[ERROR]: ")
	}
	return e
}

// tagValue keeps only what Resend allows in a tag: ASCII letters, digits,
// "_" and "-", at most 256 characters.
func tagValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	return string(b[:min(len(b), 256)])
}
