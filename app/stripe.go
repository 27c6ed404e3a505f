package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Stripe creates PaymentIntents, with Stripe's own network retries and a
// circuit breaker so an outage answers fast instead of piling up.
type Stripe struct {
	api     *client.API
	breaker *breaker
}

// NewStripe returns a Stripe client; apiURL overrides the API base (for
// stripe-mock), empty for the real API.
func NewStripe(secretKey, apiURL string) *Stripe {
	cfg := &stripe.BackendConfig{
		MaxNetworkRetries: stripe.Int64(2),
		HTTPClient:        &http.Client{Timeout: 20 * time.Second},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if apiURL != "" {
		cfg.URL = stripe.String(strings.TrimRight(apiURL, "/"))
	}
	api := client.New(secretKey, stripe.NewBackendsWithConfig(cfg))
	return &Stripe{api: api, breaker: newBreaker(5, 30*time.Second, time.Now)}
}

// CreateIntent creates a PaymentIntent for a purchase. Declines become a
// 402 with Stripe's reason; rate limits and outages a 503.
func (s *Stripe) CreateIntent(ctx context.Context, r IntentRequest) (Intent, error) {
	p := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(r.Amount),
		Currency:                stripe.String(strings.ToLower(r.Currency)),
		Description:             stripe.String(r.Description),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
	}
	p.AddMetadata("purchase_id", r.PurchaseID)
	p.AddMetadata("user_id", r.UserID)
	p.SetIdempotencyKey("purchase-" + r.PurchaseID)
	p.Context = ctx
	var pi *stripe.PaymentIntent
	if err := s.call(func() (err error) { pi, err = s.api.PaymentIntents.New(p); return err }); err != nil {
		return Intent{}, err
	}
	return Intent{ID: pi.ID, ClientSecret: pi.ClientSecret}, nil
}

// call makes one Stripe request through the circuit breaker: an outage
// (an error that maps to 503) counts against Stripe, any other answer
// shows it is up. Errors come back mapped for the API.
func (s *Stripe) call(request func() error) error {
	if !s.breaker.allow() {
		return errPaymentsDown
	}
	if err := request(); err != nil {
		mapped := stripeError(err)
		var apiErr *Error
		if errors.As(mapped, &apiErr) && apiErr.Status == http.StatusServiceUnavailable {
			s.breaker.failure()
		} else {
			s.breaker.success()
		}
		return mapped
	}
	s.breaker.success()
	return nil
}

var errPaymentsDown = newError(http.StatusServiceUnavailable, "payments_unavailable",
	"Payments are unavailable right now. Try again shortly; you have not been charged.")

// stripeError maps a Stripe error to the API's error. It never includes
// request bodies or card details.
func stripeError(err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w (%v)", errPaymentsDown, err)
	}
	switch {
	case se.Type == stripe.ErrorTypeCard:
		msg := se.Msg
		if msg == "" {
			msg = "The card was declined."
		}
		return &Error{Status: http.StatusPaymentRequired, Code: "card_declined", Message: msg}
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.Code == stripe.ErrorCodeRateLimit,
		se.HTTPStatusCode >= 500, se.Type == stripe.ErrorTypeAPI:
		return errPaymentsDown
	default:
		return fmt.Errorf("stripe %s (%s, request %s): %s", se.Type, se.Code, se.RequestID, se.Msg)
	}
}

// breaker opens after threshold consecutive failures and lets one probe
// through after cooldown.
type breaker struct {
	mu        sync.Mutex
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	fails     int
	openUntil time.Time
}

func newBreaker(threshold int, cooldown time.Duration, now func() time.Time) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: now}
}

func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fails < b.threshold {
		return true
	}
	if b.now().Before(b.openUntil) {
		return false
	}
	b.openUntil = b.now().Add(b.cooldown) // half-open: this call is the probe
	return true
}

func (b *breaker) success() {
	b.mu.Lock()
	b.fails = 0
	b.mu.Unlock()
}

func (b *breaker) failure() {
	b.mu.Lock()
	b.fails++
	if b.fails >= b.threshold {
		b.openUntil = b.now().Add(b.cooldown)
	}
	b.mu.Unlock()
}
