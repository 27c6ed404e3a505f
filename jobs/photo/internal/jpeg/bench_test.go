package jpeg

import (
	"bytes"
	"fmt"
	stdjpeg "image/jpeg"
	"testing"
)

// BenchmarkDecode decodes a 24 MP photo-like 4:2:0 JPEG (quality 92) with
// image/jpeg and with DecodeScaled at every scale.
func BenchmarkDecode(b *testing.B) {
	src := encode(b, photo(6000, 4000), 92)
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if _, err := stdjpeg.Decode(bytes.NewReader(src)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, s := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("scale-1/%d", s), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := DecodeScaled(bytes.NewReader(src), Options{Scale: s}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
