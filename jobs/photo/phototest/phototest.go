// Package phototest makes deterministic test images for the photo pipeline:
// photo-like pictures that compress like real photographs, and JPEG and PNG
// files with chosen metadata (EXIF with orientation and GPS, XMP, IPTC, ICC
// profiles, PNG text chunks). Tests and benchmarks generate what they need
// instead of checking in large binary files.
package phototest

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math"
)

// rng is a small xorshift generator: fast, deterministic for a seed.
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// Photo returns a w×h picture that looks and compresses like a photograph:
// a sky and ground gradient, soft texture, a few dozen shapes of different
// colours and fine sensor-like noise. At 6000×4000 it encodes to about 5.5 MB
// at JPEG quality 92. The same seed gives the same pixels.
func Photo(w, h int, seed uint64) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rng(seed*0x9E3779B97F4A7C15 | 1)
	horizon := h/2 + r.intn(h/4+1) - h/8

	// Texture from a few low-frequency waves, precomputed per column and row.
	colTex, rowTex := make([]float64, w), make([]float64, h)
	for x := range colTex {
		colTex[x] = 9*math.Sin(float64(x)/float64(w)*17+1) + 5*math.Sin(float64(x)/37)
	}
	for y := range rowTex {
		rowTex[y] = 8*math.Sin(float64(y)/float64(h)*11) + 4*math.Sin(float64(y)/23+2)
	}
	for y := 0; y < h; y++ {
		var base float64
		if y < horizon { // sky: darker at the top
			base = 150 + 80*float64(y)/float64(horizon)
		} else { // ground: darker towards the bottom
			base = 120 - 70*float64(y-horizon)/float64(h-horizon+1)
		}
		row := m.Y[y*m.YStride : y*m.YStride+w]
		for x := range row {
			row[x] = clamp(base + colTex[x] + rowTex[y])
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < ch; y++ {
		sky := y*2 < horizon
		for x := 0; x < cw; x++ {
			i := y*m.CStride + x
			if sky {
				m.Cb[i], m.Cr[i] = clamp(150+colTex[x*2]/2), 110
			} else {
				m.Cb[i], m.Cr[i] = clamp(100+rowTex[y*2]/2), clamp(120+colTex[x*2]/3)
			}
		}
	}

	// Shapes: discs and boxes with their own colour and shading.
	for range 40 {
		sw, sh := w/40+r.intn(w/6+1), h/40+r.intn(h/6+1)
		x0, y0 := r.intn(w)-sw/2, r.intn(h)-sh/2
		yv, cb, cr := float64(30+r.intn(200)), uint8(60+r.intn(136)), uint8(60+r.intn(136))
		disc := r.intn(2) == 0
		for y := max(0, y0); y < min(h, y0+sh); y++ {
			for x := max(0, x0); x < min(w, x0+sw); x++ {
				dx := float64(x-x0)/float64(sw)*2 - 1
				dy := float64(y-y0)/float64(sh)*2 - 1
				if disc && dx*dx+dy*dy > 1 {
					continue
				}
				m.Y[y*m.YStride+x] = clamp(yv - 25*dy + colTex[x]/2)
				if x%2 == 0 && y%2 == 0 {
					m.Cb[y/2*m.CStride+x/2], m.Cr[y/2*m.CStride+x/2] = cb, cr
				}
			}
		}
	}

	// Fine noise on luma, like high-ISO grain.
	for y := 0; y < h; y++ {
		row := m.Y[y*m.YStride : y*m.YStride+w]
		for x := range row {
			n := int(r.next()>>58) - 32 // -32..31
			row[x] = clamp(float64(row[x]) + float64(n)/5)
		}
	}
	return m
}

func clamp(v float64) uint8 {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return uint8(v + 0.5)
}

// JPEG encodes img at the given quality, without any metadata.
func JPEG(img image.Image, quality int) []byte {
	if n, ok := img.(*image.NRGBA); ok && n.Opaque() {
		// The same bytes, as the type image/jpeg encodes quickly.
		img = &image.RGBA{Pix: n.Pix, Stride: n.Stride, Rect: n.Rect}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err) // encoding to memory fails only on an invalid image
	}
	return buf.Bytes()
}

// PNG encodes img as a PNG, without any metadata.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
