package jpeg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	stdjpeg "image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// encDiv is image/jpeg's quantizer: a/b rounded to the nearest integer,
// halves away from zero.
func encDiv(a, b int32) int32 {
	if a >= 0 {
		return (a + (b >> 1)) / b
	}
	return -((-a + (b >> 1)) / b)
}

// TestEncodeQuantizeMatchesDivide checks the reciprocal against the divide
// for every quantizer value and every coefficient within ±2¹⁶ (the FDCT's
// outputs stay within ±2¹⁵).
func TestEncodeQuantizeMatchesDivide(t *testing.T) {
	for q := 1; q <= 255; q++ {
		r := encNewRecip(uint8(q))
		d := 8 * int32(q)
		for v := int32(-1 << 16); v <= 1<<16; v++ {
			if got, want := r.quantize(v), encDiv(v, d); got != want {
				t.Fatalf("q=%d v=%d: got %d, want %d", q, v, got, want)
			}
		}
	}
}

// TestEncodeCoefficients quantizes the FDCT of random blocks and of every
// luma block of a real photo with the tables of several qualities, by
// reciprocal and by divide.
func TestEncodeCoefficients(t *testing.T) {
	f, err := os.ReadFile("testdata/video-001.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	img, err := stdjpeg.Decode(bytes.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	ycc := img.(*image.YCbCr)
	var blocks []block
	for y := 0; y+8 <= ycc.Rect.Dy(); y += 8 {
		for x := 0; x+8 <= ycc.Rect.Dx(); x += 8 {
			var b block
			for i := range b {
				b[i] = int32(ycc.Y[ycc.YOffset(x+i%8, y+i/8)])
			}
			blocks = append(blocks, b)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var b block
		lo, span := rng.Int32N(256), rng.Int32N(257)
		for i := range b {
			b[i] = min(lo+rng.Int32N(span+1), 255)
		}
		blocks = append(blocks, b)
	}
	for _, quality := range []int{1, 25, 50, 82, 85, 90, 95, 100} {
		var e encWriter
		e.init(quality)
		for _, src := range blocks {
			b := src
			fdct(&b)
			for c := range e.quant {
				for zig := range blockSize {
					v := b[unzig[zig]]
					got := e.recip[c][zig].quantize(v)
					if want := encDiv(v, 8*int32(e.quant[c][zig])); got != want {
						t.Fatalf("quality %d table %d zig %d: %d quantized to %d, want %d",
							quality, c, zig, v, got, want)
					}
				}
			}
		}
	}
}

// TestEncodeColorConversion: encRGB is color.RGBToYCbCr for every colour.
func TestEncodeColorConversion(t *testing.T) {
	var tab encRGB
	tab.init()
	for c := range 1 << 24 {
		r, g, b := uint8(c>>16), uint8(c>>8), uint8(c)
		y0, cb0, cr0 := color.RGBToYCbCr(r, g, b)
		if y, cb, cr := tab.convert(r, g, b); y != y0 || cb != cb0 || cr != cr0 {
			t.Fatalf("RGB %d,%d,%d: YCbCr %d,%d,%d, want %d,%d,%d", r, g, b, y, cb, cr, y0, cb0, cr0)
		}
	}
}

// encTestKinds are the image kinds Encode handles: every type with a path
// of its own, others through At, and sub-images whose bounds do not start
// at the origin, at odd and even offsets (a 4:2:0 image at an odd offset
// takes the general path).
var encTestKinds = []string{
	"rgba", "nrgba", "nrgba-translucent", "gray", "cmyk", "paletted",
	"ycbcr-420", "ycbcr-422", "ycbcr-440", "ycbcr-444", "ycbcr-411", "ycbcr-410",
	"rgba-sub1", "rgba-sub2", "gray-sub1", "gray-sub2", "ycbcr-420-sub1", "ycbcr-420-sub2",
}

// encTestImage returns p as an image of the given kind.
func encTestImage(p *image.RGBA, kind string) image.Image {
	b := p.Bounds()
	each := func(f func(x, y int, c color.RGBA)) {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				f(x, y, p.RGBAAt(x, y))
			}
		}
	}
	if base, ok := strings.CutSuffix(kind, "-sub1"); ok {
		return encSubImage(encTestImage(p, base), 1)
	}
	if base, ok := strings.CutSuffix(kind, "-sub2"); ok {
		return encSubImage(encTestImage(p, base), 2)
	}
	switch kind {
	case "rgba":
		return p
	case "nrgba", "nrgba-translucent":
		m := image.NewNRGBA(b)
		each(func(x, y int, c color.RGBA) {
			a := uint8(255)
			if kind == "nrgba-translucent" {
				a = uint8(x*7 + y*3)
			}
			m.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, a})
		})
		return m
	case "gray":
		m := image.NewGray(b)
		each(func(x, y int, c color.RGBA) { m.Set(x, y, c) })
		return m
	case "cmyk":
		m := image.NewCMYK(b)
		each(func(x, y int, c color.RGBA) { m.Set(x, y, c) })
		return m
	case "paletted":
		m := image.NewPaletted(b, palette.Plan9)
		each(func(x, y int, c color.RGBA) { m.SetColorIndex(x, y, c.R^c.B) })
		return m
	}
	ratios := map[string]image.YCbCrSubsampleRatio{
		"ycbcr-420": image.YCbCrSubsampleRatio420, "ycbcr-422": image.YCbCrSubsampleRatio422,
		"ycbcr-440": image.YCbCrSubsampleRatio440, "ycbcr-444": image.YCbCrSubsampleRatio444,
		"ycbcr-411": image.YCbCrSubsampleRatio411, "ycbcr-410": image.YCbCrSubsampleRatio410,
	}
	r, ok := ratios[kind]
	if !ok {
		panic("unknown image kind " + kind)
	}
	m := image.NewYCbCr(b, r)
	each(func(x, y int, c color.RGBA) {
		yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
		m.Y[m.YOffset(x, y)] = yy
		// The last pixel of each chroma sample's area wins.
		m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = cb, cr
	})
	return m
}

