package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"time"

	"lightbox/app"
	"lightbox/jobs"
	"lightbox/jobs/face"
	"lightbox/jobs/face/models"
	"lightbox/jobs/mail"
	"lightbox/jobs/retina"
	"lightbox/store"
	"lightbox/store/blob"
)

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func cmdServe(ctx context.Context, args []string, getenv getenvFunc, stdout, stderr io.Writer) error {
	fs, dir := newFlags("serve", getenv, stderr)
	addr := fs.String("addr", defaultAddr(getenv), "address to listen on ($ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv, *dir, *addr)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg.LogFormat, stdout)
	if cfg.MemoryLimit > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(cfg.MemoryLimit))
		log.Info("memory: soft limit for the Go runtime (GOMEMLIMIT sets another)", "MiB", cfg.MemoryLimit>>20)
	}

	db, err := openDB(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := cfg.loadSecret(); err != nil {
		return err
	}
	if v, err := db.SchemaVersion(ctx); err == nil {
		log.Info("database: embedded SQLite", "path", db.Path(), "schema", v)
	}

	// Object storage: R2 when configured, else local disk served by us.
	var blobs blob.Store
	var local http.Handler
	if cfg.R2.Bucket != "" {
		s3, err := blob.NewS3(ctx, blob.S3Config{AccountID: cfg.R2.AccountID, Endpoint: cfg.R2.Endpoint, AccessKeyID: cfg.R2.AccessKeyID,
			SecretAccessKey: cfg.R2.SecretAccessKey, Bucket: cfg.R2.Bucket})
		if err != nil {
			return fmt.Errorf("R2: %w", err)
		}
		if err := s3.CheckCORS(ctx, cfg.PublicURL); err != nil {
			log.Warn("R2 bucket CORS: browsers may not be able to upload; see the README", "err", err)
		}
		blobs = s3
		log.Info("storage: live (R2/S3)", "bucket", cfg.R2.Bucket)
	} else {
		// Relative URLs: a page opened at another host than PUBLIC_URL
		// (a LAN IP, 127.0.0.1) still loads its photos.
		l, err := blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"), "", cfg.SecretKey)
		if err != nil {
			return err
		}
		l.Log = log
		blobs, local = l, l
		log.Info("storage: embedded default (local disk)", "dir", filepath.Join(cfg.DataDir, "blobs"))
	}

	var sender mail.Sender
	if cfg.ResendAPIKey != "" {
		var opts []mail.ResendOption
		if cfg.ResendAPIURL != "" {
			opts = append(opts, mail.WithBaseURL(cfg.ResendAPIURL))
		}
		sender = mail.NewResend(cfg.ResendAPIKey, cfg.EmailFrom, opts...)
		log.Info("email: live (Resend)", "from", cfg.EmailFrom)
	} else {
		log.Info("email: embedded default (outbox in the backoffice)")
	}

	var payments app.Payments
	if cfg.StripeSecretKey != "" {
		payments = app.NewStripe(cfg.StripeSecretKey, cfg.StripeAPIURL)
		log.Info("payments: live (Stripe)")
	} else {
		log.Info("payments: embedded default (offline payments recorded by an operator)")
	}

	faces, err := faceMatching(cfg, log)
	if err != nil {
		return err
	}
	if cfg.GooglePlacesKey != "" {
		log.Info("location search: live (Google Places)")
	} else {
		log.Info("location search: embedded default (plain text and a time-zone list)")
	}

	templates, err := mail.NewTemplates()
	if err != nil {
		return err
	}
	runner := jobs.NewRunner(db, log, jobs.Options{Policies: policies(cfg)})
	jobs.Register(runner, jobs.Deps{DB: db, Blobs: blobs, Log: log, Mailer: sender, Templates: templates, Faces: faces,
		PublicURL: cfg.PublicURL, StudioName: cfg.StudioName, Secret: cfg.SecretKey})

	if err := runner.Check(); err != nil {
		return err
	}
	srv, err := app.NewServer(app.Config{PublicURL: cfg.PublicURL, StudioName: cfg.StudioName, Version: version,
		StripePublishableKey: cfg.StripePublishableKey, StripeWebhookSecret: cfg.StripeWebhookSecret, GooglePlacesKey: cfg.GooglePlacesKey,
		GoogleServerKey: cfg.GoogleServerKey,
		FaceMatching:    faces.Engine() != "", TrustedProxies: cfg.Proxies, Secret: cfg.SecretKey},
		app.Deps{Log: log, DB: db, Blobs: blobs, Local: local, Payments: payments, Jobs: jobStats{runner}})
	if err != nil {
		return err
	}
	if faces.Engine() != "" {
		if n, err := db.EnqueuePendingSelfies(ctx); err != nil {
			return err
		} else if n > 0 {
			log.Info("queued pending selfies for face matching", "count", n)
		}
	}
	if faces.Indexes() {
		if n, err := db.EnqueueUnindexedPhotos(ctx); err != nil {
			return err
		} else if n > 0 {
			log.Info("queued photos for the face index", "count", n)
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute}
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("METRICS_ADDR: %w", err)
		}
		metricsSrv = &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second}
		go metricsSrv.Serve(mln)
		log.Info("metrics: live", "addr", mln.Addr().String())
	}

	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- runner.Run(jobsCtx) }()
	go jobs.Janitor(jobsCtx, db, log, time.Minute)

	// The listener is bound, so connections queue; the server answers only
	// once the startup log, setup link included, has been written.
	log.Info("Lightbox is ready", "url", cfg.PublicURL, "listen", ln.Addr().String(), "version", version, "data", cfg.DataDir)
	log.Info("links in emails (invites, password resets, orders) are built from PUBLIC_URL: set it to the address people use; pages opened at another address work, and the backoffice says so",
		"public_url", cfg.PublicURL)
	if w := cfg.publicURLWarning(); w != "" {
		log.Warn(w, "public_url", cfg.PublicURL, "listen", ln.Addr().String())
	}
	if _, err := srv.SetupLink(ctx); err != nil {
		log.Error("setup link", "err", err)
	}
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpSrv.Serve(ln) }()

	select {
	case <-ctx.Done():
	case err := <-httpDone:
		stopJobs()
		<-jobsDone
		return err
	}
	// Shutdown in reverse: HTTP, then the job runner, then (deferred) the database.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(sctx); err != nil {
		log.Error("http shutdown", "err", err)
	}
	if metricsSrv != nil {
		metricsSrv.Shutdown(sctx)
	}
	stopJobs()
	if err := <-jobsDone; err != nil {
		return err
	}
	if err := <-httpDone; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// policies are the default job policies with the configured photo workers.
