package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"strconv"
	"time"

	"lightbox/jobs/face"
	"lightbox/jobs/photo"
	"lightbox/jobs/retina"
	"lightbox/store"
)

const (
	// FaceLongEdge is the size photos are indexed at: faces down to about
	// 40 pixels on it are found.
	FaceLongEdge = 2048
	// ReviewBand is how far below the tagging threshold a match still goes
	// to the operator's review list.
	ReviewBand = 0.08
)

// BuiltinFaces puts the built-in engine behind the face service interface,
// so process_selfie uses it as it would the external service. Photos are
// matched through the face index instead (index_faces), but Cluster
// answers as the external service would, for the same inputs.
type BuiltinFaces struct {
	Engine    *face.Engine
	Threshold float64 // face.DefaultThreshold when 0
}

// Analyze checks a selfie with the same verdicts and reasons as the
// external service; the embedding is face.Dim long.
func (b BuiltinFaces) Analyze(ctx context.Context, jpeg []byte) (retina.Analysis, error) {
	a, err := b.Engine.Analyze(ctx, jpeg)
	if errors.Is(err, face.ErrImage) {
		return retina.Analysis{}, fmt.Errorf("%w: %v", retina.ErrUnprocessable, err)
	}
	if err != nil {
		return retina.Analysis{}, err
	}
	return retina.Analysis{FaceDetected: a.FaceDetected, Score: a.Score, Embedding: a.Embedding, RejectionReason: a.RejectionReason}, nil
}

// Cluster finds the faces in each photo and puts those similar enough to
// the selfie's face in the selfie's cluster.
func (b BuiltinFaces) Cluster(ctx context.Context, selfie []byte, photos []retina.Photo) (retina.Clustering, error) {
	threshold := b.Threshold
	if threshold == 0 {
		threshold = face.DefaultThreshold
	}
	a, err := b.Analyze(ctx, selfie)
	if err != nil {
		return retina.Clustering{}, err
	}
	var cl retina.Clustering
	if a.Approved() {
		cl.SelfieClusterID = "selfie"
	}
	for _, p := range photos {
		faces, err := b.Engine.Faces(ctx, p.JPEG)
		if err != nil {
			return retina.Clustering{}, fmt.Errorf("%w: photo %s: %v", retina.ErrUnprocessable, p.ID, err)
		}
		for i, f := range faces {
			id := p.ID + "/" + strconv.Itoa(i)
			if cl.SelfieClusterID != "" && float64(face.Similarity(a.Embedding, f.Embedding)) >= threshold {
				id = cl.SelfieClusterID
			}
			cl.Faces = append(cl.Faces, retina.Face{PhotoID: p.ID, ClusterID: id, Score: f.Score, Box: f.Box})
		}
	}
	return cl, nil
}

// matching is the default tagging rule; a project may set its own
// threshold.
func (h *handlers) matching() store.Matching {
	return store.Matching{Threshold: face.DefaultThreshold, Band: ReviewBand}
}

// indexFaces finds and describes the faces of a ready photo once, stores
// them in the face index and matches them against the selfies of the
// project's members.
func (h *handlers) indexFaces(ctx context.Context, p store.IndexFacesPayload) error {
	if h.Engine == nil {
		return nil
	}
	ph, err := h.DB.PhotoByID(ctx, p.PhotoID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if ph.Status != store.PhotoReady || ph.FacesIndexed {
		return nil
	}
	start := time.Now()
	orig, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "original.jpg"), maxOriginal)
	if err != nil {
		return err
	}
	img, err := photo.Upright(bytes.NewReader(orig), photo.Limits{}, FaceLongEdge)
	if err != nil {
		return Permanent(fmt.Errorf("decode %s for the face index: %w", ph.ID, err))
	}
	orig = nil
	return h.indexImage(ctx, ph, img, start)
}

// indexImage finds and describes the faces in img, the upright photo ph
// fitted into FaceLongEdge, and stores and matches them.
func (h *handlers) indexImage(ctx context.Context, ph store.Photo, img image.Image, start time.Time) error {
	faces, err := h.Engine.FacesIn(ctx, img)
	if err != nil {
		return err
	}
	width, height := float64(img.Bounds().Dx()), float64(img.Bounds().Dy())
	vecs := make([]store.FaceVector, len(faces))
	for i, f := range faces {
		box := [4]float64{f.Box[0] / width, f.Box[1] / height, f.Box[2] / width, f.Box[3] / height}
		vecs[i] = store.FaceVector{Box: box, Score: f.Score, Embedding: f.Embedding}
	}
	out, err := h.DB.IndexPhotoFaces(ctx, ph.ID, vecs, h.matching(), h.DigestDelay)
	if err != nil {
		return err
	}
	h.Log.Info("faces indexed", "photo", ph.ID, "project", ph.ProjectID, "faces", len(faces),
		"new_tags", out.Tagged, "for_review", out.Reviews, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// matchSelfie is cluster_faces with the built-in engine: one KNN query of
// the attendee's selfie against the project's face index.
func (h *handlers) matchSelfie(ctx context.Context, p store.ClusterPayload) error {
	out, err := h.DB.MatchSelfie(ctx, p.UserID, p.ProjectID, h.matching(), h.DigestDelay)
	if errors.Is(err, store.ErrNoFaceVector) {
		// Approved by the external service before the built-in engine ran:
		// describe it once, then match.
		if err := h.describeSelfie(ctx, p.UserID); err != nil {
			return err
		}
		out, err = h.DB.MatchSelfie(ctx, p.UserID, p.ProjectID, h.matching(), h.DigestDelay)
	}
	if errors.Is(err, store.ErrNoFaceVector) {
		return nil // the built-in engine does not approve this selfie
	}
	if err != nil {
		return err
	}
	h.Log.Info("faces matched", "user", p.UserID, "project", p.ProjectID, "candidates", out.Compared,
		"new_tags", out.Tagged, "for_review", out.Reviews)
	return nil
}

// describeSelfie stores the built-in engine's vector for the user's
// approved selfie, if the engine finds one usable face in it.
func (h *handlers) describeSelfie(ctx context.Context, userID string) error {
	sf, err := h.DB.CurrentSelfie(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sf.Status != store.SelfieApproved) {
		return nil
	}
	if err != nil {
		return err
	}
	jpeg, err := h.selfieJPEG(ctx, sf)
	if err != nil {
		if errors.Is(err, errUnusableImage) {
			return Permanent(err)
		}
		return err
	}
	a, err := h.Engine.Analyze(ctx, jpeg)
	if err != nil {
		return err
	}
	if a.RejectionReason != "" {
		h.Log.Warn("selfie not usable by the built-in face engine", "user", userID, "reason", a.RejectionReason)
		return nil
	}
	return h.DB.SetSelfieVector(ctx, sf.ID, a.Embedding)
}
