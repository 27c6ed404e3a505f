package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"

	"lightbox/jobs/photo/internal/jpeg"
)

// Default limits, used for any Limits field left at zero.
const (
	DefaultMaxBytes     = 50 << 20
	DefaultMaxPixels    = 100_000_000
	DefaultMaxDimension = 20_000
)

// Limits bounds what an input may cost before any pixel is decoded. A zero
// field takes its default (DefaultMaxBytes, DefaultMaxPixels,
// DefaultMaxDimension).
type Limits struct {
	MaxBytes     int64 // size of the file; default 50 MiB
	MaxPixels    int   // width × height; default 60 000 000
	MaxDimension int   // width and height each; default 12 000
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxDimension <= 0 {
		l.MaxDimension = DefaultMaxDimension
	}
	return l
}

// format is an input container this package accepts.
type format int

const (
	formatJPEG format = iota + 1
	formatPNG
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// sniff recognises JPEG and PNG by their first bytes and names a few common
// formats it refuses, so the photographer learns what they uploaded.
func sniff(b []byte) (format, error) {
	switch {
	case len(b) == 0:
		return 0, corrupt("the file is empty")
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG, nil
	case bytes.HasPrefix(b, []byte(pngSignature)):
		return formatPNG, nil
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return 0, unsupported("it is a GIF")
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return 0, unsupported("it is a WebP")
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return 0, unsupported("it is a HEIC/AVIF or video file")
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return 0, unsupported("it is a TIFF or camera raw file")
	}
	return 0, unsupported("unrecognised file type")
}

// readLimited reads all of r, refusing more than max bytes. Only a failing
// reader returns an untyped error.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("photo: read: %w", err)
	}
	if n > max {
		return nil, tooLarge("the file is over the %s limit", mib(max))
	}
	return buf.Bytes(), nil
}

// checkConfig reads only the header of b and refuses images over the
// limits, before anything big is allocated.
func checkConfig(b []byte, f format, l Limits) (image.Config, error) {
	var cfg image.Config
	var err error
	func() {
		defer func() {
			if recover() != nil {
				err = corrupt("the header cannot be read")
			}
		}()
		if f == formatPNG {
			cfg, err = png.DecodeConfig(bytes.NewReader(b))
		} else {
			cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
		}
	}()
	if err != nil {
		return cfg, decodeError(err)
	}
	w, h := cfg.Width, cfg.Height
	switch {
	case w <= 0 || h <= 0:
		return cfg, corrupt("the image has no pixels (%d×%d)", w, h)
	case w > l.MaxDimension || h > l.MaxDimension:
		return cfg, tooLarge("%d×%d pixels; the limit is %d pixels on each side", w, h, l.MaxDimension)
	case int64(w)*int64(h) > int64(l.MaxPixels):
		return cfg, tooLarge("%d×%d pixels; the limit is %s", w, h, megapixels(l.MaxPixels))
	}
	return cfg, nil
}

// decodeError turns an error from the JPEG decoder or image/png into a typed error.
func decodeError(err error) error {
	switch e := err.(type) {
	case *inputError:
		return err
	case jpeg.UnsupportedError:
		return unsupportedFeature("JPEG", string(e))
	case png.UnsupportedError:
		return unsupportedFeature("PNG", string(e))
	}
	return corrupt("%v", err)
}

func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d byte", n)
}

func megapixels(n int) string {
	if n >= 1_000_000 && n%1_000_000 == 0 {
		return fmt.Sprintf("%d megapixels", n/1_000_000)
	}
	return fmt.Sprintf("%d pixels", n)
}
