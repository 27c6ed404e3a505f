package e2e

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/e2e/scene"
	"lightbox/store"
)

// payments is a stand-in payment provider that hands out a client secret,
// and hands it out again until the attendee has paid.
type payments struct{ paid atomic.Bool }

func (p *payments) CreateIntent(ctx context.Context, r app.IntentRequest) (app.Intent, error) {
	return app.Intent{ID: "pi_e2e_" + r.PurchaseID, ClientSecret: "pi_e2e_secret_" + r.PurchaseID}, nil
}

func (p *payments) ResumeIntent(ctx context.Context, id string) (string, error) {
	if p.paid.Load() {
		return "", nil
	}
	return "pi_e2e_secret_" + strings.TrimPrefix(id, "pi_e2e_"), nil
}

// stripeJS stands in for Stripe.js: it records what the page gives it and
// draws a placeholder for the card form.
const stripeJS = `window.Stripe = function (key) {
  window.stripeSeen = { key: key };
  return {
    elements: function (opts) {
      window.stripeSeen.clientSecret = opts.clientSecret;
      return { create: function () { return { mount: function (el) { var d = document.createElement('div'); d.className = 'fake-card'; d.textContent = 'Card details'; el.append(d); } }; } };
    },
    confirmPayment: function () { window.stripeSeen.confirmed = true; return Promise.resolve({ paymentIntent: { status: 'processing' } }); },
  };
};`

// TestStripeCheckout checks that with online payments the checkout says so
// before the order, loads Stripe.js from js.stripe.com for the order's
// client secret, that a blocked Stripe.js leaves the attendee a way
// forward, and that the order page resumes the payment later.
func TestStripeCheckout(t *testing.T) {
	b := newBrowser(t, desktop)
	pay := &payments{}
	env := apptest.New(t, apptest.Options{Payments: pay})
	op := env.Operator("studio@example.com")
	prj := op.Project("Garden party")
	op.UploadPhotos(prj, scene.Photo(960, 640, 5, 1, 2), scene.Photo(960, 640, 6, 1))
	var pkg struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+prj+"/packages", map[string]any{"name": "Everything", "kind": "all", "priceCents": 2500}, 201, &pkg)
	guestWithSelfie(t, env, op, prj)

	guest := b.tab("guest")
	defer guest.check()
	guest.open(env.URL + "/login?next=" + "/app/projects/" + prj)
	guest.typeIn("#email", "guest@example.com")
	guest.typeIn("#password", apptest.Password)
	guest.click(`#login-form button[type=submit]`)
	guest.waitFor("my photos", `document.querySelectorAll("#my-photos li").length === 2`, 20*time.Second)
	guest.click(`.pkg a.btn`)
	guest.wait("review", `!!document.querySelector("#place-order")`)
	guest.wait("pay online up front", `document.querySelector("#payment-mode").dataset.mode === "stripe" && document.querySelector("#payment-mode").textContent.includes("Pay online") && document.querySelector("#place-order").textContent === "Continue to payment"`)
	stop := guest.failFirst("GET", "https://js.stripe.com/*", 1)
	guest.click("#place-order")
	guest.wait("fallback", `document.body.textContent.includes("The payment form did not load")`)
	if got := stop(); got != "https://js.stripe.com/v3" {
		t.Errorf("checkout loaded %q, want https://js.stripe.com/v3", got)
	}
	guest.shot("stripe-blocked")

	// Later, the order page picks the payment up where it was left.
	stopServe := guest.serve("https://js.stripe.com/*", "text/javascript", stripeJS)
	defer stopServe()
	guest.click(`#view .banner a.btn`)
	guest.wait("order page", `location.pathname.startsWith("/app/purchases/")`)
	guest.ready()
	guest.wait("payment resumed", `!!document.querySelector("#payment-form .fake-card") && document.body.textContent.includes("Finish paying")`)
	purchase := eval[string](guest, `location.pathname.split("/").pop()`)
	if got := eval[string](guest, `window.stripeSeen.clientSecret`); got != "pi_e2e_secret_"+purchase {
		t.Errorf("the order page resumed with %q, want the order's client secret", got)
	}
	guest.shot("order-resume")
	pay.paid.Store(true)
	guest.click("#pay")
	guest.wait("confirming", `document.body.textContent.includes("Confirming your payment") && !document.querySelector("#payment-form")`)
}

// guestWithSelfie invites guest@example.com to prj, signs them up with a
// selfie of person 1 and waits until their photos are found.
func guestWithSelfie(t *testing.T, env *apptest.Env, op *apptest.Client, prj string) {
	t.Helper()
	env.CreateUser("guest@example.com", store.RoleAttendee)
	op.MustJSON("POST", "/v1/projects/"+prj+"/invites", map[string]any{"emails": []string{"guest@example.com"}}, 200, nil)
	guestAPI := env.Login("guest@example.com")
	guestAPI.MustJSON("POST", "/v1/me/consent", map[string]bool{"faceMatching": true}, 200, nil)
	selfie := scene.Selfie(480, 640, 1)
	var up struct {
		ID     string
		Upload struct {
			Method, URL string
			Headers     map[string]string
		}
	}
	guestAPI.MustJSON("POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": len(selfie)}, 201, &up)
	putBytes(t, up.Upload.Method, env.Abs(up.Upload.URL), up.Upload.Headers, selfie)
	guestAPI.MustJSON("POST", "/v1/selfies/"+up.ID+"/complete", nil, 202, nil)
	env.WaitJobs()
}
