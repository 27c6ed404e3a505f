// Command demo starts a seeded Lightbox to try out: it builds the server,
// runs it with embedded defaults and a stand-in face service on loopback,
// and fills it with a project of generated photos, a price list, three
// invited guests and one guest who has signed up and taken a selfie.
//
//	go run ./cmd/demo [-addr 127.0.0.1:8090] [-data DIR]
//
// Without -addr (or $ADDR) it listens on 127.0.0.1:8090, beside `make run`
// on 8080, or on a free port when 8090 is taken, and says which.
//
// Stop it with Ctrl-C; without -data the data is thrown away.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"lightbox/e2e/scene"
	"lightbox/jobs/retina/retinatest"
)

const (
	operatorEmail = "studio@example.com"
	password      = "lightbox-demo"
	retinaKey     = "demo-retina-key"
)

// guests are the invited attendees; person is their face in the photos.
var guests = []struct {
	name, email string
	person      int
}{
	{"Mia Laurent", "mia@example.com", 1},
	{"Leo Martin", "leo@example.com", 0},
	{"Ava Dubois", "ava@example.com", 2},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	addr := fs.String("addr", os.Getenv("ADDR"), "address for Lightbox to listen on ($ADDR; default "+defaultAddr+", or a free port)")
	dataDir := fs.String("data", "", "data directory to keep (default: a temporary one, removed at exit)")
	photos := fs.Int("photos", 24, "how many event photos to generate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "lightbox-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if *dataDir == "" {
		*dataDir = filepath.Join(work, "data")
	}
	if *addr, err = chooseAddr(*addr, out); err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(*addr)
	base := "http://localhost:" + port

	// The stand-in face service.
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	retina := &http.Server{Handler: retinatest.NewHandler(retinaKey), ReadHeaderTimeout: 10 * time.Second}
	go retina.Serve(rl)
	defer retina.Close()

	fmt.Fprintln(out, "Building Lightbox…")
	bin := filepath.Join(work, "lightbox")
	build := exec.CommandContext(ctx, goTool(), "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = root, out, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	env := append(os.Environ(),
		"DATA_DIR="+*dataDir, "ADDR="+*addr, "PUBLIC_URL="+base, "STUDIO_NAME=Lumen Studio",
		"RETINA_SERVICE_URL=http://"+rl.Addr().String(), "RETINA_API_KEY="+retinaKey)
	create := exec.CommandContext(ctx, bin, "operator", "create", "--email", operatorEmail, "--password", password, "--name", "Lumen Studio")
	var createErr bytes.Buffer
	create.Env, create.Stdout, create.Stderr = env, io.Discard, &createErr
	fresh := true
	if err := create.Run(); err != nil {
		if !strings.Contains(createErr.String(), "already exists") {
			return fmt.Errorf("create the operator: %w: %s", err, strings.TrimSpace(createErr.String()))
		}
		fresh = false // a kept -data directory from an earlier run
	}

	logPath := filepath.Join(work, "lightbox.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	server := exec.Command(bin, "serve")
	server.Env, server.Stdout, server.Stderr = env, logFile, logFile
	if err := server.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	defer func() {
		_ = server.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = server.Process.Kill()
			<-exited
		}
	}()
	if err := waitHealthy(ctx, base, exited); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}

	if fresh {
		fmt.Fprintln(out, "Seeding a project…")
		if err := seed(ctx, base, *photos, out); err != nil {
			return fmt.Errorf("seed: %w (log: %s)", err, logPath)
		}
	} else {
		fmt.Fprintln(out, "Using the data from an earlier run in", *dataDir)
	}
	fmt.Fprintf(out, `
Lightbox is running at %s

  Photographer (backoffice):  %s  /  %s
  Guest with a selfie:        %s  /  %s

%s and %s are invited too: their invitation emails are in the backoffice's
Outbox, with sign-up links you can open in a private window.
Server log: %s. Press Ctrl-C to stop.
`, base, operatorEmail, password, guests[0].email, password, guests[1].email, guests[2].email, logPath)

	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nStopping…")
		return nil
	case err := <-exited:
		exited <- err
		return fmt.Errorf("lightbox stopped: %v (log: %s)", err, logPath)
	}
}

