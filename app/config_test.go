package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"lightbox/app"
	"lightbox/app/apptest"
)

// TestClientConfig: the checkout knows how orders are paid before one is
// placed.
func TestClientConfig(t *testing.T) {
	type config struct {
		StudioName, Payments, PublishableKey string
		FaceMatching                         bool
	}
	for _, tc := range []struct {
		name string
		opts apptest.Options
		want config
	}{
		{"offline", apptest.Options{NoRetina: true}, config{StudioName: "Test Studio", Payments: "offline"}},
		{"stripe", apptest.Options{Payments: resumer{}}, config{StudioName: "Test Studio", Payments: "stripe", PublishableKey: "pk_test_123", FaceMatching: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t, tc.opts)
			env.CreateUser("guest@example.com", "attendee")
			var got config
			env.Login("guest@example.com").MustJSON("GET", "/v1/config", nil, 200, &got)
			if got != tc.want {
				t.Errorf("config %+v, want %+v", got, tc.want)
			}
		})
	}
}

// resumer is a payment provider whose intents wait for the payer, or whose
// API is down.
type resumer struct{ down bool }

func (resumer) CreateIntent(ctx context.Context, r app.IntentRequest) (app.Intent, error) {
	return app.Intent{ID: "pi_" + r.PurchaseID, ClientSecret: "pi_" + r.PurchaseID + "_secret_x"}, nil
}

func (r resumer) ResumeIntent(ctx context.Context, id string) (string, error) {
	if r.down {
		return "", errors.New("connection refused")
	}
	return id + "_secret_x", nil
}

// TestResumePayment: the buyer of a pending online order gets its client
// secret again after a reload; nobody else does, and a paid or offline
// order has none.
func TestResumePayment(t *testing.T) {
	url := apptest.StripeMock(t)
	env, op, guest, prj, pkg, _ := sale(t, apptest.Options{Payments: app.NewStripe("sk_test_123", url), WebhookSecret: whsec})
	var pur struct {
		ID           string
		ClientSecret string
	}
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)

	type view struct {
		Status, ClientSecret, PublishableKey string
		PaymentError                         *struct{ Code, Message string }
	}
	var got view
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &got)
	if got.Status != "pending" || !strings.Contains(got.ClientSecret, "_secret_") || got.PublishableKey != "pk_test_123" || got.PaymentError != nil {
		t.Fatalf("the buyer cannot resume: %+v", got)
	}
	var opView view
	op.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &opView)
	if opView.ClientSecret != "" {
		t.Error("the operator got the buyer's client secret")
	}
	if strings.Contains(env.Logs(), got.ClientSecret) {
		t.Error("a client secret reached the log")
	}

	op.MustJSON("POST", "/v1/purchases/"+pur.ID+"/mark-paid", nil, 200, nil)
	var paid view
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &paid)
	if paid.Status != "paid" || paid.ClientSecret != "" {
		t.Errorf("paid order %+v", paid)
	}

	t.Run("payments down", func(t *testing.T) {
		env, _, guest, prj, pkg, _ := sale(t, apptest.Options{Payments: resumer{down: true}, NoRetina: true})
		var pur struct{ ID string }
		guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
		var got view
		guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &got)
		if got.Status != "pending" || got.ClientSecret != "" || got.PaymentError == nil || !strings.Contains(got.PaymentError.Message, "Try again shortly") {
			t.Errorf("order while payments are down: %+v", got)
		}
		if strings.Contains(env.Logs(), "_secret_") {
			t.Error("a client secret reached the log")
		}
	})
	t.Run("offline", func(t *testing.T) {
		_, _, guest, prj, pkg, _ := sale(t, apptest.Options{NoRetina: true})
		var pur struct{ ID string }
		guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
		r := guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, nil)
		if strings.Contains(string(r.Body), "clientSecret") {
			t.Errorf("offline order %s", r.Body)
		}
	})
}
