package app

import (
	"context"

	"github.com/stripe/stripe-go/v76"
)

// ResumeIntent retrieves a PaymentIntent from Stripe and returns its
// client secret while it still waits for the payer.
func (s *Stripe) ResumeIntent(ctx context.Context, intentID string) (string, error) {
	p := &stripe.PaymentIntentParams{}
	p.Context = ctx
	var pi *stripe.PaymentIntent
	if err := s.call(func() (err error) { pi, err = s.api.PaymentIntents.Get(intentID, p); return err }); err != nil {
		return "", err
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusRequiresConfirmation, stripe.PaymentIntentStatusRequiresAction:
		return pi.ClientSecret, nil
	}
	return "", nil
}
