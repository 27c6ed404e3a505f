package jpeg

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// psnrFloor is the least PSNR (dB, over R, G and B, or for a YCbCr file
// the lowest of its Y, Cb and Cr planes, each at its own resolution) a
// reduced-scale decode of the named file must reach against a full decode
// box-averaged by the same factor. A reduced IDCT keeps the block's lowest frequencies, which is
// a box average only for the DC term, so detailed content differs more:
//   - photo-like files at quality 92 (what cameras make): 38 dB at 1/2, the
//     scale a 24 MP photo is decoded at, 35 dB at 1/4 and 1/8, 30 dB when
//     the image is only a few blocks, where edge blocks dominate;
//   - the standard library's 150×103 video frames (fine detail, mostly
//     quality 50): 29 dB, 25 dB for 4:1:1 and 4:1:0, whose chroma is a
//     quarter of luma's width.
//
// A misplaced block or a wrong coefficient scale gives under 20 dB.
func psnrFloor(name string, scale int) float64 {
	switch {
	case strings.HasSuffix(name, "-17x9") && scale == 8 && !strings.HasPrefix(name, "grey-"):
		// Two chroma samples, each the mean of a 16×16 block of which
		// the picture holds 9 rows or fewer: the rest is the encoder's
		// padding, which the reference's mean leaves out.
		return 24
	case strings.HasSuffix(name, "-17x9"):
		return 30
	case strings.HasPrefix(name, "photo-"), strings.HasPrefix(name, "grey-"):
		if scale == 2 {
			return 38
		}
		return 35
	case strings.Contains(name, ".410") || strings.Contains(name, ".411"):
		return 25
	}
	return 29
}

// samples are the test files: every JPEG kind the decoder reads.
func samples(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob("testdata/*.jpeg")
	if err != nil || len(names) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	m := map[string][]byte{}
	for _, n := range names {
		if strings.Contains(n, "truncated") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(n)] = b
	}
	// Bigger and odd-sized files from the standard encoder (4:2:0 and
	// grey), with and without restart markers added.
	for _, s := range [][2]int{{17, 9}, {601, 399}, {1000, 664}} {
		m[sizeName("photo", s)] = encode(t, photo(s[0], s[1]), 92)
		m[sizeName("grey", s)] = encode(t, grey(photo(s[0], s[1])), 92)
	}
	// Quality 100: long codes and coefficients whose extra bits do not fit
	// in the fast tables' look-up.
	m["photo-q100-320x200"] = encode(t, photo(320, 200), 100)
	return m
}

func sizeName(kind string, s [2]int) string {
	return kind + "-" + itoa(s[0]) + "x" + itoa(s[1])
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// photo is a photo-like test image: gradients, edges and grain.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := rng.IntN(17) - 8
			r := 255 * x / w
			g := 255 * y / h
			b := 128 + int(100*math.Sin(float64(x+y)/23))
			if (x/37+y/29)%2 == 0 {
				r, b = b, r
			}
			m.SetRGBA(x, y, color.RGBA{clamp(r + n), clamp(g + n), clamp(b + n), 255})
		}
	}
	return m
}

func grey(m *image.RGBA) *image.Gray {
	g := image.NewGray(m.Bounds())
	for y := 0; y < m.Rect.Dy(); y++ {
		for x := 0; x < m.Rect.Dx(); x++ {
			g.Set(x, y, m.At(x, y))
		}
	}
	return g
}

func clamp(v int) uint8 { return uint8(max(0, min(255, v))) }

