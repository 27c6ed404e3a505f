package main

import (
	"io"
	"log/slog"
	"testing"

	"lightbox/jobs/face/models"
	"lightbox/store"
)

// TestFaceMatchingIsChosenOnce: the configuration picks one matcher, and
// only the built-in engine indexes photos.
func TestFaceMatchingIsChosenOnce(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	builtin := ""
	if _, ok := models.FS(); ok {
		builtin = store.EngineBuiltin
	}
	for _, c := range []struct {
		name    string
		cfg     Config
		engine  string
		indexes bool
	}{
		{"retina", Config{RetinaURL: "http://127.0.0.1:1", RetinaAPIKey: "k"}, store.EngineRetina, false},
		{"off", Config{FaceEngine: "off"}, "", false},
		{"default", Config{}, builtin, builtin != ""},
	} {
		m, err := faceMatching(c.cfg, log)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.Engine() != c.engine || m.Indexes() != c.indexes {
			t.Errorf("%s: engine %q indexing %v, want %q %v", c.name, m.Engine(), m.Indexes(), c.engine, c.indexes)
		}
	}
}