// faceMatching chooses what matches faces: the external service when
// RETINA_SERVICE_URL is set; otherwise the built-in engine, unless
// FACE_ENGINE=off or the binary was built without the engine's models.
// Without either, selfies wait as pending.
func faceMatching(cfg Config, log *slog.Logger) (jobs.Matcher, error) {
	if cfg.RetinaURL != "" {
		log.Info("face matching: live (Retina)", "url", cfg.RetinaURL)
		return jobs.RetinaMatcher(retina.New(cfg.RetinaURL, cfg.RetinaAPIKey)), nil
	}
	if cfg.FaceEngine == "off" {
		log.Info("face matching: off (FACE_ENGINE=off; selfies wait as pending)")
		return jobs.MatchingOff, nil
	}
	fsys, ok := models.FS()
	if !ok {
		if cfg.FaceEngine == "builtin" {
			return nil, errors.New("FACE_ENGINE=builtin, but this binary was built without the face models: run `make models` and build again")
		}
		log.Info("face matching: off (this binary was built without the face models; selfies wait as pending)")
		return jobs.MatchingOff, nil
	}
	start := time.Now()
	e, err := face.LoadFS(fsys)
	if err != nil {
		return nil, fmt.Errorf("FACE_ENGINE: %w", err)
	}
	log.Info("face matching: embedded default (built-in engine)", "loaded_in", time.Since(start).Round(time.Millisecond))
	return jobs.BuiltinMatcher(e), nil
}

func policies(cfg Config) map[string]jobs.Policy {
	p := jobs.DefaultPolicies()
	pp := p[store.JobProcessPhoto]
	pp.Workers = cfg.Workers
	p[store.JobProcessPhoto] = pp
	return p
}

// jobStats adapts the runner's counters for the server.
type jobStats struct{ r *jobs.Runner }

func (j jobStats) Counts() map[string]app.JobCounts {
	out := map[string]app.JobCounts{}
	for k, c := range j.r.Counts() {
		out[k] = app.JobCounts(c)
	}
	return out
}