func encode(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDecodeMatchesStdlib: at scale 1 the decoder is image/jpeg's, pixel
// for pixel.
func TestDecodeMatchesStdlib(t *testing.T) {
	for name, b := range samples(t) {
		want, err := stdjpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: image/jpeg: %v", name, err)
		}
		got, err := DecodeScaled(bytes.NewReader(b), Options{Scale: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p := psnr(rgba(want), rgba(got)); !math.IsInf(p, 1) {
			t.Errorf("%s: differs from image/jpeg (PSNR %.1f dB)", name, p)
		}
	}
}

// TestDecodeScaled compares each reduced-scale decode with a full decode
// box-averaged by the same factor.
func TestDecodeScaled(t *testing.T) {
	for name, b := range samples(t) {
		full, err := DecodeScaled(bytes.NewReader(b), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range []int{2, 4, 8} {
			got, err := DecodeScaled(bytes.NewReader(b), Options{Scale: s})
			if err != nil {
				t.Fatalf("%s at 1/%d: %v", name, s, err)
			}
			// Every component is reduced alike: the subsampling stays.
			if got, want := imageType(got), imageType(full); got != want {
				t.Errorf("%s at 1/%d: %s, full decode gives %s", name, s, got, want)
			}
			fb := full.Bounds()
			w, h := ScaledSize(fb.Dx(), fb.Dy(), s)
			if got.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("%s at 1/%d: bounds %v, want %dx%d", name, s, got.Bounds(), w, h)
			}
			p := psnr(boxDown(rgba(full), s), rgba(got))
			if f, ok := full.(*image.YCbCr); ok {
				// Chroma is compared at its own resolution, plane by plane:
				// in RGB, 4:2:0 chroma at half of a reduced luma is further
				// from a full-scale box average than the decode is wrong.
				p = planesPSNR(f, got.(*image.YCbCr), s)
			}
			if floor := psnrFloor(name, s); p < floor {
				t.Errorf("%s at 1/%d: PSNR %.1f dB, want at least %.0f", name, s, p, floor)
			}
			t.Logf("%s at 1/%d: %.1f dB", name, s, p)
		}
	}
}

func imageType(m image.Image) string {
	switch m := m.(type) {
	case *image.YCbCr:
		return "YCbCr " + strings.TrimPrefix(m.SubsampleRatio.String(), "YCbCrSubsampleRatio")
	case *image.Gray:
		return "Gray"
	case *image.CMYK:
		return "CMYK"
	case *image.RGBA:
		return "RGBA"
	}
	return "other"
}

// TestDecodeScaledLimit: a frame over MaxPixels is refused from its header.
func TestDecodeScaledLimit(t *testing.T) {
	b := encode(t, photo(64, 48), 90)
	_, err := DecodeScaled(bytes.NewReader(b), Options{Scale: 2, MaxPixels: 64*48 - 1})
	var le LimitError
	if !errors.As(err, &le) || le.Width != 64 || le.Height != 48 {
		t.Fatalf("got %v, want a LimitError for 64x48", err)
	}
	if _, err := DecodeScaled(bytes.NewReader(b), Options{Scale: 2, MaxPixels: 64 * 48}); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeScaled(bytes.NewReader(b), Options{Scale: 3}); err == nil {
		t.Fatal("scale 3 accepted")
	}
}

// TestDecodeScaledTruncated: damaged input gives the same errors at every
// scale as image/jpeg gives at full size.
func TestDecodeScaledTruncated(t *testing.T) {
	b := encode(t, photo(200, 120), 90)
	trunc, err := os.ReadFile("testdata/video-001.progressive.truncated.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{b[:len(b)/2], b[:300], trunc, append(append([]byte{}, b[:600]...), 0xff, 0xd9)} {
		_, want := stdjpeg.Decode(bytes.NewReader(in))
		for _, s := range []int{1, 2, 4, 8} {
			_, err := DecodeScaled(bytes.NewReader(in), Options{Scale: s})
			if (err == nil) != (want == nil) || (err != nil && err.Error() != want.Error()) {
				t.Errorf("%d bytes at 1/%d: %v, image/jpeg says %v", len(in), s, err, want)
			}
		}
	}
}

func rgba(m image.Image) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// boxDown averages s×s blocks; a partial block at the edge averages the
// pixels it has.
func boxDown(m *image.RGBA, s int) *image.RGBA {
	w, h := ScaledSize(m.Rect.Dx(), m.Rect.Dy(), s)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum [3]int
			n := 0
			for yy := y * s; yy < min(y*s+s, m.Rect.Dy()); yy++ {
				for xx := x * s; xx < min(x*s+s, m.Rect.Dx()); xx++ {
					p := m.RGBAAt(xx, yy)
					sum[0] += int(p.R)
					sum[1] += int(p.G)
					sum[2] += int(p.B)
					n++
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8((sum[0] + n/2) / n), uint8((sum[1] + n/2) / n), uint8((sum[2] + n/2) / n), 255})
		}
	}
	return out
}

