package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"lightbox/app/apptest"
)

// FuzzWebhook: any body, signed or not, gets 200 or 400 (never a server
// error), and only a signed succeeded event for the purchase can pay it.
func FuzzWebhook(f *testing.F) {
	for _, s := range []string{
		`{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","metadata":{"purchase_id":"x"}}}}`,
		`{"id":"evt_2","type":"payment_intent.payment_failed","data":{"object":{"last_payment_error":{"message":"no"}}}}`,
		`{"id":"evt_3","type":"payment_intent.succeeded","data":null}`,
		`{"type":"payment_intent.succeeded","data":{"object":"nope"}}`,
		`[]`, `not json`, ``,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	env := apptest.New(f, apptest.Options{NoRetina: true, WebhookSecret: whsec})
	f.Fuzz(func(t *testing.T, body string, sign bool) {
		req := httptest.NewRequest("POST", "/v1/stripe/webhook", strings.NewReader(body))
		if sign {
			sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(body), Secret: whsec, Timestamp: time.Now()})
			req.Header.Set("Stripe-Signature", sp.Header)
		}
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !sign && rec.Code != http.StatusBadRequest {
			t.Fatalf("unsigned body accepted: %q", body)
		}
	})
}
