package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lightbox/jobs/face/models"
)

func env(m map[string]string) getenvFunc { return func(k string) string { return m[k] } }

func TestRunCommands(t *testing.T) {
	dir := t.TempDir()
	e := env(map[string]string{"DATA_DIR": dir})
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{"version", []string{"version"}, "", "lightbox"},
		{"migrate", []string{"migrate"}, "", "schema version"},
		{"operator create", []string{"operator", "create", "--email", "Op@Example.com", "--password", "a long password"}, "", "operator op@example.com created"},
		{"operator exists", []string{"operator", "create", "--email", "op@example.com", "--password", "a long password"}, "already exists", ""},
		{"operator bad email", []string{"operator", "create", "--email", "nope", "--password", "a long password"}, "not a valid email", ""},
		{"operator short password", []string{"operator", "create", "--email", "x@example.com", "--password", "short"}, "at least 10", ""},
		{"backup needs a target", []string{"backup"}, "--to", ""},
		{"backup", []string{"backup", "--to", filepath.Join(dir, "copy.db")}, "", "backup written"},
		{"backup refuses to overwrite", []string{"backup", "--to", filepath.Join(dir, "copy.db")}, "already exists", ""},
		{"restore", []string{"restore", "--data-dir", filepath.Join(dir, "restored"), "--from", filepath.Join(dir, "copy.db")}, "", "restored"},
		{"unknown", []string{"frobnicate"}, "unknown command", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, e, &out, &errOut)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("output %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
	// The restored database has the operator.
	var out bytes.Buffer
	err := run(context.Background(), []string{"operator", "create", "--data-dir", filepath.Join(dir, "restored"), "--email", "op@example.com", "--password", "a long password"}, e, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restored database lacks the operator: %v", err)
	}
}

func TestBadConfigNamesTheVariable(t *testing.T) {
	tests := map[string]map[string]string{
		"R2_SECRET_ACCESS_KEY":  {"R2_ACCESS_KEY_ID": "k", "R2_BUCKET_NAME": "b", "R2_ACCOUNT_ID": "a"},
		"EMAIL_FROM":            {"RESEND_API_KEY": "re_123"},
		"PUBLIC_URL":            {"PUBLIC_URL": "not a url"},
		"STRIPE_WEBHOOK_SECRET": {"STRIPE_SECRET_KEY": "sk", "STRIPE_PUBLISHABLE_KEY": "pk"},
		"RETINA_SERVICE_URL":    {"RETINA_SERVICE_URL": "::nope"},
		"LOG_FORMAT":            {"LOG_FORMAT": "xml"},
		"FACE_ENGINE":           {"FACE_ENGINE": "cnn"},
	}
	for variable, vars := range tests {
		t.Run(variable, func(t *testing.T) {
			vars["DATA_DIR"] = t.TempDir()
			var out bytes.Buffer
			err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env(vars), &out, &out)
			if err == nil || !strings.Contains(err.Error(), variable) {
				t.Fatalf("error %v, want one naming %s", err, variable)
			}
		})
	}
}

func TestServeStartsAndStops(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out safeBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", addr}, env(map[string]string{"DATA_DIR": t.TempDir()}), &out, &out)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("health: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A fresh install prints a setup link; it creates the first operator.
	m := regexp.MustCompile(`setup_link=(http://\S+/setup/(\S+))`).FindStringSubmatch(out.String())
	if m == nil || !strings.HasPrefix(m[1], "http://localhost:") {
		t.Fatalf("no setup link at PUBLIC_URL in the startup log:\n%s", out.String())
	}
	if resp, err := http.Get("http://" + addr + "/setup/" + m[2]); err != nil || resp.StatusCode != 200 {
		t.Fatalf("setup link: %v %v", resp, err)
	}
	body := `{"token":"` + m[2] + `","email":"studio@example.com","password":"a long password"}`
	resp, err := http.Post("http://"+addr+"/v1/setup", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("setup: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	log := out.String()
	faces := "face matching: off" // a binary built without the models
	if _, ok := models.FS(); ok {
		faces = "face matching: embedded default (built-in engine)"
	}
	for _, part := range []string{"storage: embedded default", "email: embedded default", "payments: embedded default", faces, "built from PUBLIC_URL", "stopped"} {
		if !strings.Contains(log, part) {
			t.Errorf("startup/shutdown log lacks %q:\n%s", part, log)
		}
	}
}

// The binary must be static: built with CGO_ENABLED=0, as the Makefile does.
func TestBinaryHasNoCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "lightbox")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "CGO_ENABLED=0") {
		t.Fatalf("go version -m does not show CGO_ENABLED=0:\n%s", out)
	}
}
