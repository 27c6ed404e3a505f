package store_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"lightbox/store"
)

// knnSizes are the event sizes BenchmarkFaceKNN queries: faces indexed in
// one project, each in its own partition of face_vectors.
var knnSizes = []int{10_000, 100_000}

// knnSame is how many of an event's faces are the attendee's (cosine
// similarity knnSim with the selfie), so that a query returns rows as a
// real one does.
const (
	knnSame = 50
	knnSim  = 0.7
)

var knn struct {
	once   sync.Once
	dir    string
	db     *store.DB
	selfie []byte
	err    error
}

// TestMain removes the face index BenchmarkFaceKNN builds once per process.
func TestMain(m *testing.M) {
	code := m.Run()
	if knn.db != nil {
		knn.db.Close()
	}
	if knn.dir != "" {
		os.RemoveAll(knn.dir)
	}
	os.Exit(code)
}

// knnIndex builds, once per process, a database whose face_vectors hold
// one partition per size in knnSizes, of random unit vectors.
func knnIndex(b *testing.B) (*store.DB, []byte) {
	b.Helper()
	knn.once.Do(func() {
		if knn.dir, knn.err = os.MkdirTemp("", "lightbox-knn-"); knn.err != nil {
			return
		}
		ctx := context.Background()
		if knn.db, knn.err = store.Open(ctx, filepath.Join(knn.dir, "lightbox.db"), store.Options{}); knn.err != nil {
			return
		}
		rng := rand.New(rand.NewPCG(1, 2))
		selfie := unitVector(rng)
		knn.selfie = blob(selfie)
		// One connection with a page cache larger than a vec0 chunk (1024
		// vectors, 4 MiB): each insert writes into its chunk's blob.
		conn, err := knn.db.SQL().Conn(ctx)
		if err != nil {
			knn.err = err
			return
		}
		defer conn.Close()
		if _, knn.err = conn.ExecContext(ctx, `pragma cache_size = -65536`); knn.err != nil {
			return
		}
		id := 0
		for _, n := range knnSizes {
			project := knnProject(n)
			for start := 0; start < n && knn.err == nil; start += 5000 {
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					knn.err = err
					return
				}
				stmt, err := tx.PrepareContext(ctx, `insert into face_vectors (face_id, project_id, embedding, photo_id) values (?, ?, ?, ?)`)
				if err != nil {
					tx.Rollback()
					knn.err = err
					return
				}
				for i := start; i < min(start+5000, n); i++ {
					v := unitVector(rng)
					if i%(n/knnSame) == 0 {
						v = nearVector(selfie, v, knnSim)
					}
					id++
					if _, err = stmt.ExecContext(ctx, id, project, blob(v), fmt.Sprintf("photo-%d", i/4)); err != nil {
						break
					}
				}
				stmt.Close()
				if err != nil {
					tx.Rollback()
					knn.err = err
					return
				}
				knn.err = tx.Commit()
			}
		}
	})
	if knn.err != nil {
		b.Fatalf("build the face index: %v", knn.err)
	}
	return knn.db, knn.selfie
}

func knnProject(n int) string { return fmt.Sprintf("event-%d", n) }

// BenchmarkFaceKNN measures MatchSelfie's KNN query: a selfie's nearest
// faces among all those indexed in one event (k = 4096, within the review
// band below the default threshold), rows read.
func BenchmarkFaceKNN(b *testing.B) {
	db, selfie := knnIndex(b)
	ctx := context.Background()
	maxDistance := 1 - (0.58 - 0.08)
	for _, n := range knnSizes {
		b.Run(fmt.Sprintf("faces=%d", n), func(b *testing.B) {
			project := knnProject(n)
			found := 0
			for b.Loop() {
				rows, err := db.SQL().QueryContext(ctx, `select photo_id, distance from face_vectors
					where embedding match ? and k = ? and project_id = ? and distance <= ? order by distance`,
					selfie, 4096, project, maxDistance)
				if err != nil {
					b.Fatal(err)
				}
				found = 0
				for rows.Next() {
					var photoID string
					var d float64
					if err := rows.Scan(&photoID, &d); err != nil {
						b.Fatal(err)
					}
					found++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				rows.Close()
			}
			if found != knnSame {
				b.Fatalf("query found %d faces, want the attendee's %d", found, knnSame)
			}
		})
	}
}

// unitVector is a random direction in store.FaceDim dimensions.
func unitVector(rng *rand.Rand) []float64 {
	v := make([]float64, store.FaceDim)
	var s float64
	for i := range v {
		v[i] = rng.NormFloat64()
		s += v[i] * v[i]
	}
	s = math.Sqrt(s)
	for i := range v {
		v[i] /= s
	}
	return v
}

// nearVector is the unit vector at cosine similarity sim with the unit
// vector u, towards the random unit vector r.
func nearVector(u, r []float64, sim float64) []float64 {
	var dot float64
	for i := range u {
		dot += u[i] * r[i]
	}
	var s float64
	w := make([]float64, len(u))
	for i := range w {
		w[i] = r[i] - dot*u[i] // r without its component along u
		s += w[i] * w[i]
	}
	s = math.Sqrt(s)
	k := math.Sqrt(1 - sim*sim)
	for i := range w {
		w[i] = sim*u[i] + k*w[i]/s
	}
	return w
}

// blob encodes a vector as sqlite-vec's little-endian float32 blob.
func blob(v []float64) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return b
}