// encSubImage crops off image's first off lines and columns and its last
// line (nothing if it is too small for that).
func encSubImage(m image.Image, off int) image.Image {
	b := m.Bounds()
	if b.Dx() <= 3 || b.Dy() <= 3 {
		return m
	}
	r := image.Rect(b.Min.X+off, b.Min.Y+off, b.Max.X, b.Max.Y-1)
	return m.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

func encOurs(t testing.TB, m image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, m, &EncodeOptions{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEncodeMatchesStdlib: Encode writes image/jpeg's bytes for every image
// kind, at odd and whole-MCU sizes and every quality the pipeline uses.
func TestEncodeMatchesStdlib(t *testing.T) {
	sizes := []image.Point{{1, 1}, {2, 2}, {17, 9}, {9, 17}, {16, 16}, {33, 31}, {64, 48}, {101, 67}}
	qualities := []int{0, 1, 50, 75, 82, 85, 90, 95, 100}
	for _, s := range sizes {
		p := photo(s.X, s.Y)
		for _, name := range encTestKinds {
			m := encTestImage(p, name)
			for _, q := range qualities {
				got, want := encOurs(t, m, q), encode(t, m, q)
				if !bytes.Equal(got, want) {
					t.Errorf("%s %dx%d quality %d: %d bytes differ from image/jpeg's %d (first at %d)",
						name, s.X, s.Y, q, len(got), len(want), encFirstDiff(got, want))
				}
			}
		}
	}
}

// TestEncodeLarge: a preview-sized photo, as the pipeline passes it (RGBA)
// and as decoded JPEGs (4:2:0 YCbCr, gray), is image/jpeg's bytes, more
// than one flush long, with 0xFF bytes stuffed, and decodes to its size.
func TestEncodeLarge(t *testing.T) {
	p := photo(2048, 1365)
	for _, name := range []string{"rgba", "ycbcr-420", "gray"} {
		m := encTestImage(p, name)
		for _, q := range []int{85} {
			got, want := encOurs(t, m, q), encode(t, m, q)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s quality %d: %d bytes differ from image/jpeg's %d (first at %d)",
					name, q, len(got), len(want), encFirstDiff(got, want))
			}
			if len(got) <= encFlushSize {
				t.Errorf("%s quality %d: %d bytes, want more than one flush", name, q, len(got))
			}
			if !bytes.Contains(got, []byte{0xff, 0x00}) {
				t.Errorf("%s quality %d: no stuffed 0xFF byte", name, q)
			}
			img, err := stdjpeg.Decode(bytes.NewReader(got))
			if err != nil || img.Bounds() != image.Rect(0, 0, 2048, 1365) {
				t.Errorf("%s quality %d: image/jpeg decodes it with %v", name, q, err)
			}
		}
	}
}

// TestEncodeDefaults: nil options mean quality 75; an empty image is the
// same headers as image/jpeg writes; too large an image is refused.
func TestEncodeDefaults(t *testing.T) {
	m := photo(40, 30)
	var buf bytes.Buffer
	if err := Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := stdjpeg.Encode(&want, m, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want.Bytes()) {
		t.Error("nil options: output differs from image/jpeg's")
	}
	for _, e := range []image.Image{image.NewRGBA(image.Rect(0, 0, 0, 0)), image.NewGray(image.Rect(0, 0, 5, 0))} {
		if got, want := encOurs(t, e, 80), encode(t, e, 80); !bytes.Equal(got, want) {
			t.Errorf("empty %T: output differs from image/jpeg's", e)
		}
	}
	big := &image.Gray{Rect: image.Rect(0, 0, 1<<16, 1)}
	if err := Encode(&bytes.Buffer{}, big, nil); err == nil {
		t.Error("65536 pixels wide: no error")
	}
}

type encFailingWriter struct{ n int }

func (w *encFailingWriter) Write(p []byte) (int, error) {
	if w.n--; w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestEncodeWriteError: the first write error is returned, and nothing is
// written after it.
func TestEncodeWriteError(t *testing.T) {
	m := photo(1024, 768)
	for _, n := range []int{0, 1} {
		w := &encFailingWriter{n: n}
		if err := Encode(w, m, &EncodeOptions{Quality: 95}); err == nil || err.Error() != "disk full" {
			t.Errorf("failing after %d writes: error %v", n, err)
		}
		if w.n != -1 {
			t.Errorf("failing after %d writes: %d writes after the error", n, -1-w.n)
		}
	}
}

func encFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkEncode encodes a 2048×1365 photo-like image (the preview size)
// at the preview's quality with image/jpeg and with Encode, as the pipeline
// passes it (RGBA) and as a decoded JPEG (4:2:0 YCbCr). It also reports the
// process's CPU time per encode ("cpu-ms/op"), which a busy machine
// disturbs less than wall time.
func BenchmarkEncode(b *testing.B) {
	p := photo(2048, 1365)
	for _, kind := range []string{"rgba", "ycbcr-420"} {
		m := encTestImage(p, kind)
		encoders := []struct {
			name   string
			encode func(io.Writer) error
		}{
			{"stdlib", func(w io.Writer) error { return stdjpeg.Encode(w, m, &stdjpeg.Options{Quality: 85}) }},
			{"lightbox", func(w io.Writer) error { return Encode(w, m, &EncodeOptions{Quality: 85}) }},
		}
		for _, enc := range encoders {
			b.Run(kind+"/"+enc.name, func(b *testing.B) {
				var buf bytes.Buffer
				start := encProcessCPU()
				for b.Loop() {
					buf.Reset()
					if err := enc.encode(&buf); err != nil {
						b.Fatal(err)
					}
				}
				if cpu := encProcessCPU() - start; cpu > 0 {
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
				}
				b.SetBytes(int64(buf.Len()))
			})
		}
	}
}
