package jpeg

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeScaled feeds arbitrary bytes to DecodeScaled at every scale,
// seeded with every test file: it must not panic, must refuse frames over
// MaxPixels with a LimitError, and any image it returns has the scaled size
// of the frame DecodeConfig reads. More seeds are in
// testdata/fuzz/FuzzDecodeScaled.
func FuzzDecodeScaled(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.jpeg")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(1))
	}
	const maxPixels = 1 << 20
	f.Fuzz(func(t *testing.T, b []byte, s uint8) {
		scale := 1 << (s % 4)
		img, err := DecodeScaled(bytes.NewReader(b), Options{Scale: scale, MaxPixels: maxPixels})
		cfg, cerr := DecodeConfig(bytes.NewReader(b))
		var limit LimitError
		if errors.As(err, &limit) && cerr == nil && cfg.Width*cfg.Height <= maxPixels {
			t.Fatalf("refused %dx%d as over the limit", cfg.Width, cfg.Height)
		}
		if err != nil {
			return
		}
		if cerr != nil {
			t.Fatalf("decoded, but DecodeConfig failed: %v", cerr)
		}
		if cfg.Width*cfg.Height > maxPixels {
			t.Fatalf("decoded a %dx%d frame over the limit", cfg.Width, cfg.Height)
		}
		w, h := ScaledSize(cfg.Width, cfg.Height, scale)
		if w == 0 || h == 0 {
			w, h = 0, 0 // a frame without pixels decodes as an empty image
		}
		if got := img.Bounds(); got.Dx() != w || got.Dy() != h {
			t.Fatalf("decoded %v at 1/%d, want %dx%d", got, scale, w, h)
		}
	})
}
