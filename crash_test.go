package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"lightbox/app/apptest"
	"lightbox/jobs/retina/retinatest"
	"lightbox/store"
)

// TestMain lets the test binary act as the lightbox server, so the crash
// test can kill a real process.
func TestMain(m *testing.M) {
	if os.Getenv("LIGHTBOX_CHILD") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, []string{"serve"}, os.Getenv, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "lightbox:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a lightbox server process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs *safeBuffer
}

func startChild(t *testing.T, dir, addr string, env []string) *child {
	t.Helper()
	logs := &safeBuffer{}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"LIGHTBOX_CHILD=1", "DATA_DIR=" + dir, "ADDR=" + addr}, env...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, url: "http://" + addr, logs: logs}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(c.url + "/v1/health")
		if err == nil {
			resp.Body.Close()
			return c
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("server did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

func (c *child) stop(t *testing.T) {
	c.cmd.Process.Signal(syscall.SIGTERM)
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v\n%s", err, c.logs.String())
	}
}

type api struct {
	base, token string
}

func (a api) do(method, path string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode, nil
}

func smallPhoto(t *testing.T, i int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x + i), uint8(y), uint8(i * 7), 255})
		}
	}
	if i%4 == 0 {
		retinatest.DrawFace(img, image.Rect(100, 60, 200, 160), 3)
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	return buf.Bytes()
}

