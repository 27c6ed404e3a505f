package photo

import (
	"fmt"
	"image"
	"io"
)

// Output sizes and JPEG qualities.
const (
	Thumb400Width    = 400  // long edge of Derivatives.Thumb400
	Thumb800Width    = 800  // long edge of Derivatives.Thumb800
	PreviewLongEdge  = 2048 // long edge of Derivatives.Watermarked
	SelfieLongEdge   = 1600 // longer side of a Selfie result
	thumbQuality     = 82
	previewQuality   = 85
	selfieQuality    = 90
	cleanJPEGQuality = 95
)

// Options configures Derive.
type Options struct {
	// Watermark is the text tiled over the preview, usually the studio's
	// name. Empty means a plain preview without watermark text.
	Watermark string
	// Limits bounds the input; zero fields take their defaults.
	Limits Limits
	// FaceLongEdge, if positive, asks for Derivatives.Face: the photo
	// fitted into that many pixels, from the same decode.
	FaceLongEdge int
}

// Derivatives are the images made from one uploaded photo. None of the JPEGs
// carries EXIF, XMP, IPTC or GPS data, and all display upright.
type Derivatives struct {
	// Width and Height are the size of the original once upright (after
	// applying its EXIF orientation).
	Width, Height int
	// Thumb400 and Thumb800 are JPEG thumbnails 400 and 800 pixels wide
	// (narrower only if the original is), for srcset "400w" and "800w".
	Thumb400, Thumb800 []byte
	// Watermarked is the JPEG preview attendees see: 2048 pixels on the long
	// edge (or the original size if smaller) with the watermark text tiled
	// diagonally over it.
	Watermarked []byte
	// Face is the upright photo, without watermark, fitted into
	// Options.FaceLongEdge, for the face index; nil unless asked for.
	Face *image.NRGBA
}

// plan is the size of every image Derive makes, upright.
type plan struct {
	mid, preview, thumb800, thumb400 size
}

// planFor sizes the derivatives of a w×h upright original. The intermediate
// is the larger of the preview and the 800 thumbnail: the preview for
// ordinary photos, the thumbnail for very tall panoramas.
func planFor(w, h int) plan {
	p := plan{
		preview:  fitLongEdge(w, h, PreviewLongEdge),
		thumb800: fitLongEdge(w, h, Thumb800Width),
		thumb400: fitLongEdge(w, h, Thumb400Width),
	}
	p.mid = p.preview
	if p.thumb800.w > p.mid.w {
		p.mid = p.thumb800
	}
	return p
}

// Derive decodes a JPEG or PNG, applies its EXIF orientation and makes the
// thumbnails and the watermarked preview.
//
// The file is refused before decoding if it is over opts.Limits (ErrTooLarge),
// not a JPEG or PNG (ErrUnsupported), or its header is unreadable
// (ErrCorrupt); a file that fails to decode is ErrCorrupt. Only an error from
// r itself is untyped.
func Derive(r io.Reader, opts Options) (*Derivatives, error) {
	src, err := open(r, opts.Limits)
	if err != nil {
		return nil, err
	}
	w, h := src.upright()
	p := planFor(w, h)
	least := p.mid
	var face size
	if opts.FaceLongEdge > 0 {
		face = fitLongEdge(w, h, opts.FaceLongEdge)
		least = size{max(least.w, face.w), max(least.h, face.h)}
	}
	// One decode, at the largest reduction the outputs allow.
	img, err := src.decode(least)
	if err != nil {
		return nil, err
	}

	// One area-filtered pass from the decoded image to the intermediate
	// size, on its planes, then sharper filters for the small final steps.
	// The face index's RGB image comes from the decode too; when it has the
	// intermediate's size, the intermediate is converted from it.
	d := &Derivatives{Width: w, Height: h}
	var mid *image.YCbCr
	switch {
	case opts.FaceLongEdge <= 0:
		mid = downscalePlanes(img, p.mid, src.orientation, linear)
	case face == p.mid:
		d.Face = downscale(img, face, src.orientation, linear)
		mid = toYCbCr420(d.Face)
	default:
		d.Face = downscale(img, face, src.orientation, linear)
		mid = downscalePlanes(img, p.mid, src.orientation, linear)
	}
	img = nil
	t800 := resample420(mid, p.thumb800)
	if d.Thumb800, err = encodeJPEG(t800, thumbQuality); err != nil {
		return nil, fmt.Errorf("photo: encode thumbnail: %w", err)
	}
	t400 := resample420(t800, p.thumb400)
	if d.Thumb400, err = encodeJPEG(t400, thumbQuality); err != nil {
		return nil, fmt.Errorf("photo: encode thumbnail: %w", err)
	}
	// The preview may be mid itself, so it is drawn on only now that the
	// thumbnails are encoded.
	preview := resample420(mid, p.preview)
	if err := drawWatermark(preview, opts.Watermark); err != nil {
		return nil, err
	}
	if d.Watermarked, err = encodeJPEG(preview, previewQuality); err != nil {
		return nil, fmt.Errorf("photo: encode preview: %w", err)
	}
	return d, nil
}

// Upright decodes a JPEG or PNG, applies its EXIF orientation and scales it
// down to at most longEdge pixels on the long edge, for the face engine. It
// returns the same typed errors as Derive.
func Upright(r io.Reader, limits Limits, longEdge int) (image.Image, error) {
	img, err := upright(r, limits, longEdge, linear)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// upright decodes, orients and fits an image into longEdge pixels.
func upright(r io.Reader, limits Limits, longEdge int, f filter) (*image.NRGBA, error) {
	src, err := open(r, limits)
	if err != nil {
		return nil, err
	}
	w, h := src.upright()
	fit := fitLongEdge(w, h, longEdge)
	img, err := src.decode(fit)
	if err != nil {
		return nil, err
	}
	return downscale(img, fit, src.orientation, f), nil
}

// Selfie normalises an uploaded selfie (JPEG or PNG, any EXIF orientation)
// to an upright JPEG at most SelfieLongEdge pixels on the long edge, without
// metadata, for the face service. It returns the same typed errors as Derive.
func Selfie(r io.Reader, limits Limits) ([]byte, error) {
	n, err := upright(r, limits, SelfieLongEdge, catmullRom)
	if err != nil {
		return nil, err
	}
	out, err := encodeJPEG(n, selfieQuality)
	if err != nil {
		return nil, fmt.Errorf("photo: encode selfie: %w", err)
	}
	return out, nil
}
