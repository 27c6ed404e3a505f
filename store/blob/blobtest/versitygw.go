package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lightbox/store/blob"
)

// installHint tells how to get the S3 test server.
const installHint = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// StartS3 starts a versitygw S3 server (posix backend) on a free loopback
// port with its data in tb.TempDir(), waits until it answers, creates a
// fresh bucket and returns the configuration to reach it. The server stops
// when the test ends. Without the versitygw binary the test is skipped, or
// fails when the CI environment variable is set.
func StartS3(tb testing.TB) blob.S3Config {
	tb.Helper()
	bin := findVersitygw()
	if bin == "" {
		msg := "blobtest: versitygw not found in PATH or GOPATH/bin; install it with: " + installHint
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	cfg := blob.S3Config{Region: "auto", AccessKeyID: "lightbox-" + randHex(4), SecretAccessKey: randHex(20)}
	var errs []error
	for range 3 { // a port picked as free can be taken before versitygw binds it
		addr, err := freeAddr()
		if err != nil {
			tb.Fatalf("blobtest: %v", err)
		}
		cfg.Endpoint = "http://" + addr
		err = startVersitygw(tb, bin, addr, cfg)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			err = createBucket(ctx, &cfg)
			cancel()
			if err == nil {
				return cfg
			}
		}
		errs = append(errs, err)
	}
	tb.Fatalf("blobtest: cannot start versitygw: %v", errors.Join(errs...))
	return blob.S3Config{}
}

// startVersitygw runs the server and waits until it answers HTTP. The
// process is stopped in tb.Cleanup, also when this returns an error.
func startVersitygw(tb testing.TB, bin, addr string, cfg blob.S3Config) error {
	dir := tb.TempDir()
	root, meta := filepath.Join(dir, "root"), filepath.Join(dir, "meta")
	for _, d := range []string{root, meta} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	cmd := exec.Command(bin, "-a", cfg.AccessKeyID, "-s", cfg.SecretAccessKey, "-p", addr,
		"--region", cfg.Region, "--quiet", "posix", "--sidecar", meta, root)
	cmd.Env = cleanEnv()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		if cmd.Process.Signal(os.Interrupt) != nil {
			cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() && out.Len() > 0 {
			tb.Logf("versitygw output:\n%s", out)
		}
	})

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			return fmt.Errorf("versitygw exited (%v): %s", err, strings.TrimSpace(out.String()))
		default:
		}
		if resp, err := client.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not answer on %s within 15s: %s", addr, strings.TrimSpace(out.String()))
}

// findVersitygw returns the binary's path from PATH or GOPATH/bin, or "".
func findVersitygw() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		gopath = build.Default.GOPATH
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// cleanEnv is the environment without the variables that configure
// versitygw or AWS clients, so only the command line counts.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VGW_") && !strings.HasPrefix(kv, "ROOT_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// syncBuffer collects the server's output from its two pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Len returns the number of bytes written.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// String returns what was written.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
