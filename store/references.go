package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"

	"lightbox/internal/vec"
)

// An attendee's references are the vectors a face is compared with to say
// whether it is theirs: the approved selfie's, and those of the faces an
// operator accepted as theirs from the review list, so a later photo
// matches any view of them already confirmed. A face is the attendee's by
// its best similarity over the references. Only the built-in engine's
// selfies and faces count. A reference goes with its selfie (deleting it,
// or withdrawing consent, deletes the attendee's reviews too), with its
// photo, and when the attendee says "not me" on that photo.

// querier is what reading references needs: the handle or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// projectReferences returns the references of every member of the project
// with an approved built-in selfie, by user.
func projectReferences(ctx context.Context, q querier, projectID string) (map[string][][]float32, error) {
	return references(ctx, q, `select m.user_id from project_members m where m.project_id = ?`, projectID)
}

// userReferences returns the user's references, none without an approved
// built-in selfie.
func userReferences(ctx context.Context, q querier, userID string) ([][]float32, error) {
	refs, err := references(ctx, q, `select ?`, userID)
	return refs[userID], err
}

// references reads the references of the users the query selects.
func references(ctx context.Context, q querier, users string, args ...any) (map[string][][]float32, error) {
	out := map[string][][]float32{}
	// The user query's placeholders come first, in the with clause.
	add := func(query string, more ...any) error {
		rows, err := q.QueryContext(ctx, query, append(append([]any{}, args...), more...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var user string
			var b []byte
			if err := rows.Scan(&user, &b); err != nil {
				return err
			}
			v, err := decodeVec(b, FaceDim)
			if err != nil {
				return err
			}
			out[user] = append(out[user], v)
		}
		return rows.Err()
	}
	// The selfie first: a user has references only with one.
	if err := add(`with u(id) as (`+users+`)
		select s.user_id, v.embedding from u join selfies s on s.user_id = u.id and s.status = 'approved' and s.engine = ?
		join selfie_vectors v on v.selfie_seq = s.seq`, EngineBuiltin); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := add(`with u(id) as (`+users+`)
		select r.user_id, v.embedding from u join face_reviews r on r.user_id = u.id
		join photo_faces f on f.id = r.face_id and f.engine = ?
		join face_vectors v on v.face_id = f.id
		where r.status = 'accepted' and r.decided_by = 'operator'
		and exists (select 1 from selfies s where s.user_id = r.user_id and s.status = 'approved' and s.engine = ?)
		and not exists (select 1 from tags t where t.user_id = r.user_id and t.photo_id = r.photo_id and t.status = 'removed')
		order by r.id`, EngineBuiltin, EngineBuiltin); err != nil {
		return nil, err
	}
	return out, nil
}

// bestSimilarity is the highest cosine similarity of v to any reference.
func bestSimilarity(refs [][]float32, v []float32) float64 {
	best := -1.0
	for _, r := range refs {
		best = max(best, vec.Cosine(r, v))
	}
	return best
}

// decodeVec reads a sqlite-vec float32 blob of dim values.
func decodeVec(b []byte, dim int) ([]float32, error) {
	if len(b) != 4*dim {
		return nil, fmt.Errorf("stored vector has %d bytes, want %d", len(b), 4*dim)
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
