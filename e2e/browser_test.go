// Package e2e drives the whole product in Debian's Chromium: the operator's
// backoffice and the attendee's site, at a phone and a desktop viewport,
// against a Lightbox running in-process (app/apptest).
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// viewport is a screen the journey runs on.
type viewport struct {
	name   string
	w, h   int64
	scale  float64
	mobile bool
}

var (
	phone   = viewport{name: "phone", w: 390, h: 844, scale: 2, mobile: true}
	desktop = viewport{name: "desktop", w: 1366, h: 900, scale: 1}
)

// chromium finds the browser: a test without one is skipped, except in CI
// (env CI set), where it fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install chromium)")
	}
	t.Skip("chromium is not installed (apt-get install chromium); skipping the browser tests")
	return ""
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	t   *testing.T
	ctx context.Context
	vp  viewport
	art string // artifacts directory for this viewport
	seq int
	// shotTime is the time spent taking screenshots.
	shotTime time.Duration
	mu       sync.Mutex
}

func newBrowser(t *testing.T, vp viewport) *browser {
	t.Helper()
	path := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "en-US"),
		// A fake camera, allowed without asking, for the live selfie preview.
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.WindowSize(int(vp.w), int(vp.h)),
		chromedp.UserDataDir(t.TempDir()),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start chromium: %v", err)
	}
	dir := fromRoot(os.Getenv("E2E_ARTIFACTS"))
	if dir == "" {
		dir = t.TempDir()
	}
	name := t.Name()
	if !strings.HasSuffix(name, "/"+vp.name) {
		name += "/" + vp.name
	}
	art := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(art, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, vp: vp, art: art}
}

// tab is a tab in its own browser context, so each person has their own
// cookies. JavaScript exceptions and console errors fail the test.
type tab struct {
	b    *browser
	who  string
	ctx  context.Context
	mu   sync.Mutex
	errs []string
}

func (b *browser) tab(who string) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	tb := &tab{b: b, who: who, ctx: ctx}
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(b.vp.scale)}
	if b.vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(b.vp.w, b.vp.h, opts...)); err != nil {
		b.t.Fatalf("%s: emulate: %v", who, err)
	}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			tb.fault(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		}
	}()
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				continue
			}
			var parts []string
			for _, a := range ev.Args {
				if a.Description != "" {
					parts = append(parts, a.Description)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			tb.fault("console.error: " + strings.Join(parts, " "))
		}
	}()
	return tb
}

func (tb *tab) fault(msg string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.errs = append(tb.errs, msg)
}

// check fails the test if the page reported errors so far.
func (tb *tab) check() {
	tb.b.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		tb.b.t.Errorf("%s: %s", tb.who, e)
	}
	tb.errs = nil
}

// do runs steps with a time limit; on failure it saves a screenshot.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.fail(what, err)
	}
}

func (tb *tab) fail(what string, err error) {
	tb.b.t.Helper()
	tb.check()
	name := tb.saveFailure()
	loc, _ := chromedp.Run(tb.ctx, chromedp.Location())
	tb.b.t.Fatalf("%s (%s) %s: %v; page %s; screenshot %s", tb.b.vp.name, tb.who, what, err, loc, name)
}

func (tb *tab) saveFailure() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "(none)"
	}
	name := filepath.Join(tb.b.art, "FAILED-"+tb.who+".png")
	_ = os.WriteFile(name, buf, 0o644)
	return name
}

// open loads a page and waits for its script to finish the first render.
func (tb *tab) open(url string) {
	tb.b.t.Helper()
	tb.do("open "+url, chromedp.Navigate(url))
	tb.ready()
}

// ready waits until the page's view has left its loading state.
func (tb *tab) ready() {
	tb.b.t.Helper()
	tb.wait("page ready", `document.readyState === "complete" && !document.querySelector('#view[aria-busy="true"]') && !document.querySelector('#view > .loading')`)
}

// wait polls a JavaScript condition until it is truthy. A condition that
// throws (an element not rendered yet) counts as not yet true.
func (tb *tab) wait(what, js string) {
	tb.b.t.Helper()
	tb.waitFor(what, js, 20*time.Second)
}

func (tb *tab) waitFor(what, js string, timeout time.Duration) {
	tb.b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		ctx, cancel := context.WithTimeout(tb.ctx, left+5*time.Second)
		guarded := "(() => { try { return (" + js + "); } catch { return false; } })()"
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](guarded, chromedp.WithPollingTimeout(left), chromedp.WithPollingInterval(100*time.Millisecond)))
		cancel()
		if err == nil {
			return
		}
		// A navigation while polling ends the poll: poll the new page.
		if navigated(err) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		tb.fail("wait for "+what, err)
	}
}

