package retina

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Defaults for New.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultRetries          = 2 // three attempts in all
	DefaultBaseDelay        = 500 * time.Millisecond
	DefaultBreakerThreshold = 5
	DefaultBreakerCooldown  = 30 * time.Second

	maxDelay      = 30 * time.Second // cap on one backoff sleep
	maxRetryAfter = 30 * time.Second // cap on a Retry-After honoured on 429
	maxBody       = 4 << 20          // cap on a response body
)

// Client calls Retina. It is safe for concurrent use.
type Client struct {
	baseURL   string
	apiKey    string
	http      *http.Client
	timeout   time.Duration
	retries   int
	baseDelay time.Duration
	breaker   *Breaker
	sleep     func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client. Its own Timeout, if any, applies on top
// of the per-attempt timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole response. The default is DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many times a call retries a temporary failure (0: never)
// and the first backoff delay, which doubles at each retry before up to 50%
// jitter is added. The default is DefaultRetries from DefaultBaseDelay.
func WithRetries(n int, base time.Duration) Option {
	return func(c *Client) {
		c.retries = max(n, 0)
		if base > 0 {
			c.baseDelay = base
		}
	}
}

// WithBreaker sets the circuit breaker, which several clients may share. nil
// disables it. The default opens after DefaultBreakerThreshold failed calls
// for DefaultBreakerCooldown.
func WithBreaker(b *Breaker) Option {
	return func(c *Client) { c.breaker = b }
}

// WithSleep replaces the function that waits between attempts; it must return
// early with ctx's error when ctx is done. Tests use it to record delays
// without waiting.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// New returns a Client for the Retina service at baseURL (RETINA_SERVICE_URL)
// that sends apiKey (RETINA_API_KEY) in the x-api-key header.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		apiKey:    apiKey,
		http:      &http.Client{},
		timeout:   DefaultTimeout,
		retries:   DefaultRetries,
		baseDelay: DefaultBaseDelay,
		breaker:   NewBreaker(DefaultBreakerThreshold, DefaultBreakerCooldown, time.Now),
		sleep:     sleepContext,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Breaker returns the client's circuit breaker, nil when disabled, so the
// health page can show its State.
func (c *Client) Breaker() *Breaker { return c.breaker }

// Analyze sends one selfie to POST /analyze and returns the validated,
// normalised result.
func (c *Client) Analyze(ctx context.Context, jpeg []byte) (Analysis, error) {
	const op = "analyze"
	if len(jpeg) == 0 {
		return Analysis{}, invalidRequest(op, "empty image")
	}
	body, ct, err := multipartBody([]filePart{{field: "image", filename: "selfie.jpg", data: jpeg}})
	if err != nil {
		return Analysis{}, invalidRequest(op, err.Error())
	}
	data, err := c.call(ctx, op, "/analyze", ct, body)
	if err != nil {
		return Analysis{}, err
	}
	a, err := parseAnalysis(data)
	if err != nil {
		return Analysis{}, invalidResponse(op, err)
	}
	return a, nil
}

// Cluster sends a selfie and 1 to MaxPhotos photos to POST /cluster. It refuses
// other counts, empty images and photo ids that are empty, repeated or hold
// control characters, quotes, slashes or backslashes, before sending anything.
func (c *Client) Cluster(ctx context.Context, selfie []byte, photos []Photo) (Clustering, error) {
	const op = "cluster"
	if len(photos) == 0 || len(photos) > MaxPhotos {
		return Clustering{}, invalidRequest(op, fmt.Sprintf("%d photos, want 1 to %d", len(photos), MaxPhotos))
	}
	if len(selfie) == 0 {
		return Clustering{}, invalidRequest(op, "empty selfie")
	}
	parts := make([]filePart, 0, len(photos)+1)
	parts = append(parts, filePart{field: "selfie", filename: "selfie.jpg", data: selfie})
	sent := make(map[string]bool, len(photos))
	for i, p := range photos {
		if msg := checkPhotoID(p.ID); msg != "" {
			return Clustering{}, invalidRequest(op, fmt.Sprintf("photo %d: %s", i, msg))
		}
		if sent[p.ID] {
			return Clustering{}, invalidRequest(op, fmt.Sprintf("photo %d: id %q sent twice", i, p.ID))
		}
		if len(p.JPEG) == 0 {
			return Clustering{}, invalidRequest(op, fmt.Sprintf("photo %q: empty image", p.ID))
		}
		sent[p.ID] = true
		parts = append(parts, filePart{field: "photos", filename: p.ID, data: p.JPEG})
	}
	body, ct, err := multipartBody(parts)
	if err != nil {
		return Clustering{}, invalidRequest(op, err.Error())
	}
	data, err := c.call(ctx, op, "/cluster", ct, body)
	if err != nil {
		return Clustering{}, err
	}
	cl, err := parseClustering(data, sent)
	if err != nil {
		return Clustering{}, invalidResponse(op, err)
	}
	return cl, nil
}

func checkPhotoID(id string) string {
	if id == "" {
		return "empty id"
	}
	if len(id) > 256 {
		return "id longer than 256 bytes"
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' {
			return fmt.Sprintf("id %q holds a character Retina cannot take as a filename", id)
		}
	}
	return ""
}

func invalidRequest(op, msg string) *Error {
	return &Error{Op: op, Msg: "refused before sending: " + msg, err: ErrInvalidRequest}
}

func invalidResponse(op string, err error) *Error {
	return &Error{Status: http.StatusOK, Op: op, Msg: "invalid response: " + err.Error(), err: ErrInvalidResponse}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
