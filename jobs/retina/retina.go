// Package retina is the client for Retina, the external face service described
// in RETINA.md. Only background jobs use it: process_selfie calls Analyze and
// cluster_faces calls Cluster.
//
// Every call is bounded by a per-attempt timeout, retries temporary failures
// with exponential backoff and jitter, and goes through a circuit breaker that
// stops calling Retina for a while after repeated failures. Errors are *Error;
// IsPermanent tells a job whether to give up.
package retina

// Rejection reasons for a selfie, as normalised in Analysis.RejectionReason.
const (
	ReasonNoFace        = "no_face"
	ReasonMultipleFaces = "multiple_faces"
	ReasonLowQuality    = "low_quality"
	ReasonFaceTooSmall  = "face_too_small"
)

// MinScore is the detection score from which a selfie is approved.
const MinScore = 0.9

// EmbeddingSize is the number of floats in a face embedding.
const EmbeddingSize = 512

// MaxPhotos is the largest number of photos in one Cluster call.
const MaxPhotos = 50

// Analysis is the result of analysing one selfie.
type Analysis struct {
	// FaceDetected is Retina's faceDetected.
	FaceDetected bool
	// Score is the face detection score, 0 to 1.
	Score float64
	// Embedding holds exactly EmbeddingSize finite floats when the selfie is
	// approved, and is nil otherwise.
	Embedding []float32
	// RejectionReason is "" when the selfie is approved (FaceDetected and
	// Score >= MinScore), else one of ReasonNoFace, ReasonMultipleFaces,
	// ReasonLowQuality or ReasonFaceTooSmall.
	RejectionReason string
}

// Approved reports whether the selfie can be approved.
func (a Analysis) Approved() bool { return a.RejectionReason == "" }

// Photo is one photo sent to Cluster: its id and its JPEG (the thumb-800
// derivative).
type Photo struct {
	ID   string
	JPEG []byte
}

// Face is one face Retina found in a photo.
type Face struct {
	PhotoID   string
	ClusterID string
	Score     float64
	// Box is the face's bounding box in pixels: x, y, width, height.
	Box [4]float64
}

// Clustering is the result of one Cluster call. Cluster ids mean something only
// within one Clustering.
type Clustering struct {
	// SelfieClusterID is the cluster of the selfie's face, "" when Retina found
	// no face in the selfie.
	SelfieClusterID string
	// Faces lists every face found in the photos; a photo may have none or many.
	Faces []Face
}

// Matches returns the ids of photos with a face in the selfie's cluster (none
// when SelfieClusterID is ""), each once, in the order Retina listed them.
func (cl Clustering) Matches() []string {
	if cl.SelfieClusterID == "" {
		return nil
	}
	var ids []string
	seen := make(map[string]bool)
	for _, f := range cl.Faces {
		if f.ClusterID == cl.SelfieClusterID && !seen[f.PhotoID] {
			seen[f.PhotoID] = true
			ids = append(ids, f.PhotoID)
		}
	}
	return ids
}
