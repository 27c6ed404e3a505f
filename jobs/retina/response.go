package retina

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// analyzeResponse is the JSON body of a 200 from POST /analyze.
type analyzeResponse struct {
	FaceDetected    *bool     `json:"faceDetected"`
	Score           *float64  `json:"score"`
	Embedding       []float64 `json:"embedding"`
	RejectionReason *string   `json:"rejectionReason"`
}

// parseAnalysis decodes and validates an /analyze body. The returned message
// never quotes the body.
func parseAnalysis(body []byte) (Analysis, error) {
	var r analyzeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Analysis{}, fmt.Errorf("body is not the expected JSON (%d bytes)", len(body))
	}
	if r.FaceDetected == nil || r.Score == nil {
		return Analysis{}, fmt.Errorf("faceDetected or score missing")
	}
	if *r.Score < 0 || *r.Score > 1 {
		return Analysis{}, fmt.Errorf("score %g outside 0..1", *r.Score)
	}
	a := Analysis{FaceDetected: *r.FaceDetected, Score: *r.Score}
	if a.FaceDetected && a.Score >= MinScore {
		if len(r.Embedding) != EmbeddingSize {
			return Analysis{}, fmt.Errorf("embedding has %d values, want %d", len(r.Embedding), EmbeddingSize)
		}
		a.Embedding = make([]float32, EmbeddingSize)
		for i, v := range r.Embedding {
			f := float32(v)
			if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
				return Analysis{}, fmt.Errorf("embedding value %d is not a finite float32", i)
			}
			a.Embedding[i] = f
		}
		return a, nil
	}
	a.RejectionReason = ReasonLowQuality
	if r.RejectionReason != nil {
		switch reason := *r.RejectionReason; reason {
		case ReasonNoFace, ReasonMultipleFaces, ReasonLowQuality, ReasonFaceTooSmall:
			a.RejectionReason = reason
		}
	}
	return a, nil
}

// clusterResponse is the JSON body of a 200 from POST /cluster.
type clusterResponse struct {
	SelfieClusterID *string `json:"selfieClusterId"`
	Faces           []struct {
		PhotoID   string    `json:"photoId"`
		ClusterID string    `json:"clusterId"`
		Score     float64   `json:"score"`
		Box       []float64 `json:"box"`
	} `json:"faces"`
}

// parseClustering decodes and validates a /cluster body against the ids that
// were sent.
func parseClustering(body []byte, sent map[string]bool) (Clustering, error) {
	var r clusterResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		return Clustering{}, fmt.Errorf("body is not the expected JSON (%d bytes)", len(body))
	}
	var cl Clustering
	if r.SelfieClusterID != nil {
		if *r.SelfieClusterID == "" {
			return Clustering{}, fmt.Errorf("selfieClusterId is empty")
		}
		cl.SelfieClusterID = *r.SelfieClusterID
	}
	cl.Faces = make([]Face, 0, len(r.Faces))
	for i, f := range r.Faces {
		switch {
		case !sent[f.PhotoID]:
			return Clustering{}, fmt.Errorf("face %d names a photo that was not sent", i)
		case f.ClusterID == "":
			return Clustering{}, fmt.Errorf("face %d has no clusterId", i)
		case f.Score < 0 || f.Score > 1:
			return Clustering{}, fmt.Errorf("face %d score %g outside 0..1", i, f.Score)
		case len(f.Box) != 4:
			return Clustering{}, fmt.Errorf("face %d box has %d values, want 4", i, len(f.Box))
		}
		cl.Faces = append(cl.Faces, Face{
			PhotoID:   f.PhotoID,
			ClusterID: f.ClusterID,
			Score:     f.Score,
			Box:       [4]float64(f.Box),
		})
	}
	return cl, nil
}
