package jobs

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"lightbox/jobs/face"
	"lightbox/jobs/retina"
	"lightbox/store"
)

// errMatchingOff answers a selfie analysis while face matching is off: the
// selfie stays pending until a face engine is configured.
var errMatchingOff = errors.New("face matching is off")

// Matcher is how faces are matched, chosen once at start-up: the built-in
// engine with its face index (BuiltinMatcher), the external face service
// (RetinaMatcher), or nothing (MatchingOff), when selfies wait as pending.
type Matcher interface {
	// Engine is what is recorded on the selfies and faces it describes
	// (store.EngineBuiltin or store.EngineRetina); "" when matching is off.
	Engine() string
	// Indexes says whether every ready photo's faces go into the face
	// index (index_faces).
	Indexes() bool
	// analyzeSelfie says whether an upright selfie shows one usable face.
	analyzeSelfie(ctx context.Context, jpeg []byte) (retina.Analysis, error)
	// indexPhoto finds the faces of a ready photo in its upright image and
	// matches them against the selfies of the project's members.
	indexPhoto(ctx context.Context, h *handlers, ph store.Photo, img image.Image) error
	// match compares an attendee's selfie with the project's photos not
	// compared yet and tags those the attendee is in.
	match(ctx context.Context, h *handlers, p store.ClusterPayload) error
}

// MatchingOff matches nothing: selfies stay pending and photos are not
// indexed.
var MatchingOff Matcher = off{}

type off struct{}

func (off) Engine() string { return "" }
func (off) Indexes() bool  { return false }
func (off) analyzeSelfie(context.Context, []byte) (retina.Analysis, error) {
	return retina.Analysis{}, errMatchingOff
}
func (off) indexPhoto(context.Context, *handlers, store.Photo, image.Image) error { return nil }
func (off) match(context.Context, *handlers, store.ClusterPayload) error          { return nil }

// RetinaMatcher matches with the external face service: it analyses
// selfies and clusters each attendee's selfie with the photos' 800-pixel
// thumbnails; photos are not indexed.
func RetinaMatcher(svc FaceService) Matcher { return retinaMatcher{svc} }

type retinaMatcher struct{ svc FaceService }

func (retinaMatcher) Engine() string { return store.EngineRetina }
func (retinaMatcher) Indexes() bool  { return false }
func (m retinaMatcher) analyzeSelfie(ctx context.Context, jpeg []byte) (retina.Analysis, error) {
	return m.svc.Analyze(ctx, jpeg)
}
func (retinaMatcher) indexPhoto(context.Context, *handlers, store.Photo, image.Image) error {
	return nil
}

// match sends at most retina.MaxPhotos photos per call. Each batch is
// recorded as it completes, so a retry resumes where it stopped; tags a
// person removed are never re-added.
func (m retinaMatcher) match(ctx context.Context, h *handlers, p store.ClusterPayload) error {
	w, err := h.DB.StartCluster(ctx, p.UserID, p.ProjectID)
	if err != nil {
		return err
	}
	if w.Selfie.ID == "" {
		return nil
	}
	if len(w.Photos) == 0 {
		return h.DB.ScheduleTagDigest(ctx, p.UserID, p.ProjectID, h.DigestDelay)
	}
	selfie, err := h.selfieJPEG(ctx, w.Selfie)
	if err != nil {
		if errors.Is(err, errUnusableImage) {
			return Permanent(err)
		}
		return err
	}
	total := 0
	for start := 0; start < len(w.Photos); start += retina.MaxPhotos {
		batch := w.Photos[start:min(start+retina.MaxPhotos, len(w.Photos))]
		photos := make([]retina.Photo, 0, len(batch))
		ids := make([]string, 0, len(batch))
		for _, ph := range batch {
			b, err := h.readBlob(ctx, store.PhotoKey(ph.ProjectID, ph.ID, "thumb-800.jpg"), maxSelfie)
			if err != nil {
				return err
			}
			photos = append(photos, retina.Photo{ID: ph.ID, JPEG: b})
			ids = append(ids, ph.ID)
		}
		res, err := m.svc.Cluster(ctx, selfie, photos)
		if err != nil {
			if retina.IsPermanent(err) {
				return Permanent(err)
			}
			return err
		}
		n, err := h.DB.RecordMatches(ctx, w.Selfie.ID, p.ProjectID, ids, res.Matches())
		if err != nil {
			return err
		}
		total += n
	}
	h.Log.Info("faces matched", "user", p.UserID, "project", p.ProjectID, "compared", len(w.Photos), "new_tags", total)
	return h.DB.ScheduleTagDigest(ctx, p.UserID, p.ProjectID, h.DigestDelay)
}

// BuiltinMatcher matches with the built-in engine: every ready photo's
// faces are described once into the face index, and a selfie is matched
// with one KNN query against it.
func BuiltinMatcher(e *face.Engine) Matcher { return builtinMatcher{BuiltinFaces{Engine: e}} }

type builtinMatcher struct{ faces BuiltinFaces }

func (builtinMatcher) Engine() string { return store.EngineBuiltin }
func (builtinMatcher) Indexes() bool  { return true }
func (m builtinMatcher) analyzeSelfie(ctx context.Context, jpeg []byte) (retina.Analysis, error) {
	return m.faces.Analyze(ctx, jpeg)
}

func (m builtinMatcher) indexPhoto(ctx context.Context, h *handlers, ph store.Photo, img image.Image) error {
	start := time.Now()
	faces, err := m.faces.Engine.FacesIn(ctx, img)
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

// match is one KNN query of the attendee's selfie against the project's
// face index.
func (m builtinMatcher) match(ctx context.Context, h *handlers, p store.ClusterPayload) error {
	out, err := h.DB.MatchSelfie(ctx, p.UserID, p.ProjectID, h.matching(), h.DigestDelay)
	if errors.Is(err, store.ErrNoFaceVector) {
		// Approved by the external service before the built-in engine ran:
		// describe it once, then match.
		if err := m.describeSelfie(ctx, h, p.UserID); err != nil {
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
func (m builtinMatcher) describeSelfie(ctx context.Context, h *handlers, userID string) error {
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
	a, err := m.faces.Engine.Analyze(ctx, jpeg)
	if err != nil {
		return err
	}
	if a.RejectionReason != "" {
		h.Log.Warn("selfie not usable by the built-in face engine", "user", userID, "reason", a.RejectionReason)
		return nil
	}
	return h.DB.SetSelfieVector(ctx, sf.ID, a.Embedding)
}

// BuiltinFaces analyses selfies with the built-in engine, with the same
// verdicts and reasons as the external face service.
type BuiltinFaces struct {
	Engine *face.Engine
}

// Analyze checks a selfie; the embedding is face.Dim long.
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
