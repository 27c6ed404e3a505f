package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"lightbox/app"
	"lightbox/app/apptest"
	"lightbox/store"
)

const whsec = "whsec_test_secret"

// sale sets up a project, an attendee tagged in one photo, and a package.
func sale(t *testing.T, opts apptest.Options) (env *apptest.Env, op, guest *apptest.Client, prj, pkg, photo string) {
	t.Helper()
	env = apptest.New(t, opts)
	op = env.Operator("studio@example.com")
	prj = op.Project("Gala")
	ids := op.UploadPhotos(prj, apptest.Photo(t, 4))
	env.WaitJobs()
	u := env.CreateUser("guest@example.com", store.RoleAttendee)
	ctx := context.Background()
	if _, err := env.DB.SQL().ExecContext(ctx, `insert into project_members (project_id, user_id, created_at) values (?, ?, 'x')`, prj, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.SQL().ExecContext(ctx, `insert into tags (id, project_id, photo_id, user_id, status, created_at, updated_at) values ('tag_1', ?, ?, ?, 'confirmed', 'x', 'x')`, prj, ids[0], u.ID); err != nil {
		t.Fatal(err)
	}
	guest = env.Login("guest@example.com")
	var p struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+prj+"/packages", map[string]any{"name": "Everything", "kind": "all", "priceCents": 2500}, 201, &p)
	return env, op, guest, prj, p.ID, ids[0]
}

func TestCheckoutWithStripeMock(t *testing.T) {
	url := apptest.StripeMock(t)
	_, _, guest, prj, pkg, photo := sale(t, apptest.Options{Payments: app.NewStripe("sk_test_123", url), WebhookSecret: whsec})
	var pur struct {
		ID, Status, Currency, Payment string
		Amount                        int
		ClientSecret                  *string
		PhotoIDs                      []string
	}
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
	if pur.ClientSecret == nil || *pur.ClientSecret == "" || pur.Payment != "stripe" || pur.Amount != 2500 || pur.Currency != "EUR" {
		t.Fatalf("purchase %+v", pur)
	}
	if len(pur.PhotoIDs) != 0 {
		t.Logf("all-package purchase lists %v at creation", pur.PhotoIDs)
	}
	var got struct {
		Status   string
		PhotoIDs []string
	}
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &got)
	if got.Status != "pending" || len(got.PhotoIDs) != 1 || got.PhotoIDs[0] != photo {
		t.Fatalf("purchase view %+v", got)
	}
}

// fakeStripe answers PaymentIntent creation with a scripted error.
func fakeStripe(t *testing.T, status int, body string) (string, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &calls
}

