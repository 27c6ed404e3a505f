package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"lightbox/jobs/mail"
	"lightbox/jobs/retina"
	"lightbox/store"
	"lightbox/store/blob"
)

// FaceService finds faces: the Retina client implements it.
type FaceService interface {
	Analyze(ctx context.Context, jpeg []byte) (retina.Analysis, error)
	Cluster(ctx context.Context, selfie []byte, photos []retina.Photo) (retina.Clustering, error)
}

// Deps are what the job handlers work with.
type Deps struct {
	DB        *store.DB
	Blobs     blob.Store
	Log       *slog.Logger
	Mailer    mail.Sender // nil: emails go to the embedded outbox
	Templates *mail.Templates
	// Faces is how faces are matched: BuiltinMatcher, RetinaMatcher or
	// MatchingOff (also when nil: selfies wait as pending).
	Faces      Matcher
	PublicURL  string
	StudioName string
	Secret     []byte
	// ClusterDelay gathers photos finishing close together into one
	// cluster_faces run; DigestDelay does the same for tag emails.
	ClusterDelay, DigestDelay time.Duration
}

// handlers holds the dependencies of every job kind.
type handlers struct{ Deps }

// Register registers a handler for every job kind.
func Register(r *Runner, d Deps) {
	if d.ClusterDelay == 0 {
		d.ClusterDelay = 15 * time.Second
	}
	if d.DigestDelay == 0 {
		d.DigestDelay = 2 * time.Minute
	}
	if d.Faces == nil {
		d.Faces = MatchingOff
	}
	h := &handlers{d}
	r.Register(store.JobProcessPhoto, decoded(h.processPhoto))
	r.OnFailure(store.JobProcessPhoto, failed(h.photoFailed))
	r.Register(store.JobProcessSelfie, decoded(h.processSelfie))
	r.Register(store.JobClusterFaces, decoded(h.clusterFaces))
	r.Register(store.JobIndexFaces, decoded(h.indexFaces))
	r.Register(store.JobNotifyUserInvited, decoded(h.notifyInvited))
	r.OnFailure(store.JobNotifyUserInvited, failed(h.inviteFailed))
	r.Register(store.JobNotifyPasswordReset, decoded(h.notifyReset))
	r.Register(store.JobNotifyUserTagged, decoded(h.notifyTagged))
	r.Register(store.JobNotifyPurchase, decoded(h.notifyPurchase))
	r.Register(store.JobCleanupProjectStorage, decoded(h.cleanup))
	r.Register(store.JobPreparePurchase, decoded(h.preparePurchase))
}

// decoded adapts a handler of a typed payload.
func decoded[P any](fn func(context.Context, P) error) Handler {
	return func(ctx context.Context, raw json.RawMessage) error {
		var p P
		if err := json.Unmarshal(raw, &p); err != nil {
			return Permanent(fmt.Errorf("bad payload: %w", err))
		}
		return fn(ctx, p)
	}
}

func failed[P any](fn func(context.Context, P, error)) FailureHook {
	return func(ctx context.Context, raw json.RawMessage, err error) {
		var p P
		if json.Unmarshal(raw, &p) == nil {
			fn(ctx, p, err)
		}
	}
}

// readBlob reads a whole stored object, at most limit bytes.
func (h *handlers) readBlob(ctx context.Context, key string, limit int64) ([]byte, error) {
	rc, err := h.Blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, Permanent(fmt.Errorf("%s is over %d bytes", key, limit))
	}
	return b, nil
}

func (h *handlers) cleanup(ctx context.Context, p store.CleanupPayload) error {
	if p.Prefix == "" || p.Prefix == "/" {
		return Permanent(fmt.Errorf("refusing to clean up an empty prefix"))
	}
	n, err := h.Blobs.DeletePrefix(ctx, p.Prefix)
	if err != nil {
		return err
	}
	h.Log.Info("storage cleaned", "prefix", p.Prefix, "objects", n)
	return nil
}

// copyCtx copies until done or ctx is cancelled.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
