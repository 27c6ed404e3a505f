//go:build race

package face

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
