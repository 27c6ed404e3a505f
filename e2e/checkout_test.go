package e2e

import (
	"context"
	"testing"
	"time"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/e2e/scene"
	"lightbox/store"
)

// payments is a stand-in payment provider that hands out a client secret.
type payments struct{}

func (payments) CreateIntent(ctx context.Context, r app.IntentRequest) (app.Intent, error) {
	return app.Intent{ID: "pi_e2e_" + r.PurchaseID, ClientSecret: "pi_e2e_secret_" + r.PurchaseID}, nil
}

// TestStripeCheckout checks that with online payments the checkout loads
// Stripe.js from js.stripe.com for the order's client secret, and that a
// blocked Stripe.js leaves the attendee a way forward.
func TestStripeCheckout(t *testing.T) {
	b := newBrowser(t, desktop)
	env := apptest.New(t, apptest.Options{Payments: payments{}})
	op := env.Operator("studio@example.com")
	prj := op.Project("Garden party")
	op.UploadPhotos(prj, scene.Photo(960, 640, 5, 1, 2), scene.Photo(960, 640, 6, 1))
	var pkg struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+prj+"/packages", map[string]any{"name": "Everything", "kind": "all", "priceCents": 2500}, 201, &pkg)
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
	putBytes(t, up.Upload.Method, up.Upload.URL, up.Upload.Headers, selfie)
	guestAPI.MustJSON("POST", "/v1/selfies/"+up.ID+"/complete", nil, 202, nil)
	env.WaitJobs()

	guest := b.tab("guest")
	defer guest.check()
	guest.open(env.URL + "/login?next=" + "/app/projects/" + prj)
	guest.typeIn("#email", "guest@example.com")
	guest.typeIn("#password", apptest.Password)
	guest.click(`#login-form button[type=submit]`)
	guest.waitFor("my photos", `document.querySelectorAll("#my-photos li").length === 2`, 20*time.Second)
	guest.click(`.pkg a.btn`)
	guest.wait("review", `!!document.querySelector("#place-order")`)
	stop := guest.failFirst("GET", "https://js.stripe.com/*", 1)
	guest.click("#place-order")
	guest.wait("fallback", `document.body.textContent.includes("The payment form did not load")`)
	if got := stop(); got != "https://js.stripe.com/v3" {
		t.Errorf("checkout loaded %q, want https://js.stripe.com/v3", got)
	}
	guest.shot("stripe-blocked")
	guest.click(`#view .banner a.btn`)
	guest.wait("order page", `location.pathname.startsWith("/app/purchases/")`)
	guest.ready()
	guest.wait("confirming", `document.body.textContent.includes("Confirming your payment")`)
}
