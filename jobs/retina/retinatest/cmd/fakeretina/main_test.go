package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lightbox/jobs/retina"
	"lightbox/jobs/retina/retinatest"
)

// start runs the fake on a free port and returns the URL it prints.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw)
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "RETINA_SERVICE_URL="); ok {
				urls <- u
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		if !ok {
			t.Fatalf("the fake stopped before printing RETINA_SERVICE_URL: %v", <-done)
		}
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("the fake printed no RETINA_SERVICE_URL")
	}
	return ""
}

func TestServesAnalyzeAndDrawsSelfies(t *testing.T) {
	const latency = 25 * time.Millisecond
	url := start(t, "-key", "k1", "-latency", latency.String())
	file := filepath.Join(t.TempDir(), "me.jpg")
	if err := run(context.Background(), []string{"-selfie", "4", file}, io.Discard); err != nil {
		t.Fatal(err)
	}
	jpg, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	c := retina.New(url, "k1", retina.WithRetries(0, 0))
	began := time.Now()
	a, err := c.Analyze(context.Background(), jpg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < latency {
		t.Errorf("call took %v, want at least the %v latency", took, latency)
	}
	if !a.Approved() || !slices.Equal(a.Embedding, retinatest.Embedding(4)) {
		t.Errorf("selfie of person 4: approved %v, score %v, reason %q", a.Approved(), a.Score, a.RejectionReason)
	}
	var photos []retina.Photo
	for _, people := range []string{"4,7", "2"} {
		file := filepath.Join(t.TempDir(), "party.jpg")
		if err := run(context.Background(), []string{"-photo", people, file}, io.Discard); err != nil {
			t.Fatal(err)
		}
		jpg, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		photos = append(photos, retina.Photo{ID: "with-" + people, JPEG: jpg})
	}
	cl, err := c.Cluster(context.Background(), jpg, photos)
	if err != nil {
		t.Fatal(err)
	}
	if got := cl.Matches(); !slices.Equal(got, []string{"with-4,7"}) {
		t.Errorf("person 4 found in %q, want only the photo of 4 and 7", got)
	}
	if _, err := retina.New(url, "wrong", retina.WithRetries(0, 0)).Analyze(context.Background(), jpg); !retina.IsPermanent(err) {
		t.Errorf("wrong key: %v, want a permanent error", err)
	}
}

func TestRefusesUnknownPeople(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"-selfie", "12"}, {"-photo", "1,x"}, {"-photo", "-1"}, {"stray"}} {
		if err := run(context.Background(), append(args, filepath.Join(dir, "out.jpg")), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
