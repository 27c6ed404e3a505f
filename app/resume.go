package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/stripe/stripe-go/v76"
)

// PaymentResumer is a payment provider that can hand out a pending
// payment's client secret again, so an attendee who reloaded the page or
// came back later can finish paying.
type PaymentResumer interface {
	// ResumeIntent returns the intent's client secret while the payer
	// still has something to do (enter a card, confirm, authenticate),
	// and "" once the payment is processing, done or cancelled.
	ResumeIntent(ctx context.Context, intentID string) (string, error)
}

// ResumeIntent retrieves a PaymentIntent from Stripe and returns its
// client secret while it still waits for the payer.
func (s *Stripe) ResumeIntent(ctx context.Context, intentID string) (string, error) {
	if !s.breaker.allow() {
		return "", errPaymentsDown
	}
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	pi, err := s.api.PaymentIntents.Get(intentID, p)
	if err != nil {
		mapped := stripeError(err)
		var apiErr *Error
		if errors.As(mapped, &apiErr) && apiErr.Status == http.StatusServiceUnavailable {
			s.breaker.failure()
		} else {
			s.breaker.success()
		}
		return "", mapped
	}
	s.breaker.success()
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresConfirmation, stripe.PaymentIntentStatusRequiresAction:
		return pi.ClientSecret, nil
	}
	return "", nil
}
