package retinatest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // Retina takes JPEG
	_ "image/png"  // and the fake also PNG, for tests
	"io"
	"mime"
	"net/http"
)

const (
	maxImageBytes = 10 << 20 // larger images get 413
	maxBodyBytes  = 64 << 20 // a whole request larger than this gets 413
	maxPixels     = 50 << 20 // larger images are refused as undecodable
	maxPhotos     = 50       // more photos per /cluster call get 400
	approvedScore = 0.97     // score of a selfie with one large face
	multipleScore = 0.5      // score of a selfie with several faces
	tooSmallScore = 0.6      // score of a selfie with one small face
	photoScore    = 0.98     // score of each face found in a photo
	minSelfieFace = 0.02     // smallest share of a selfie its face may cover
)

// part is one file part of a multipart request.
type part struct {
	filename string
	data     []byte
	tooLarge bool
}

// form holds the file parts of a request by field name.
type form struct {
	parts map[string][]part
}

// formError is a request the fake refuses before looking at images.
type formError struct {
	status int
	msg    string
}

// readForm reads a multipart/form-data body of at most maxBodyBytes. It reads
// the whole body even when the shape is wrong, so that the request can be
// recorded in full.
func readForm(w http.ResponseWriter, r *http.Request) (form, *formError) {
	f := form{parts: make(map[string][]part)}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return f, &formError{http.StatusBadRequest, "want a multipart/form-data body"}
	}
	var ferr *formError
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return f, &formError{http.StatusRequestEntityTooLarge, "request too large"}
			}
			return f, &formError{http.StatusBadRequest, "malformed multipart body"}
		}
		name := p.FormName()
		_, params, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		filename, isFile := params["filename"]
		data, err := io.ReadAll(io.LimitReader(p, maxImageBytes+1))
		if err == nil {
			_, err = io.Copy(io.Discard, p)
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return f, &formError{http.StatusRequestEntityTooLarge, "request too large"}
			}
			return f, &formError{http.StatusBadRequest, "malformed multipart body"}
		}
		if !isFile && ferr == nil {
			ferr = &formError{http.StatusBadRequest, fmt.Sprintf("part %q is not a file", name)}
		}
		f.parts[name] = append(f.parts[name], part{filename: filename, data: data, tooLarge: len(data) > maxImageBytes})
	}
	return f, ferr
}

// checkShape checks that the form has exactly the fields want, each with a
// count in its range.
func (f form) checkShape(want map[string][2]int) *formError {
	for name, ps := range f.parts {
		r, ok := want[name]
		if !ok {
			return &formError{http.StatusBadRequest, fmt.Sprintf("unexpected part %q", name)}
		}
		if len(ps) < r[0] || len(ps) > r[1] {
			return &formError{http.StatusBadRequest, fmt.Sprintf("want %d to %d %q parts, got %d", r[0], r[1], name, len(ps))}
		}
	}
	for name, r := range want {
		if r[0] > 0 && len(f.parts[name]) == 0 {
			return &formError{http.StatusBadRequest, fmt.Sprintf("missing part %q", name)}
		}
	}
	return nil
}

// decode decodes the images of the given parts in order: 413 for one over
// 10 MB, 422 for one that is not a decodable image.
func decode(ps []part) ([]image.Image, *formError) {
	for _, p := range ps {
		if p.tooLarge {
			return nil, &formError{http.StatusRequestEntityTooLarge, fmt.Sprintf("image %q larger than 10 MB", p.filename)}
		}
	}
	imgs := make([]image.Image, len(ps))
	for i, p := range ps {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(p.data))
		if err != nil || cfg.Width*cfg.Height > maxPixels {
			return nil, &formError{http.StatusUnprocessableEntity, fmt.Sprintf("image %q is not decodable", p.filename)}
		}
		img, _, err := image.Decode(bytes.NewReader(p.data))
		if err != nil {
			return nil, &formError{http.StatusUnprocessableEntity, fmt.Sprintf("image %q is not decodable", p.filename)}
		}
		imgs[i] = img
	}
	return imgs, nil
}

// analyzeBody is the JSON of a 200 from /analyze.
type analyzeBody struct {
	FaceDetected    bool      `json:"faceDetected"`
	Score           float64   `json:"score"`
	Embedding       []float32 `json:"embedding"`
	RejectionReason *string   `json:"rejectionReason"`
}

func analyze(f form) (int, any) {
	if ferr := f.checkShape(map[string][2]int{"image": {1, 1}}); ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	imgs, ferr := decode(f.parts["image"])
	if ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	img := imgs[0]
	faces := detectFaces(img)
	reason := func(s string) *string { return &s }
	switch {
	case len(faces) == 0:
		return http.StatusOK, analyzeBody{RejectionReason: reason("no_face")}
	case len(faces) > 1:
		return http.StatusOK, analyzeBody{FaceDetected: true, Score: multipleScore, RejectionReason: reason("multiple_faces")}
	}
	b, box := img.Bounds(), faces[0].box
	if float64(box.Dx()*box.Dy()) < minSelfieFace*float64(b.Dx()*b.Dy()) {
		return http.StatusOK, analyzeBody{FaceDetected: true, Score: tooSmallScore, RejectionReason: reason("face_too_small")}
	}
	return http.StatusOK, analyzeBody{FaceDetected: true, Score: approvedScore, Embedding: Embedding(faces[0].person)}
}

// clusterFace is one face in a 200 from /cluster.
type clusterFace struct {
	PhotoID   string     `json:"photoId"`
	ClusterID string     `json:"clusterId"`
	Score     float64    `json:"score"`
	Box       [4]float64 `json:"box"`
}

// clusterBody is the JSON of a 200 from /cluster.
type clusterBody struct {
	SelfieClusterID *string       `json:"selfieClusterId"`
	Faces           []clusterFace `json:"faces"`
}

func cluster(f form) (int, any) {
	if ferr := f.checkShape(map[string][2]int{"selfie": {1, 1}, "photos": {1, maxPhotos}}); ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	for _, p := range f.parts["photos"] {
		if p.filename == "" {
			return errorBody(http.StatusBadRequest, "a photos part has no filename (the photo id)")
		}
	}
	selfie, ferr := decode(f.parts["selfie"])
	if ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	photos, ferr := decode(f.parts["photos"])
	if ferr != nil {
		return errorBody(ferr.status, ferr.msg)
	}
	body := clusterBody{Faces: []clusterFace{}}
	if faces := detectFaces(selfie[0]); len(faces) > 0 {
		id := clusterID(largest(faces).person)
		body.SelfieClusterID = &id
	}
	for i, img := range photos {
		b := img.Bounds()
		for _, fc := range detectFaces(img) {
			r := fc.box.Sub(b.Min)
			body.Faces = append(body.Faces, clusterFace{
				PhotoID:   f.parts["photos"][i].filename,
				ClusterID: clusterID(fc.person),
				Score:     photoScore,
				Box:       [4]float64{float64(r.Min.X), float64(r.Min.Y), float64(r.Dx()), float64(r.Dy())},
			})
		}
	}
	return http.StatusOK, body
}

func clusterID(person int) string { return fmt.Sprintf("c%d", person) }
