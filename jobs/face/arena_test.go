package face

import (
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
)

// TestArenaRecycles checks that a second run of the detector reuses the
// first run's buffers, that the values the first run returned survive the
// second, and that both give the same values.
func TestArenaRecycles(t *testing.T) {
	e := mustEngine(t)
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // a collection would empty the pool
	in := pattern(2.0/255, -1, 1, 256, 256, 3)
	run := func() []*tensor {
		outs, err := e.det.g.run(map[string]*tensor{e.det.input: in}, e.det.heads[:]...)
		if err != nil {
			t.Fatal(err)
		}
		return outs
	}
	first := run()
	saved := make([][]float32, len(first))
	for i, o := range first {
		saved[i] = slices.Clone(o.data)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	second := run()
	runtime.ReadMemStats(&after)
	for i := range first {
		if !slices.Equal(first[i].data, saved[i]) {
			t.Fatalf("output %d of the first run was overwritten by the second", i)
		}
		if !slices.Equal(second[i].data, saved[i]) {
			t.Fatalf("output %d differs between runs", i)
		}
	}
	// The activations of a 256×256 run add up to about 38 MB. Under the
	// race detector sync.Pool drops items at random.
	if got := after.TotalAlloc - before.TotalAlloc; raceEnabled {
		t.Logf("second run allocated %d bytes", got)
	} else if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("second run allocated %d bytes, want under 4 MiB", got)
	}
}