// defaultAddr is the demo's address when none is asked for: not 8080, where
// `make run` listens.
const defaultAddr = "127.0.0.1:8090"

// chooseAddr checks that the asked-for address is free; with none asked
// for it takes defaultAddr or, when that is taken, a free loopback port,
// and says so.
func chooseAddr(addr string, out io.Writer) (string, error) {
	asked := addr != ""
	if !asked {
		addr = defaultAddr
	}
	l, err := net.Listen("tcp", addr)
	if err != nil && asked {
		return "", fmt.Errorf("%s is taken (%v); choose another with -addr or ADDR", addr, err)
	}
	if err != nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "%s is taken; using %s instead (choose one with -addr or ADDR)\n", addr, l.Addr())
	}
	addr = l.Addr().String()
	l.Close()
	return addr, nil
}

// seed creates the project, photos, packages and guests through the API,
// as the backoffice and the guest's phone would.
func seed(ctx context.Context, base string, n int, out io.Writer) error {
	op := &client{base: base}
	if err := op.login(ctx, operatorEmail); err != nil {
		return err
	}
	var project struct{ ID string }
	if err := op.call(ctx, "POST", "/v1/projects", map[string]any{
		"name": "Summer Garden Party", "date": "2026-06-21", "location": "Parc de la Tête d'Or, Lyon",
		"timezone": "Europe/Paris", "currency": "EUR",
	}, &project); err != nil {
		return err
	}
	p := "/v1/projects/" + project.ID
	for _, pkg := range []map[string]any{
		{"name": "Digital single", "kind": "single", "priceCents": 600},
		{"name": "Favourite five", "kind": "bundle", "photoCount": 5, "priceCents": 2000},
		{"name": "Every photo of you", "kind": "all", "priceCents": 3500},
	} {
		if err := op.call(ctx, "POST", p+"/packages", pkg, nil); err != nil {
			return err
		}
	}

	// The photos: one to four people each; Mia (person 1) in about a third.
	rng := rand.New(rand.NewPCG(7, 11))
	type file struct {
		Filename    string `json:"filename"`
		ContentType string `json:"contentType"`
		Size        int    `json:"size"`
	}
	var files []file
	var data [][]byte
	for i := range n {
		people := rng.Perm(6)[:1+rng.IntN(4)]
		if i%3 == 0 && !contains(people, 1) {
			people[0] = 1
		}
		jpg := scene.Photo(1600, 1067, uint64(i+1), people...)
		files = append(files, file{fmt.Sprintf("DSC_%04d.jpg", 2031+i), "image/jpeg", len(jpg)})
		data = append(data, jpg)
	}
	var created struct {
		Items []struct {
			ID     string `json:"id"`
			Upload upload `json:"upload"`
		} `json:"items"`
	}
	if err := op.call(ctx, "POST", p+"/photos", map[string]any{"files": files}, &created); err != nil {
		return err
	}
	for i, it := range created.Items {
		if err := op.put(ctx, it.Upload, data[i]); err != nil {
			return err
		}
		if err := op.call(ctx, "POST", p+"/photos/"+it.ID+"/complete", nil, nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  %d photos uploaded\n", n)

	var emails []string
	for _, g := range guests {
		emails = append(emails, fmt.Sprintf("%s <%s>", g.name, g.email))
	}
	if err := op.call(ctx, "POST", p+"/invites", map[string]any{"emails": emails}, nil); err != nil {
		return err
	}
	link, err := waitFor(ctx, 60*time.Second, func() (string, error) {
		var box struct {
			Items []struct{ To, Text string }
		}
		if err := op.call(ctx, "GET", "/v1/outbox", nil, &box); err != nil {
			return "", err
		}
		for _, m := range box.Items {
			if m.To == guests[0].email {
				return regexp.MustCompile(`https?://\S+/invite\?token=[\w-]+`).FindString(m.Text), nil
			}
		}
		return "", nil
	})
	if err != nil {
		return fmt.Errorf("the invitation email did not arrive: %w", err)
	}
	fmt.Fprintf(out, "  %d guests invited\n", len(guests))

	// Mia signs up from her invitation, agrees and takes a selfie.
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	mia := &client{base: base}
	var acc struct{ Token string }
	if err := mia.call(ctx, "POST", "/v1/invites/accept", map[string]string{"token": u.Query().Get("token"), "password": password, "name": guests[0].name}, &acc); err != nil {
		return err
	}
	mia.token = acc.Token
	if err := mia.call(ctx, "POST", "/v1/me/consent", map[string]bool{"faceMatching": true}, nil); err != nil {
		return err
	}
	selfie := scene.Selfie(720, 960, guests[0].person)
	var sf struct {
		ID     string `json:"id"`
		Upload upload `json:"upload"`
	}
	if err := mia.call(ctx, "POST", "/v1/selfies", map[string]any{"contentType": "image/jpeg", "size": len(selfie)}, &sf); err != nil {
		return err
	}
	if err := mia.put(ctx, sf.Upload, selfie); err != nil {
		return err
	}
	if err := mia.call(ctx, "POST", "/v1/selfies/"+sf.ID+"/complete", nil, nil); err != nil {
		return err
	}

	// Wait for the photos to be processed and Mia to be found in them.
	found, err := waitFor(ctx, 3*time.Minute, func() (string, error) {
		var st struct {
			Stats struct{ Ready, Failed, Tags int }
		}
		if err := op.call(ctx, "GET", p, nil, &st); err != nil {
			return "", err
		}
		if st.Stats.Ready+st.Stats.Failed < n || st.Stats.Tags == 0 {
			return "", nil
		}
		// Done when nothing but the (deliberately delayed) tag email waits.
		var health struct {
			Queue struct{ ByKind map[string]int }
		}
		if err := op.call(ctx, "GET", "/v1/health", nil, &health); err != nil {
			return "", err
		}
		for kind, n := range health.Queue.ByKind {
			if n > 0 && kind != "notify_user_tagged" {
				return "", nil
			}
		}
		var mine struct{ Items []json.RawMessage }
		if err := mia.call(ctx, "GET", p+"/my-photos", nil, &mine); err != nil {
			return "", err
		}
		if len(mine.Items) == 0 {
			return "", nil
		}
		return fmt.Sprint(len(mine.Items)), nil
	})
	if err != nil {
		return fmt.Errorf("face matching did not finish: %w", err)
	}
	fmt.Fprintf(out, "  %s signed up; found in %s photos\n", guests[0].name, found)
	return nil
}

// client calls the JSON API with a bearer token.
type client struct {
	base, token string
}

func (c *client) login(ctx context.Context, email string) error {
	var out struct{ Token string }
	if err := c.call(ctx, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}, &out); err != nil {
		return err
	}
	c.token = out.Token
	return nil
}

func (c *client) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type upload struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// put sends a file to a presigned upload, as a browser does: the embedded
// store's upload URLs are relative to the server.
func (c *client) put(ctx context.Context, up upload, data []byte) error {
	base, err := url.Parse(c.base)
	if err != nil {
		return err
	}
	target, err := base.Parse(up.URL)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, up.Method, target.String(), bytes.NewReader(data))
	if err != nil {
		return err
	}
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upload: status %d", resp.StatusCode)
	}
	return nil
}

func waitHealthy(ctx context.Context, base string, exited chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("lightbox exited at start: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
		resp, err := http.Get(base + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return errors.New("lightbox did not become healthy within 30s")
}

// waitFor polls check until it returns a non-empty result.
func waitFor(ctx context.Context, limit time.Duration, check func() (string, error)) (string, error) {
	deadline := time.Now().Add(limit)
	for {
		v, err := check()
		if err != nil || v != "" {
			return v, err
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("gave up after %s", limit)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// moduleRoot finds the directory of go.mod from the working directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the demo from inside the Lightbox source tree (no go.mod found)")
		}
		dir = parent
	}
}

func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
