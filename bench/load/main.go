// Command load puts an event's busiest moment on a real Lightbox and on a
// PocketBase peer, one after the other on the same machine, and prints one
// table: latency, errors, throughput and peak memory of each server.
//
// The moment: every attendee of an event opens "My photos" at once and
// keeps refreshing it, while the photographer's uploads keep arriving. For
// Lightbox that is -attendees clients, each with its own session, calling
// GET /v1/projects/{id}/my-photos (a page of -per-attendee photos, every
// URL presigned), and two workers uploading photos through the presigned
// flow (create, PUT, complete). For PocketBase it is the same number of
// authenticated users listing their -per-attendee records of the same
// shape, and two workers creating records with the photo attached.
//
//	go run ./bench/load [-duration 30s] [-attendees 200] [-only lightbox|pocketbase]
//
// Both servers are built from source into a temporary directory, run on
// loopback with their own temporary data directory, seeded before the
// clock starts, and stopped at the end. Run it through `make load`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"lightbox/bench/internal/server"
)

// options are the run's flags.
type options struct {
	duration       time.Duration
	warmup         time.Duration
	attendees      int
	perAttendee    int
	photos         int // photos in the event; each attendee is tagged in perAttendee of them
	rounds         int
	maxRequests    int
	ingestWorkers  int
	ingestInterval time.Duration
	ingestSize     string
	only           string
	keep           bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long each server is measured in all")
	fs.IntVar(&o.rounds, "rounds", 3, "measure the servers in turns, this many times each (the duration is split between them)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "untimed load before the measurement")
	fs.IntVar(&o.attendees, "attendees", 200, "concurrent attendees, each with their own session")
	fs.IntVar(&o.perAttendee, "per-attendee", 50, "photos each attendee is tagged in (one page)")
	fs.IntVar(&o.photos, "photos", 2000, "photos in the event")
	fs.IntVar(&o.maxRequests, "max-requests", 2_000_000, "stop a measurement after this many list requests")
	fs.IntVar(&o.ingestWorkers, "ingest-workers", 2, "workers uploading photos during the measurement")
	fs.DurationVar(&o.ingestInterval, "ingest-interval", time.Second, "each ingest worker uploads one photo this often (0: back to back)")
	fs.StringVar(&o.ingestSize, "ingest-size", "2000x1333", "size of the uploaded photos, WxH")
	fs.StringVar(&o.only, "only", "", "measure only lightbox or pocketbase")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binaries, data, server logs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.rounds < 1 {
		o.rounds = 1
	}
	if o.perAttendee > o.photos {
		return fmt.Errorf("-per-attendee %d is more than -photos %d", o.perAttendee, o.photos)
	}
	root, err := server.ModuleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "lightbox-load-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "keeping", work)
	} else {
		defer os.RemoveAll(work)
	}
	var w, h int
	if _, err := fmt.Sscanf(o.ingestSize, "%dx%d", &w, &h); err != nil || w < 16 || h < 16 {
		return fmt.Errorf("-ingest-size %q: want WxH", o.ingestSize)
	}
	upload := ingestPhoto(w, h)

	type server struct {
		name  string
		start func() (target, func(), error)
	}
	var servers []server
	if o.only == "" || o.only == "lightbox" {
		servers = append(servers, server{"lightbox", func() (target, func(), error) {
			return startLightbox(ctx, o, root, filepath.Join(work, "lightbox"), upload, stderr)
		}})
	}
	if o.only == "" || o.only == "pocketbase" {
		servers = append(servers, server{"pocketbase", func() (target, func(), error) {
			return startPocketBase(ctx, o, filepath.Join(root, "bench", "load", "pocketbase"), filepath.Join(work, "pocketbase"), upload, stderr)
		}})
	}
	if len(servers) == 0 {
		return fmt.Errorf("-only %q: want lightbox or pocketbase", o.only)
	}
	// Start and warm up every server first, then measure them in turns, so
	// a change in the machine's other load hits both alike.
	var runners []*runner
	for _, s := range servers {
		t, stop, err := s.start()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		defer stop()
		r := newRunner(o, t)
		if err := r.warm(stderr); err != nil {
			return err
		}
		runners = append(runners, r)
	}
	round := o.duration / time.Duration(o.rounds)
	for i := range o.rounds {
		for _, r := range runners {
			fmt.Fprintf(stderr, "round %d/%d: ", i+1, o.rounds)
			r.measure(ctx, round, o.maxRequests/o.rounds, stderr)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	var results []result
	for _, r := range runners {
		results = append(results, r.result())
	}
	printTable(stdout, o, len(upload), results)
	for _, r := range results {
		if r.Errors > 0 || r.IngestErrors > 0 {
			return errors.New("some requests failed")
		}
	}
	return nil
}

// cpus describes the machine for the table's heading.
func cpus() string {
	return fmt.Sprintf("%d cores (GOMAXPROCS %d)", runtime.NumCPU(), runtime.GOMAXPROCS(0))
}