// planesPSNR is the lowest PSNR of got's Y, Cb and Cr planes against
// full's box-averaged by s, each plane over its own picture area.
func planesPSNR(full, got *image.YCbCr, s int) float64 {
	sx, sy := 1, 1
	switch full.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	case image.YCbCrSubsampleRatio411:
		sx = 4
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	}
	fw, fh := full.Rect.Dx(), full.Rect.Dy()
	gw, gh := got.Rect.Dx(), got.Rect.Dy()
	lowest := math.Inf(1)
	for _, pl := range []struct {
		a, b           []uint8
		as, bs, w, h   int
		aw, ah, bw, bh int
	}{
		{full.Y, got.Y, full.YStride, got.YStride, 1, 1, fw, fh, gw, gh},
		{full.Cb, got.Cb, full.CStride, got.CStride, sx, sy, (fw + sx - 1) / sx, (fh + sy - 1) / sy, (gw + sx - 1) / sx, (gh + sy - 1) / sy},
		{full.Cr, got.Cr, full.CStride, got.CStride, sx, sy, (fw + sx - 1) / sx, (fh + sy - 1) / sy, (gw + sx - 1) / sx, (gh + sy - 1) / sy},
	} {
		var se float64
		n := 0
		for y := 0; y < pl.bh; y++ {
			for x := 0; x < pl.bw; x++ {
				sum, k := 0, 0
				for yy := y * s; yy < min(y*s+s, pl.ah); yy++ {
					for xx := x * s; xx < min(x*s+s, pl.aw); xx++ {
						sum += int(pl.a[yy*pl.as+xx])
						k++
					}
				}
				if k == 0 {
					continue
				}
				d := float64((sum+k/2)/k) - float64(pl.b[y*pl.bs+x])
				se += d * d
				n++
			}
		}
		if se == 0 {
			continue
		}
		lowest = min(lowest, 10*math.Log10(255*255/(se/float64(n))))
	}
	return lowest
}

// psnr of b against a, which have the same size, over R, G and B.
func psnr(a, b *image.RGBA) float64 {
	var se float64
	n := 0
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
		n++
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(n)))
}

// TestDecodeShortReads: the bit reader takes several bytes at a time and
// unreads a marker's 0xff, so reads that stop at any byte must make no
// difference: the pixels are those of a decode from memory, and the errors
// of damaged input those of image/jpeg.
func TestDecodeShortReads(t *testing.T) {
	in := samples(t)
	b := encode(t, photo(200, 120), 90)
	in["truncated"] = b[:len(b)/2]
	in["marker in the data"] = append(append([]byte{}, b[:600]...), 0xff, 0xd9)
	for name, b := range in {
		for _, s := range []int{1, 2} {
			want, _ := DecodeScaled(bytes.NewReader(b), Options{Scale: s})
			_, werr := stdjpeg.Decode(bytes.NewReader(b))
			for rn, r := range map[string]io.Reader{
				"one byte": iotest.OneByteReader(bytes.NewReader(b)),
				"half":     iotest.HalfReader(bytes.NewReader(b)),
			} {
				got, err := DecodeScaled(r, Options{Scale: s})
				if (err == nil) != (werr == nil) || (err != nil && err.Error() != werr.Error()) {
					t.Errorf("%s at 1/%d, %s reads: %v, want %v", name, s, rn, err, werr)
					continue
				}
				if err == nil && !math.IsInf(psnr(rgba(want), rgba(got)), 1) {
					t.Errorf("%s at 1/%d, %s reads: pixels differ", name, s, rn)
				}
			}
		}
	}
}