// TestCrashSafety ingests photos while killing the server with SIGKILL at
// random points, then checks that every accepted photo ends ready exactly
// once, no email went out twice, and the database is intact.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real server processes")
	}
	dir := t.TempDir()
	addr := apptest.FreeAddr(t)
	fake := retinatest.New("k")
	defer fake.Close()
	const whsec = "whsec_crash"
	env := []string{"RETINA_SERVICE_URL=" + fake.URL(), "RETINA_API_KEY=k", "STRIPE_WEBHOOK_SECRET=" + whsec}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"operator", "create", "--data-dir", dir, "--email", "op@example.com", "--password", "a long password"}, os.Getenv, &out, &out); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))

	srv := startChild(t, dir, addr, env)
	var login struct{ Token string }
	a := api{base: srv.url}
	if st, err := a.do("POST", "/v1/auth/login", map[string]string{"email": "op@example.com", "password": "a long password"}, &login); err != nil || st != 200 {
		t.Fatalf("login: %d %v", st, err)
	}
	a.token = login.Token
	var prj struct{ ID string }
	a.do("POST", "/v1/projects", map[string]any{"name": "Crash", "date": "2026-01-01", "timezone": "UTC", "currency": "EUR"}, &prj)
	var invited struct{ Invited []string }
	emails := []string{}
	for i := 0; i < 20; i++ {
		emails = append(emails, fmt.Sprintf("guest%d@example.com", i))
	}
	a.do("POST", "/v1/projects/"+prj.ID+"/invites", map[string]any{"emails": emails}, &invited)
	if len(invited.Invited) != 20 {
		t.Fatalf("invited %v", invited)
	}

	// Sixteen distinct photos, reused: the upload path is what is under test.
	photos := make([][]byte, 16)
	for i := range photos {
		photos[i] = smallPhoto(t, i)
	}
	accepted := map[string]bool{}
	var mu sync.Mutex
	n := 0
	for round := 0; round < 4; round++ {
		if round > 0 {
			srv = startChild(t, dir, addr, env)
		}
		// Upload from four clients at once while the server is killed at a
		// random moment.
		stopUploads := make(chan struct{})
		var uploaders sync.WaitGroup
		for range 4 {
			uploaders.Go(func() {
				for {
					select {
					case <-stopUploads:
						return
					default:
					}
					mu.Lock()
					n++
					seq := n
					mu.Unlock()
					b := photos[seq%len(photos)]
					var created struct {
						Items []struct {
							ID     string
							Upload struct {
								URL     string
								Headers map[string]string
							}
						}
					}
					if st, err := a.do("POST", "/v1/projects/"+prj.ID+"/photos", map[string]any{"files": []map[string]any{{"filename": "x.jpg", "contentType": "image/jpeg", "size": len(b)}}}, &created); err != nil || st != 201 {
						return
					}
					it := created.Items[0]
					req, _ := http.NewRequest("PUT", srv.url+it.Upload.URL, bytes.NewReader(b)) // the embedded store's URLs are relative
					for k, v := range it.Upload.Headers {
						req.Header.Set(k, v)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return
					}
					resp.Body.Close()
					if st, err := a.do("POST", "/v1/projects/"+prj.ID+"/photos/"+it.ID+"/complete", nil, nil); err == nil && st == 202 {
						mu.Lock()
						accepted[it.ID] = true
						mu.Unlock()
					}
				}
			})
		}
		time.Sleep(time.Duration(800+rng.IntN(1200)) * time.Millisecond)
		srv.kill()
		close(stopUploads)
		uploaders.Wait()
	}

	// A payment webhook arriving as the server shuts down is not lost.
	srv = startChild(t, dir, addr, env)
	db, err := store.Open(context.Background(), filepath.Join(dir, "lightbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	guest := store.User{Email: "buyer@example.com", Role: store.RoleAttendee, PasswordHash: "x"}
	db.CreateUser(context.Background(), &guest)
	pkg := store.Package{ProjectID: prj.ID, Name: "All", Kind: store.KindAll, PriceCents: 100, Currency: "EUR"}
	db.CreatePackage(context.Background(), &pkg)
	pur := store.Purchase{ProjectID: prj.ID, UserID: guest.ID, PackageID: pkg.ID, PackageName: "All", Kind: store.KindAll, Amount: 100, Currency: "EUR", Payment: "stripe"}
	db.CreatePurchase(context.Background(), &pur)
	payload := fmt.Sprintf(`{"id":"evt_crash","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","metadata":{"purchase_id":%q}}}}`, pur.ID)
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: []byte(payload), Secret: whsec})
	whDone := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", srv.url+"/v1/stripe/webhook", strings.NewReader(payload))
		req.Header.Set("Stripe-Signature", sig.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			whDone <- 0
			return
		}
		resp.Body.Close()
		whDone <- resp.StatusCode
	}()
	time.Sleep(5 * time.Millisecond)
	srv.stop(t)
	whStatus := <-whDone

	srv = startChild(t, dir, addr, env)
	if whStatus != 200 {
		// Refused or cut off during shutdown: Stripe retries it.
		req, _ := http.NewRequest("POST", srv.url+"/v1/stripe/webhook", strings.NewReader(payload))
		req.Header.Set("Stripe-Signature", sig.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("webhook retry: %v", err)
		}
		resp.Body.Close()
	}
	// Let the work finish.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var h struct {
			Queue struct{ Backlog int }
		}
		a.base = srv.url
		a.do("GET", "/v1/health", nil, &h)
		var ph struct{ Items []struct{ ID, Status string } }
		a.do("GET", "/v1/projects/"+prj.ID+"/photos?limit=500", nil, &ph)
		processing := 0
		for _, p := range ph.Items {
			if p.Status == "processing" {
				processing++
			}
		}
		if h.Queue.Backlog == 0 && processing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("work did not finish: backlog %d, %d processing\n%s", h.Queue.Backlog, processing, srv.logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	srv.stop(t)

	ctx := context.Background()
	if len(accepted) < 5 {
		t.Fatalf("only %d photos were accepted; the test did not exercise much", len(accepted))
	}
	for id := range accepted {
		ph, err := db.PhotoByID(ctx, id)
		if err != nil || ph.Status != store.PhotoReady {
			t.Errorf("accepted photo %s: %+v %v", id, ph.Status, err)
		}
		for _, name := range []string{"thumb-400.jpg", "thumb-800.jpg", "watermarked.jpg"} {
			if _, err := os.Stat(filepath.Join(dir, "blobs", store.PhotoKey(prj.ID, id, name))); err != nil {
				t.Errorf("photo %s lacks %s", id, name)
			}
		}
	}
	// Every invite email went out exactly once.
	mails, err := db.Outbox(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, m := range mails {
		per[m.Kind+" "+m.To]++
	}
	for _, e := range emails {
		if per[store.JobNotifyUserInvited+" "+e] != 1 {
			t.Errorf("%s got %d invite emails, want 1", e, per[store.JobNotifyUserInvited+" "+e])
		}
	}
	if per[store.JobNotifyPurchase+" buyer@example.com"] != 1 {
		t.Errorf("buyer got %d confirmations, want 1", per[store.JobNotifyPurchase+" buyer@example.com"])
	}
	p, _ := db.Purchase(ctx, pur.ID)
	if p.Status != store.PurchasePaid {
		t.Errorf("purchase %s after the webhook", p.Status)
	}
	var integrity string
	db.SQL().QueryRow(`pragma integrity_check`).Scan(&integrity)
	if integrity != "ok" {
		t.Errorf("integrity_check: %s", integrity)
	}
	if n, _ := db.CountFailedJobs(ctx); n != 0 {
		failed, _ := db.FailedJobs(ctx, 10)
		t.Errorf("%d failed jobs: %+v", n, failed)
	}
	t.Logf("%d photos accepted across 4 kills", len(accepted))
}
