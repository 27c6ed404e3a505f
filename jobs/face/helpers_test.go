package face

import (
	"sync"
	"testing"

	"lightbox/jobs/face/facetest"
)

// needModels returns the models folder; without it the test is skipped,
// except under CI, where it fails.
func needModels(tb testing.TB) string {
	tb.Helper()
	return facetest.ModelDir(tb)
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

// readSample returns the bytes of sampleN.jpg.
func readSample(tb testing.TB, n int) []byte {
	tb.Helper()
	return facetest.Sample(tb, n)
}
