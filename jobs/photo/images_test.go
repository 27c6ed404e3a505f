package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// Corner colours of the upright test image.
var (
	topLeft     = color.NRGBA{220, 30, 30, 255}   // red
	topRight    = color.NRGBA{30, 190, 30, 255}   // green
	bottomLeft  = color.NRGBA{30, 30, 220, 255}   // blue
	bottomRight = color.NRGBA{235, 235, 235, 255} // near white
)

// quadrants returns an upright w×h image with a distinct colour in each
// quarter, so any flip or rotation changes at least one corner.
func quadrants(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := topLeft
			switch {
			case x >= w/2 && y < h/2:
				c = topRight
			case x < w/2 && y >= h/2:
				c = bottomLeft
			case x >= w/2 && y >= h/2:
				c = bottomRight
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// storedAs returns the pixels a camera would store for the upright image u
// when it records EXIF orientation o. It maps each stored pixel to where it
// is displayed, following the row/column description of each orientation in
// the EXIF specification (written independently of the package's code).
func storedAs(u *image.NRGBA, o int) *image.NRGBA {
	uw, uh := u.Bounds().Dx(), u.Bounds().Dy()
	sw, sh := uw, uh
	if o >= 5 {
		sw, sh = uh, uw
	}
	s := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			var dx, dy int
			switch o {
			case 1: // 0th row at top, 0th column at left
				dx, dy = x, y
			case 2: // 0th row at top, 0th column at right
				dx, dy = sw-1-x, y
			case 3: // 0th row at bottom, 0th column at right
				dx, dy = sw-1-x, sh-1-y
			case 4: // 0th row at bottom, 0th column at left
				dx, dy = x, sh-1-y
			case 5: // 0th row at left, 0th column at top
				dx, dy = y, x
			case 6: // 0th row at right, 0th column at top
				dx, dy = sh-1-y, x
			case 7: // 0th row at right, 0th column at bottom
				dx, dy = sh-1-y, sw-1-x
			case 8: // 0th row at left, 0th column at bottom
				dx, dy = y, sw-1-x
			}
			s.SetNRGBA(x, y, u.NRGBAAt(dx, dy))
		}
	}
	return s
}

// checkUpright fails unless img's corners have the colours of quadrants.
func checkUpright(tb testing.TB, name string, img image.Image) {
	tb.Helper()
	b := img.Bounds()
	at := func(fx, fy float64) color.NRGBA {
		x := b.Min.X + int(fx*float64(b.Dx()))
		y := b.Min.Y + int(fy*float64(b.Dy()))
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
	for _, c := range []struct {
		corner string
		got    color.NRGBA
		want   color.NRGBA
	}{
		{"top-left", at(0.1, 0.1), topLeft},
		{"top-right", at(0.9, 0.1), topRight},
		{"bottom-left", at(0.1, 0.9), bottomLeft},
		{"bottom-right", at(0.9, 0.9), bottomRight},
	} {
		if !near(c.got, c.want, 40) {
			tb.Errorf("%s: %s corner is %v, want about %v", name, c.corner, c.got, c.want)
		}
	}
}

func near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// decodeJPEG decodes b, failing the test unless it is a JPEG.
func decodeJPEG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("output is not a valid JPEG: %v", err)
	}
	return img
}

// decodePNG decodes b, failing the test unless it is a PNG.
func decodePNG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("output is not a valid PNG: %v", err)
	}
	return img
}

// derive runs Derive on b and fails the test on error.
func derive(tb testing.TB, b []byte, opts Options) *Derivatives {
	tb.Helper()
	d, err := Derive(bytes.NewReader(b), opts)
	if err != nil {
		tb.Fatalf("Derive: %v", err)
	}
	return d
}

// sizeOf returns the dimensions of an encoded JPEG.
func sizeOf(tb testing.TB, b []byte) size {
	tb.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("output is not a valid JPEG: %v", err)
	}
	return size{cfg.Width, cfg.Height}
}

// segmentsOf splits a JPEG into its segments, failing the test if it cannot.
func segmentsOf(tb testing.TB, b []byte) []segment {
	tb.Helper()
	segs, err := jpegSegments(b)
	if err != nil {
		tb.Fatalf("cannot split JPEG into segments: %v", err)
	}
	return segs
}