func navigated(err error) bool {
	s := err.Error()
	return strings.Contains(s, "navigated or closed") || strings.Contains(s, "context was destroyed") ||
		strings.Contains(s, "Cannot find context") || strings.Contains(s, "Cannot find default execution context")
}

// click clicks the first element that matches a CSS selector.
func (tb *tab) click(css string) {
	tb.b.t.Helper()
	// Centre it first, away from the sticky header.
	tb.do("click "+css, chromedp.WaitVisible(chromedp.CSS(css)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(css)+`).scrollIntoView({block: "center", inline: "center"})`),
		chromedp.Click(chromedp.CSS(css)))
}

// typeIn focuses an input, clears it and types text.
func (tb *tab) typeIn(css, text string) {
	tb.b.t.Helper()
	tb.do("type in "+css, chromedp.WaitVisible(chromedp.CSS(css)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(css)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(css), text))
}

// set sets the value of a select or a date input.
func (tb *tab) set(css, value string) {
	tb.b.t.Helper()
	tb.do("set "+css, chromedp.SetValue(chromedp.CSS(css), value))
}

// key sends one key to the focused element.
func (tb *tab) key(k string) {
	tb.b.t.Helper()
	tb.do("key", chromedp.KeyEvent(k))
}

// intercept pauses every request to a URL matching pattern and hands it,
// in order, to handle, which must continue, fail or answer it; the
// returned func ends the interception.
func (tb *tab) intercept(pattern string, handle func(fetch.EventRequestPaused)) (stop func()) {
	tb.b.t.Helper()
	ctx, cancel := context.WithCancel(tb.ctx)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		cancel()
		tb.b.t.Fatalf("intercept %s: %v", pattern, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range paused {
			if err != nil {
				return
			}
			handle(ev)
		}
	}()
	return func() {
		_, _ = chromedp.Call(tb.ctx, fetch.Disable, cdp.Empty{})
		cancel()
		<-done
	}
}

// pass lets a paused request through.
func (tb *tab) pass(ev fetch.EventRequestPaused) {
	_, _ = chromedp.Call(tb.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
}

// failFirst picks the first request with the method to a URL matching
// pattern and makes it, and the next times-1 requests to the same URL, fail
// as a dropped connection; everything else goes through. It returns a func
// that ends the interception and reports the failed URL.
func (tb *tab) failFirst(method, pattern string, times int) (stop func() string) {
	tb.b.t.Helper()
	var target string
	failed := 0
	end := tb.intercept(pattern, func(ev fetch.EventRequestPaused) {
		if ev.Request.Method == method && failed < times && (target == "" || ev.Request.URL == target) {
			target = ev.Request.URL
			failed++
			_, _ = chromedp.Call(tb.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
			return
		}
		tb.pass(ev)
	})
	return func() string {
		end()
		return target
	}
}

// serve answers every request to a URL matching pattern with body, as if
// the network had; it returns a func that ends the interception.
func (tb *tab) serve(pattern, contentType, body string) (stop func()) {
	tb.b.t.Helper()
	return tb.intercept(pattern, func(ev fetch.EventRequestPaused) {
		_, _ = chromedp.Call(tb.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
			ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: contentType}, {Name: "Access-Control-Allow-Origin", Value: "*"}},
			Body:            []byte(body)})
	})
}

// delay holds every request with the method to a URL matching pattern for
// d before letting it through, as a slow server would; it returns a func
// that ends the interception once the held requests are through.
func (tb *tab) delay(method, pattern string, d time.Duration) (stop func()) {
	tb.b.t.Helper()
	var (
		mu      sync.Mutex
		stopped bool // no request is held once stop has begun waiting
		held    sync.WaitGroup
	)
	end := tb.intercept(pattern, func(ev fetch.EventRequestPaused) {
		mu.Lock()
		hold := !stopped && ev.Request.Method == method
		if hold {
			held.Add(1)
		}
		mu.Unlock()
		if !hold {
			tb.pass(ev)
			return
		}
		go func() {
			defer held.Done()
			time.Sleep(d)
			tb.pass(ev)
		}()
	})
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
		held.Wait()
		end()
	}
}

// eval runs JavaScript and decodes its result.
func eval[T any](tb *tab, js string) T {
	tb.b.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.fail("evaluate "+js, err)
	}
	return v
}

