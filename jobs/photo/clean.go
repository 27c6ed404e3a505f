package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	"lightbox/jobs/photo/internal/jpeg"
)

// Clean returns a full-resolution copy of a JPEG or PNG that is safe to hand
// to a buyer: no EXIF, XMP, IPTC, comments or GPS; it still displays upright
// and keeps its ICC colour profile.
//
// A JPEG with orientation 1 (or none) is copied losslessly: its metadata
// segments are dropped and every other byte (JFIF, ICC profile, Adobe
// marker, tables, frame and scans) is copied as is; anything appended after
// the end-of-image marker, such as camera preview images, is dropped. Any
// other orientation is decoded, rotated, re-encoded at quality 95 and given
// back its ICC profile. A PNG keeps its image data and colour chunks and
// loses eXIf, text and time chunks; a PNG whose eXIf says it is rotated is
// re-encoded upright, losslessly (a palette image becomes RGBA).
//
// src is held to the default Limits. The errors are those of Derive.
func Clean(src []byte) ([]byte, error) {
	s, err := inspect(src, Limits{})
	if err != nil {
		return nil, err
	}
	if s.format == formatPNG {
		return cleanPNG(s)
	}
	return cleanJPEG(s)
}

func cleanJPEG(s *source) ([]byte, error) {
	segs := s.segments
	if s.orientation == orientNormal {
		out := make([]byte, 0, len(s.data))
		out = append(out, 0xFF, markerSOI)
		for _, seg := range segs {
			if keepForBuyer(seg) {
				out = append(out, seg.raw...)
			}
		}
		return out, nil
	}

	img, err := s.decode(s.full())
	if err != nil {
		return nil, err
	}
	img = orient(img, s.orientation)
	var buf bytes.Buffer
	buf.Grow(len(s.data) + len(s.data)/4)
	if err := jpeg.Encode(&buf, img, &jpeg.EncodeOptions{Quality: cleanJPEGQuality}); err != nil {
		return nil, fmt.Errorf("photo: encode: %w", err)
	}
	enc := buf.Bytes()

	// The profile must describe the encoded colour space: the encoder writes
	// a gray JPEG for *image.Gray and a YCbCr (RGB) one for everything else, so a
	// CMYK profile, say, would now be wrong and is left out.
	want := "RGB "
	if _, gray := img.(*image.Gray); gray {
		want = "GRAY"
	}
	if iccColorSpace(segs) != want {
		return enc, nil
	}
	out := make([]byte, 0, len(enc)+64<<10)
	out = append(out, enc[:2]...) // SOI
	for _, seg := range segs {
		if isICCSegment(seg) {
			out = append(out, seg.raw...)
		}
	}
	return append(out, enc[2:]...), nil
}

func cleanPNG(s *source) ([]byte, error) {
	chunks := s.chunks
	out := make([]byte, 0, len(s.data))
	out = append(out, pngSignature...)
	if s.orientation == orientNormal {
		for _, c := range chunks {
			if keepPNGForBuyer(c.typ) {
				out = append(out, c.raw...)
			}
		}
		return out, nil
	}

	img, err := s.decode(s.full())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, orient(img, s.orientation)); err != nil {
		return nil, fmt.Errorf("photo: encode: %w", err)
	}
	enc, err := pngChunks(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("photo: re-read encoded PNG: %w", err)
	}
	// The colour chunks go right after IHDR, before PLTE and IDAT.
	out = append(out, enc[0].raw...)
	for _, c := range chunks {
		if isColourChunk(c.typ) || c.typ == "pHYs" {
			out = append(out, c.raw...)
		}
	}
	for _, c := range enc[1:] {
		out = append(out, c.raw...)
	}
	return out, nil
}
