package app

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"lightbox/store"
)

// stripeWebhook verifies an event on the raw body and applies it once.
// A bad signature or body changes nothing and gets 400; events we do not
// handle get 200.
func (s *Server) stripeWebhook(c echo.Context) error {
	if s.cfg.StripeWebhookSecret == "" {
		return newError(http.StatusNotFound, "not_configured", "Stripe webhooks are not configured.")
	}
	payload, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return newError(http.StatusBadRequest, "bad_request", "Could not read the body.")
	}
	// Endpoints created on a newer account API version still verify; the
	// fields we read (id, metadata, last_payment_error) are stable.
	ev, err := webhook.ConstructEventWithOptions(payload, c.Request().Header.Get("Stripe-Signature"), s.cfg.StripeWebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		s.log.Warn("stripe webhook refused", "err", err, "ip", c.RealIP())
		return newError(http.StatusBadRequest, "bad_signature", "The webhook signature does not verify.")
	}
	var succeeded bool
	switch ev.Type {
	case "payment_intent.succeeded":
		succeeded = true
	case "payment_intent.payment_failed":
	default:
		return c.JSON(http.StatusOK, map[string]string{"status": "ignored"})
	}
	var pi stripe.PaymentIntent
	if ev.Data == nil || json.Unmarshal(ev.Data.Raw, &pi) != nil {
		return newError(http.StatusBadRequest, "bad_request", "The event has no PaymentIntent.")
	}
	purchaseID := pi.Metadata["purchase_id"]
	if purchaseID == "" {
		if p, err := s.db.PurchaseByIntent(c.Request().Context(), pi.ID); err == nil {
			purchaseID = p.ID
		}
	}
	reason := ""
	if pi.LastPaymentError != nil {
		reason = pi.LastPaymentError.Msg
	}
	if reason == "" && !succeeded {
		reason = "The payment did not go through."
	}
	changed, err := s.db.ApplyPaymentEvent(c.Request().Context(), store.PaymentEvent{
		EventID: ev.ID, Type: string(ev.Type), PurchaseID: purchaseID, Succeeded: succeeded, Reason: reason})
	if err != nil {
		return err
	}
	s.log.Info("stripe event", "event", ev.ID, "type", ev.Type, "purchase", purchaseID, "changed", changed)
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "changed": changed})
}
