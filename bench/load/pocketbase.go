package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"lightbox/bench/internal/server"
)

// pocketBaseTokens is what the peer's seed command writes.
type pocketBaseTokens struct {
	Users     []string `json:"users"`
	UserIDs   []string `json:"userIds"`
	Superuser string   `json:"superuser"`
}

// startPocketBase builds the PocketBase peer (its own module in dir),
// seeds it with the same number of users and records and runs it; stop
// shuts it down.
func startPocketBase(ctx context.Context, o options, dir, work string, upload []byte, log io.Writer) (t target, stop func(), err error) {
	if err := os.MkdirAll(work, 0o750); err != nil {
		return t, nil, err
	}
	bin := filepath.Join(work, "pocketbase")
	fmt.Fprintln(log, "pocketbase: building (its own module; the first build downloads PocketBase)")
	if err := server.Build(ctx, dir, bin, []string{"GOFLAGS=-mod=mod"}, "-trimpath"); err != nil {
		return t, nil, err
	}
	version, err := requiredVersion(filepath.Join(dir, "go.mod"), "github.com/pocketbase/pocketbase")
	if err != nil {
		return t, nil, err
	}
	addr, err := server.FreeAddr()
	if err != nil {
		return t, nil, err
	}
	base := "http://" + addr
	dataDir := filepath.Join(work, "data")
	tokPath := filepath.Join(work, "tokens.json")
	fmt.Fprintf(log, "pocketbase: seeding %d users with %d records each\n", o.attendees, o.perAttendee)
	seed := exec.CommandContext(ctx, bin, "seed", "--dir", dataDir, "--users", strconv.Itoa(o.attendees), "--per-user", strconv.Itoa(o.perAttendee),
		"--base", base, "--out", tokPath)
	seed.Stdout, seed.Stderr = log, log
	if err := seed.Run(); err != nil {
		return t, nil, fmt.Errorf("seed: %w", err)
	}
	b, err := os.ReadFile(tokPath)
	if err != nil {
		return t, nil, err
	}
	var toks pocketBaseTokens
	if err := json.Unmarshal(b, &toks); err != nil {
		return t, nil, err
	}
	if len(toks.Users) != o.attendees {
		return t, nil, fmt.Errorf("seed made %d users, want %d", len(toks.Users), o.attendees)
	}
	srv, err := server.Start(ctx, bin, []string{"serve", "--dir", dataDir, "--http", addr}, nil, filepath.Join(work, "pocketbase.log"), base+"/api/health")
	if err != nil {
		return t, nil, err
	}

	// One page of the user's own records, without the total count (Lightbox's
	// lists do not count either).
	list := base + "/api/collections/photos/records?perPage=" + strconv.Itoa(o.perAttendee) + "&skipTotal=1"
	t = target{name: "PocketBase", version: version, pid: srv.PID(), want: o.perAttendee,
		list: func(i int) (*http.Request, error) {
			req, err := http.NewRequest("GET", list, nil)
			if err == nil {
				req.Header.Set("Authorization", toks.Users[i])
			}
			return req, err
		},
		ingest: func(ctx context.Context, c *http.Client, worker, n int) error {
			return pocketBaseIngest(ctx, c, base, toks, upload, o.ingestSize, worker, n)
		},
	}
	return t, srv.Stop, nil
}

// requiredVersion is the version of module mod that go.mod requires.
func requiredVersion(gomod, mod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == mod || (f[0] == "require" && len(f) >= 3 && f[1] == mod)) {
			return f[len(f)-1], nil
		}
	}
	return "", fmt.Errorf("%s does not require %s", gomod, mod)
}

// pocketBaseIngest creates one photo record with the file attached, as the
// superuser, for one of the users.
func pocketBaseIngest(ctx context.Context, c *http.Client, base string, toks pocketBaseTokens, data []byte, size string, worker, n int) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	name := fmt.Sprintf("W%d_%05d.jpg", worker, n)
	w, h, _ := strings.Cut(size, "x")
	urls, _ := json.Marshal(map[string]string{"thumb400": base + "/" + name, "thumb800": base + "/" + name, "watermarked": base + "/" + name})
	for k, v := range map[string]string{"owner": toks.UserIDs[(worker*7919+n)%len(toks.UserIDs)], "filename": name, "status": "ready",
		"width": w, "height": h, "urls": string(urls)} {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("original", name)
	if err != nil {
		return err
	}
	fw.Write(data)
	if err := mw.Close(); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/collections/photos/records", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", toks.Superuser)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return server.CheckStatus(resp, http.StatusOK)
}
