package store_test

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"lightbox/store"
	"lightbox/store/storetest"
)

const (
	// selfieKNNVectors is how many approved selfies' embeddings
	// BenchmarkSelfieKNN512 stores: every attendee of a large studio's
	// events over years.
	selfieKNNVectors = 100_000
	// selfieKNNPlanted is the selfie whose embedding is the query itself.
	selfieKNNPlanted = 31_337
)

// BenchmarkSelfieKNN512 measures a k = 20 nearest-neighbour query over
// selfieKNNVectors 512-value embeddings of the external face service in
// selfie_embeddings (cosine distance, no partition: a full scan).
//
// The embeddings are stored once per run of the benchmark, before timing
// starts, in a database under the benchmark's temp dir; b.Loop runs the
// body once, so with -count 1 that is once per process.
func BenchmarkSelfieKNN512(b *testing.B) {
	db := storetest.Open(b)
	query := fillSelfieEmbeddings(b, db, selfieKNNVectors)
	ctx := context.Background()
	var seqs []int64
	var dists []float64
	for b.Loop() {
		seqs, dists = seqs[:0], dists[:0]
		rows, err := db.SQL().QueryContext(ctx, `select selfie_seq, distance from selfie_embeddings
			where embedding match ? and k = 20 order by distance`, query)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var seq int64
			var d float64
			if err := rows.Scan(&seq, &d); err != nil {
				b.Fatal(err)
			}
			seqs, dists = append(seqs, seq), append(dists, d)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	if len(seqs) != 20 || seqs[0] != selfieKNNPlanted || dists[0] > 1e-5 {
		b.Fatalf("query found %d selfies, nearest %v at %v; want 20, nearest %d at 0", len(seqs), seqs[:min(1, len(seqs))], dists[:min(1, len(dists))], selfieKNNPlanted)
	}
	for i := 1; i < len(dists); i++ {
		if dists[i] < dists[i-1] {
			b.Fatalf("distances out of order: %v", dists)
		}
	}
}

// fillSelfieEmbeddings stores n random unit vectors in selfie_embeddings,
// with seqs 1..n, and returns the query: the vector of selfieKNNPlanted.
func fillSelfieEmbeddings(b *testing.B, db *store.DB, n int) []byte {
	b.Helper()
	ctx := context.Background()
	// One connection with a page cache larger than a vec0 chunk (1024
	// vectors of 2 KiB): each insert writes into its chunk's blob.
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `pragma cache_size = -65536`); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 12))
	var query []byte
	const batch = 5000
	for start := 1; start <= n; start += batch {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		stmt, err := tx.PrepareContext(ctx, `insert into selfie_embeddings (selfie_seq, embedding) values (?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for seq := start; seq < min(start+batch, n+1); seq++ {
			v := unitVector512(rng)
			if seq == selfieKNNPlanted {
				query = v
			}
			if _, err := stmt.ExecContext(ctx, seq, v); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	var count int
	if err := conn.QueryRowContext(ctx, `select count(*) from selfie_embeddings`).Scan(&count); err != nil {
		b.Fatal(err)
	}
	if count != n || query == nil {
		b.Fatalf("stored %d embeddings, want %d", count, n)
	}
	return query
}

// unitVector512 is a random direction in store.EmbeddingDim dimensions, as
// sqlite-vec's little-endian float32 blob.
func unitVector512(rng *rand.Rand) []byte {
	v := make([]float64, store.EmbeddingDim)
	var s float64
	for i := range v {
		v[i] = rng.NormFloat64()
		s += v[i] * v[i]
	}
	s = math.Sqrt(s)
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(float32(x/s)))
	}
	return out
}