func TestCheckoutErrors(t *testing.T) {
	t.Run("declined card is 402 with the reason", func(t *testing.T) {
		url, _ := fakeStripe(t, 402, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}`)
		_, _, guest, prj, pkg, _ := sale(t, apptest.Options{Payments: app.NewStripe("sk_test_123", url)})
		r := guest.Do("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg})
		if r.Status != 402 || !strings.Contains(string(r.Body), "insufficient funds") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("outage is 503 and the breaker stops calling", func(t *testing.T) {
		url, calls := fakeStripe(t, 500, `{"error":{"type":"api_error","message":"boom"}}`)
		s := app.NewStripe("sk_test_123", url)
		_, _, guest, prj, pkg, _ := sale(t, apptest.Options{Payments: s})
		for i := 0; i < 7; i++ {
			r := guest.Do("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg})
			if r.Status != 503 || !strings.Contains(string(r.Body), "Try again shortly") {
				t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
			}
		}
		before := calls.Load()
		guest.Do("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg})
		if calls.Load() != before {
			t.Errorf("the breaker let a call through while open (%d -> %d)", before, calls.Load())
		}
	})
}

func signed(t *testing.T, eventType, eventID, purchaseID, secret string) ([]byte, string) {
	t.Helper()
	pi := map[string]any{"id": "pi_" + eventID, "object": "payment_intent", "metadata": map[string]string{"purchase_id": purchaseID, "user_id": "u"}}
	if eventType == "payment_intent.payment_failed" {
		pi["last_payment_error"] = map[string]any{"message": "Your card was declined."}
	}
	raw, _ := json.Marshal(pi)
	ev := map[string]any{"id": eventID, "object": "event", "type": eventType, "api_version": "2025-03-31.basil", "data": map[string]any{"object": json.RawMessage(raw)}}
	body, _ := json.Marshal(ev)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()})
	return body, sp.Header
}

func TestWebhook(t *testing.T) {
	env, op, guest, prj, pkg, _ := sale(t, apptest.Options{WebhookSecret: whsec})
	var pur struct{ ID string }
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
	post := func(body []byte, sig string) int {
		req, _ := http.NewRequest("POST", env.URL+"/v1/stripe/webhook", strings.NewReader(string(body)))
		req.Header.Set("Stripe-Signature", sig)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	status := func() string {
		var p struct{ Status string }
		guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &p)
		return p.Status
	}

	// A bad signature, a tampered body and a wrong secret change nothing.
	body, sig := signed(t, "payment_intent.succeeded", "evt_1", pur.ID, whsec)
	if st := post(body, "t=1,v1=deadbeef"); st != 400 {
		t.Errorf("bad signature: %d", st)
	}
	if st := post(append(body, ' '), sig); st != 400 {
		t.Errorf("tampered body: %d", st)
	}
	_, other := signed(t, "payment_intent.succeeded", "evt_1", pur.ID, "whsec_other")
	if st := post(body, other); st != 400 {
		t.Errorf("wrong secret: %d", st)
	}
	if s := status(); s != "pending" {
		t.Fatalf("after bad webhooks the purchase is %s", s)
	}

	// Success (with a newer API version than the library's) pays once;
	// a replay and a late failure change nothing.
	if st := post(body, sig); st != 200 {
		t.Fatalf("valid webhook: %d", st)
	}
	if st := post(body, sig); st != 200 {
		t.Fatalf("replayed webhook: %d", st)
	}
	fb, fsig := signed(t, "payment_intent.payment_failed", "evt_2", pur.ID, whsec)
	if st := post(fb, fsig); st != 200 {
		t.Fatalf("late failure: %d", st)
	}
	ub, usig := signed(t, "charge.refund.updated", "evt_3", pur.ID, whsec)
	if st := post(ub, usig); st != 200 {
		t.Fatalf("unknown event: %d", st)
	}
	if s := status(); s != "paid" {
		t.Fatalf("purchase is %s, want paid", s)
	}
	env.WaitJobs()
	n := 0
	for _, m := range outbox(t, op) {
		if m.Kind == store.JobNotifyPurchase {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d purchase emails, want 1", n)
	}
	if strings.Contains(env.Logs(), "client_secret") {
		t.Error("a client secret reached the log")
	}
}

func TestWebhookFailureMarksFailed(t *testing.T) {
	env, _, guest, prj, pkg, _ := sale(t, apptest.Options{WebhookSecret: whsec})
	var pur struct{ ID string }
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": prj, "packageId": pkg}, 201, &pur)
	body, sig := signed(t, "payment_intent.payment_failed", "evt_9", pur.ID, whsec)
	req, _ := http.NewRequest("POST", env.URL+"/v1/stripe/webhook", strings.NewReader(string(body)))
	req.Header.Set("Stripe-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", resp.StatusCode, err)
	}
	var p struct{ Status, FailureReason string }
	guest.MustJSON("GET", "/v1/purchases/"+pur.ID, nil, 200, &p)
	if p.Status != "failed" || !strings.Contains(p.FailureReason, "declined") {
		t.Fatalf("purchase %+v", p)
	}
}

// A purchase in one project cannot hold a photo of another, even one the
// buyer appears in there.
func TestPurchaseHoldsOnlyItsProjectsPhotos(t *testing.T) {
	env := apptest.New(t, apptest.Options{NoRetina: true})
	op := env.Operator("op@example.com")
	p1, p2 := op.Project("One"), op.Project("Two")
	photos := op.UploadPhotos(p1, apptest.Photo(t, 1))
	env.WaitJobs()
	a := env.CreateUser("a@example.com", store.RoleAttendee)
	for _, q := range []string{
		`insert into project_members (project_id, user_id, created_at) values ('` + p1 + `', '` + a.ID + `', 'x'), ('` + p2 + `', '` + a.ID + `', 'x')`,
		`insert into tags (id, project_id, photo_id, user_id, status, created_at, updated_at) values ('tag_a', '` + p1 + `', '` + photos[0] + `', '` + a.ID + `', 'confirmed', 'x', 'x')`,
	} {
		if _, err := env.DB.SQL().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var cheap, dear struct{ ID string }
	op.MustJSON("POST", "/v1/projects/"+p2+"/packages", map[string]any{"name": "Cheap", "kind": "single", "priceCents": 1}, 201, &cheap)
	op.MustJSON("POST", "/v1/projects/"+p1+"/packages", map[string]any{"name": "Dear", "kind": "single", "priceCents": 5000}, 201, &dear)
	guest := env.Login("a@example.com")
	if r := guest.Do("POST", "/v1/purchases", map[string]any{"projectId": p2, "packageId": cheap.ID, "photoIds": photos}); r.Status != 400 {
		t.Fatalf("project Two's package with project One's photo: %d %s, want 400", r.Status, r.Body)
	}
	guest.MustJSON("POST", "/v1/purchases", map[string]any{"projectId": p1, "packageId": dear.ID, "photoIds": photos}, 201, nil)
	// The store refuses such a line too, whoever calls it.
	p := store.Purchase{ProjectID: p2, UserID: a.ID, PackageID: cheap.ID, PackageName: "Cheap", Kind: store.KindSingle,
		Amount: 1, Currency: "EUR", Payment: "offline", PhotoIDs: photos}
	if err := env.DB.CreatePurchase(context.Background(), &p); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("store: purchase in Two with a photo of One: %v, want ErrNotFound", err)
	}
}