// upload sets files on a file input.
func (tb *tab) upload(css string, files ...string) {
	tb.b.t.Helper()
	tb.do("upload to "+css, chromedp.SetUploadFiles(chromedp.CSS(css), files))
}

// shot saves a screenshot of the page for people to look at: the whole
// page in the artifacts directory and, for the phone, the visible part in
// $E2E_SCREENSHOTS (the screenshots of docs/tour.md), scrolled to the
// element focus selects, if any.
func (tb *tab) shot(name string, focus ...string) {
	tb.b.t.Helper()
	start := time.Now()
	defer func() { tb.b.shotTime += time.Since(start) }()
	// Let images in view finish and the layout settle.
	settle := func() {
		tb.waitFor("images in view", `[...document.images].filter(i => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight && r.width > 0 && getComputedStyle(i).visibility !== 'hidden'; }).every(i => i.complete)`, 10*time.Second)
		_ = eval[chromedp.Void](tb, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))`)
	}
	settle()
	tb.b.mu.Lock()
	tb.b.seq++
	n := tb.b.seq
	tb.b.mu.Unlock()
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	var buf []byte
	var err error
	if eval[bool](tb, `!!document.querySelector("dialog[open]")`) {
		buf, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	} else {
		// From the top, so the sticky header sits where it belongs.
		pos := eval[[2]float64](tb, `(() => { const p = [scrollX, scrollY]; scrollTo(0, 0); return p; })()`)
		buf, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		_ = eval[chromedp.Void](tb, fmt.Sprintf(`scrollTo(%f, %f)`, pos[0], pos[1]))
	}
	if err != nil {
		tb.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.b.art, fmt.Sprintf("%02d-%s.png", n, name)), buf, 0o644); err != nil {
		tb.b.t.Fatal(err)
	}
	if dir := fromRoot(os.Getenv("E2E_SCREENSHOTS")); dir != "" && tb.b.vp.mobile && docShots[name] {
		// Frame the page from the top, or from the element asked for, with
		// the pointer out of the way.
		sel := ""
		if len(focus) > 0 {
			sel = focus[0]
		}
		pos := eval[[2]float64](tb, `(() => { const p = [scrollX, scrollY]; const el = `+jsString(sel)+` && document.querySelector(`+jsString(sel)+`); if (el) { el.scrollIntoView({block: "start"}); scrollBy(0, -110); } else { scrollTo(0, 0); } return p; })()`)
		tb.do("move the pointer away", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: 1, Y: 1})
			return err
		}))
		settle()
		_ = eval[chromedp.Void](tb, `document.getElementById("toasts").style.visibility = "hidden"`)
		tb.docShot(dir, name)
		_ = eval[chromedp.Void](tb, `document.getElementById("toasts").style.visibility = ""`)
		_ = eval[chromedp.Void](tb, fmt.Sprintf(`scrollTo(%f, %f)`, pos[0], pos[1]))
	}
}

// docShots are the screenshots docs/tour.md shows.
var docShots = map[string]bool{
	"login": true, "dashboard": true, "upload-failed": true, "project-photos": true, "attendees": true, "packages": true,
	"outbox": true, "orders": true, "invite": true, "consent": true, "selfie-preview": true, "selfie-approved": true,
	"gallery": true, "viewer": true, "choose-photo": true, "order-pending": true, "downloads": true,
	"failed-jobs": true, "selfie-rejected": true, "firstrun": true, "invite-expired": true, "face-review": true,
}

// fromRoot resolves a relative directory against the module root, so
// E2E_SCREENSHOTS=docs/screenshots means the same from make and go test.
func fromRoot(dir string) string {
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		return dir
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, dir)
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// docShot saves the visible part of a phone page at one device pixel per
// CSS pixel, recompressed, to keep the docs small.
func (tb *tab) docShot(dir, name string) {
	tb.b.t.Helper()
	vp := tb.b.vp
	// The clip is in page coordinates: capture what is scrolled into view.
	shootView := func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		pos, err := chromedp.Evaluate[struct{ X, Y float64 }](`({X: scrollX, Y: scrollY})`)(ctx, t)
		if err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, FromSurface: new(true),
			Clip: &page.Viewport{X: pos.X, Y: pos.Y, Width: float64(vp.w), Height: float64(vp.h), Scale: 1 / vp.scale},
		})
		return r.Data, err
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, shootView)
	if err != nil {
		tb.fail("doc screenshot "+name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		tb.b.t.Fatal(err)
	}
}

// jsString quotes a Go string for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
