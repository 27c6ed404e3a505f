// Package facetest finds what the built-in face engine's tests need: the
// model files fetched by scripts/fetch-face-models.sh and the sample
// photos of the npm package @vladmandic/face-api, downloaded at test time
// (they are not ours to commit). Without them a test is skipped, except
// under CI (env CI set), where it fails.
package facetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// SamplePackage ships the face photos the end-to-end tests use:
// sample1.jpg … sample6.jpg, 22 different people.
const SamplePackage = "@vladmandic/face-api@1.7.15"

// SampleFaces is the number of faces in each sample photo (sample1 … 6).
var SampleFaces = []int{3, 3, 3, 4, 5, 4}

// missing skips the test, or fails it under CI.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf(format, args...)
	}
	tb.Skipf(format, args...)
}

// ModelDir returns the folder holding the engine's models (jobs/face/models).
func ModelDir(tb testing.TB) string {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "models")
	if _, err := os.Stat(filepath.Join(dir, "faceres.json")); err != nil {
		missing(tb, "face models not found in jobs/face/models: run `make models` (%v)", err)
	}
	return dir
}

var samplesMu sync.Mutex

// SampleDir returns a folder holding sample1.jpg … sample6.jpg from
// SamplePackage, downloading it with npm into the user cache on first use.
func SampleDir(tb testing.TB) string {
	tb.Helper()
	dir, err := FetchSamples()
	if err != nil {
		missing(tb, "%v", err)
	}
	return dir
}

// FetchSamples is SampleDir for programs: it returns the folder or why the
// samples could not be fetched.
func FetchSamples() (string, error) {
	samplesMu.Lock()
	defer samplesMu.Unlock()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "lightbox-face-test", "face-api-1.7.15")
	if _, err := os.Stat(filepath.Join(dir, "sample6.jpg")); err == nil {
		return dir, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", fmt.Errorf("npm is needed to fetch %s: %v", SamplePackage, err)
	}
	tmp, err := os.MkdirTemp("", "lightbox-face-samples-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	pack := exec.Command("npm", "pack", "--silent", SamplePackage)
	pack.Dir = tmp
	if out, err := pack.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm pack %s: %v\n%s", SamplePackage, err, out)
	}
	tgz, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgz) != 1 {
		return "", fmt.Errorf("npm pack %s wrote %v", SamplePackage, tgz)
	}
	args := []string{"-xzf", tgz[0], "-C", tmp}
	for i := 1; i <= 6; i++ {
		args = append(args, fmt.Sprintf("package/demo/sample%d.jpg", i))
	}
	if out, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("extract samples: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	staged := dir + ".tmp"
	os.RemoveAll(staged)
	if err := os.Rename(filepath.Join(tmp, "package", "demo"), staged); err != nil {
		return "", err
	}
	return dir, os.Rename(staged, dir)
}

// Sample returns the bytes of sampleN.jpg.
func Sample(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(SampleDir(tb), fmt.Sprintf("sample%d.jpg", n)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
