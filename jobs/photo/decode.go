package photo

import (
	"bytes"
	"image"
	"image/png"
	"io"

	"lightbox/jobs/photo/internal/jpeg"
)

// source is an input that passed the cheap checks: it is a JPEG or PNG whose
// header is readable and within the limits.
type source struct {
	data        []byte
	format      format
	width       int // stored width
	height      int // stored height
	orientation int
	segments    []segment // JPEG: every segment up to EOI
	chunks      []chunk   // PNG: every chunk up to IEND
}

// open reads at most l.MaxBytes from r and inspects the result.
func open(r io.Reader, l Limits) (*source, error) {
	l = l.withDefaults()
	b, err := readLimited(r, l.MaxBytes)
	if err != nil {
		return nil, err
	}
	return inspect(b, l)
}

// inspect recognises the format, reads the header, enforces the limits and
// finds the EXIF orientation, all without decoding pixels.
func inspect(b []byte, l Limits) (*source, error) {
	l = l.withDefaults()
	if int64(len(b)) > l.MaxBytes {
		return nil, tooLarge("the file is over the %s limit", mib(l.MaxBytes))
	}
	f, err := sniff(b)
	if err != nil {
		return nil, err
	}
	cfg, err := checkConfig(b, f, l)
	if err != nil {
		return nil, err
	}
	s := &source{data: b, format: f, width: cfg.Width, height: cfg.Height, orientation: orientNormal}
	switch f {
	case formatJPEG:
		// The whole file is walked, not just the header: it is cheap
		// (a byte search through the scans) and bounds the number of scans.
		if s.segments, err = jpegSegments(b); err != nil {
			return nil, err
		}
		s.orientation = jpegOrientation(s.segments)
	case formatPNG:
		if s.chunks, err = pngChunks(b); err != nil {
			return nil, err
		}
		s.orientation = pngOrientation(s.chunks)
	}
	return s, nil
}

// upright returns the size of the image as displayed.
func (s *source) upright() (w, h int) {
	if swapsAxes(s.orientation) {
		return s.height, s.width
	}
	return s.width, s.height
}

// decode decodes the pixels as stored (not yet oriented). A JPEG is decoded
// at the largest reduction its DCT allows (1/2, 1/4 or 1/8, see scaleFor)
// that still leaves at least least pixels, given upright; least =
// s.upright() decodes every pixel. Any decoder error or panic becomes
// ErrCorrupt.
func (s *source) decode(least size) (image.Image, error) {
	w, h := s.width, s.height
	decoder := png.Decode
	if s.format == formatJPEG {
		scale := s.scaleFor(least)
		w, h = jpeg.ScaledSize(w, h, scale)
		decoder = func(r io.Reader) (image.Image, error) {
			return jpeg.DecodeScaled(r, jpeg.Options{Scale: scale})
		}
	}
	img, err := safeDecode(decoder, s.data)
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		return nil, corrupt("decoded %dx%d, header said %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return img, nil
}

// scaleFor is the largest JPEG reduction, 1, 2, 4 or 8, whose image is at
// least least (upright) on both sides: a 6000×4000 photo for a 2048 px
// preview decodes at 1/2, as 3000×2000.
func (s *source) scaleFor(least size) int {
	if swapsAxes(s.orientation) {
		least = size{least.h, least.w}
	}
	scale := 1
	for scale < 8 {
		w, h := jpeg.ScaledSize(s.width, s.height, 2*scale)
		if w < least.w || h < least.h {
			break
		}
		scale *= 2
	}
	return scale
}

// safeDecode runs decoder on b and turns its errors, and as a last resort
// its panics, into typed errors.
func safeDecode(decoder func(io.Reader) (image.Image, error), b []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, corrupt("the decoder failed: %v", p)
		}
	}()
	img, err = decoder(bytes.NewReader(b))
	if err != nil {
		return nil, decodeError(err)
	}
	return img, nil
}

// full is the upright size, for a decode of every pixel.
func (s *source) full() size {
	w, h := s.upright()
	return size{w, h}
}
