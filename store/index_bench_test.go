package store_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"lightbox/store"
)

// BenchmarkIndexPhotoFaces indexes a photo of 8 faces in an event whose
// members all have an approved selfie, one in ten with a face an operator
// accepted too: comparing the faces with every member's references is
// what grows with the event.
func BenchmarkIndexPhotoFaces(b *testing.B) {
	for _, members := range []int{100, 1000} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			w := newFaceWorld(b)
			rng := rand.New(rand.NewPCG(1, uint64(members)))
			randVec := func() []float32 {
				v := make([]float32, store.FaceDim)
				var n float64
				for i := range v {
					v[i] = float32(rng.NormFloat64())
					n += float64(v[i]) * float64(v[i])
				}
				for i := range v {
					v[i] /= float32(math.Sqrt(n))
				}
				return v
			}
			for i := range members {
				u := w.member(fmt.Sprintf("m%d@example.com", i), randVec())
				if i%10 == 0 {
					// A face of theirs, accepted by the operator.
					sel := w.count(`select seq from selfies where user_id = ?`, u.ID)
					var selfie []byte
					if err := w.db.SQL().QueryRowContext(w.ctx, `select embedding from selfie_vectors where selfie_seq = ?`, sel).Scan(&selfie); err != nil {
						b.Fatal(err)
					}
					ph, _ := w.photo(w.project, randVec())
					if _, err := w.db.SQL().ExecContext(w.ctx, `insert into face_reviews (id, project_id, photo_id, user_id, similarity, face_id, status, decided_by, created_at, updated_at)
						select ?, ?, ?, ?, 0.55, id, 'accepted', 'operator', 'x', 'x' from photo_faces where photo_id = ?`,
						fmt.Sprintf("rev%d", i), w.project.ID, ph.ID, u.ID, ph.ID); err != nil {
						b.Fatal(err)
					}
				}
			}
			ph, _ := w.photo(w.project)
			faces := make([]store.FaceVector, 8)
			for i := range faces {
				faces[i] = store.FaceVector{Box: faceBox(i), Score: 0.9, Embedding: randVec()}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := w.db.IndexPhotoFaces(w.ctx, ph.ID, faces, matching, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
