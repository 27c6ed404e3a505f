// Command ingest measures photo ingest end to end through Lightbox's HTTP
// API, beside sharp (libvips) making the same derivatives of the same
// photos on the same cores, and prints one table.
//
// It generates -n camera-like JPEGs (24 MP by default), builds Lightbox,
// and for each face mode starts a fresh server (temporary DATA_DIR,
// embedded local storage, -workers photo workers, FACE_ENGINE off or
// builtin), creates an operator and a project, uploads every photo through
// the photographer's presigned flow and waits until each is processed.
// Then node runs bench/photo/sharp.mjs on the same files. Run it through
// run.sh, which installs sharp and pins everything to the same CPUs.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lightbox/bench/internal/photoset"
	"lightbox/bench/internal/server"
)

// options are the run's flags.
type options struct {
	n, warmup, workers, uploaders, cpus, rounds int
	size, modes, node, watermark                string
	sharp, keep                                 bool
}

// result is one measured ingest: a server's or sharp's.
type result struct {
	name     string
	mode     string // FACE_ENGINE, or sharp
	photos   int
	seconds  float64 // wall clock, from the first upload to the last photo processed
	cpuMs    float64 // user + system per photo
	rssMiB   float64 // peak resident memory (VmHWM, or rusage for sharp)
	faces    int     // faces indexed, with the face index on
	versions map[string]string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ingest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.n, "n", 40, "photos uploaded and timed per run")
	fs.IntVar(&o.warmup, "warmup", 2, "photos uploaded and processed before the clock starts")
	fs.StringVar(&o.size, "size", "6000x4000", "photo size, WxH")
	fs.IntVar(&o.workers, "workers", 2, "the server's photo workers (PHOTO_WORKERS)")
	fs.IntVar(&o.uploaders, "uploaders", 2, "uploads in flight")
	fs.IntVar(&o.cpus, "cpus", 2, "cores: the servers' GOMAXPROCS, sharp's photos in flight and thread pool")
	fs.IntVar(&o.rounds, "rounds", 1, "measure every configuration this many times, in turns")
	fs.StringVar(&o.modes, "faces", "off,builtin", "face engines to run the server with (FACE_ENGINE), comma-separated")
	fs.BoolVar(&o.sharp, "sharp", true, "run sharp on the same photos")
	fs.StringVar(&o.node, "node", "node", "node executable")
	fs.StringVar(&o.watermark, "watermark", "© Jane Photographer", "the project's watermark text")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (photos, binary, data, server logs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var w, h int
	if _, err := fmt.Sscanf(o.size, "%dx%d", &w, &h); err != nil || w < 16 || h < 16 {
		return fmt.Errorf("-size %q: want WxH", o.size)
	}
	root, err := server.ModuleRoot()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "lightbox-ingest-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(stderr, "keeping", work)
	} else {
		defer os.RemoveAll(work)
	}

	photos := filepath.Join(work, "photos")
	fmt.Fprintf(stderr, "generating %d photos of %s...\n", o.n, o.size)
	mb, err := photoset.Generate(photos, w, h, o.n)
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(photos, "photo-*.jpg"))
	if err != nil {
		return err
	}
	bin := filepath.Join(work, "lightbox")
	fmt.Fprintln(stderr, "building lightbox...")
	if err := server.Build(ctx, root, bin, nil, "-trimpath", "-ldflags", "-X main.version=ingest"); err != nil {
		return err
	}

	var results []result
	for round := range o.rounds {
		for i, mode := range strings.Split(o.modes, ",") {
			fmt.Fprintf(stderr, "round %d/%d: lightbox, FACE_ENGINE=%s...\n", round+1, o.rounds, mode)
			r, err := ingest(ctx, o, bin, filepath.Join(work, fmt.Sprintf("%s-%d-%d", mode, round, i)), mode, files)
			if err != nil {
				return fmt.Errorf("lightbox, FACE_ENGINE=%s: %w", mode, err)
			}
			results = append(results, r)
		}
		if o.sharp {
			fmt.Fprintf(stderr, "round %d/%d: sharp...\n", round+1, o.rounds)
			r, err := runSharp(ctx, o, root, photos)
			if err != nil {
				return fmt.Errorf("sharp: %w", err)
			}
			results = append(results, r)
		}
	}
	printTable(stdout, o, mb, results)
	return nil
}

// ingest starts a fresh Lightbox with the given face engine, uploads the
// warm-up photos and then every photo through the API, and measures from
// the first timed upload until the last photo is processed.
func ingest(ctx context.Context, o options, bin, dir, mode string, files []string) (result, error) {
	r := result{name: "lightbox, FACE_ENGINE=" + mode, mode: mode, photos: len(files)}
	dataDir := filepath.Join(dir, "data")
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return r, err
	}
	const email, password = "studio@example.com", "a long password for the bench"
	cmd := exec.CommandContext(ctx, bin, "operator", "create", "--data-dir", dataDir, "--email", email, "--password", password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return r, fmt.Errorf("operator create: %v: %s", err, out)
	}
	addr, err := server.FreeAddr()
	if err != nil {
		return r, err
	}
	base := "http://" + addr
	srv, err := server.Start(ctx, bin, []string{"serve"}, []string{"DATA_DIR=" + dataDir, "ADDR=" + addr, "PUBLIC_URL=" + base,
		"FACE_ENGINE=" + mode, "PHOTO_WORKERS=" + strconv.Itoa(o.workers), "GOMAXPROCS=" + strconv.Itoa(o.cpus)},
		filepath.Join(dir, "lightbox.log"), base+"/v1/health")
	if err != nil {
		return r, err
	}
	defer srv.Stop()

	c := &http.Client{Timeout: 2 * time.Minute}
	var login struct {
		Token string `json:"token"`
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	if err := server.CallJSON(ctx, c, "POST", base+"/v1/auth/login", "", bytes.NewReader(body), http.StatusOK, &login); err != nil {
		return r, err
	}
	var prj struct {
		ID string `json:"id"`
	}
	body, _ = json.Marshal(map[string]string{"name": "Summer Gala", "date": "2026-06-21", "location": "Lyon",
		"timezone": "Europe/Paris", "currency": "EUR", "watermarkText": o.watermark})
	if err := server.CallJSON(ctx, c, "POST", base+"/v1/projects", login.Token, bytes.NewReader(body), http.StatusCreated, &prj); err != nil {
		return r, err
	}
	up := uploader{c: c, base: base, project: prj.ID, token: login.Token}
	warm := files[:min(o.warmup, len(files))]
	if err := up.all(ctx, warm, "warm", o.uploaders); err != nil {
		return r, err
	}
	if _, err := up.wait(ctx, len(warm)); err != nil {
		return r, err
	}

	cpu0 := server.CPUSeconds(srv.PID())
	start := time.Now()
	if err := up.all(ctx, files, "DSC", o.uploaders); err != nil {
		return r, err
	}
	faces, err := up.wait(ctx, len(warm)+len(files))
	if err != nil {
		return r, err
	}
	r.seconds = time.Since(start).Seconds()
	r.cpuMs = (server.CPUSeconds(srv.PID()) - cpu0) * 1000 / float64(len(files))
	r.rssMiB = float64(server.ProcStatus(srv.PID(), "VmHWM")) / 1024
	r.faces = faces
	return r, nil
}

// uploader sends photos to one project as its operator.
type uploader struct {
	c                    *http.Client
	base, project, token string
}

// all uploads files with inflight uploads at a time, named prefix_NNNN.jpg.
func (u uploader) all(ctx context.Context, files []string, prefix string, inflight int) error {
	next := make(chan int)
	errs := make(chan error, inflight)
	var wg sync.WaitGroup
	for range max(inflight, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b, err := os.ReadFile(files[i])
				if err == nil {
					err = server.Upload(ctx, u.c, u.base, u.project, u.token, b, fmt.Sprintf("%s_%04d.jpg", prefix, i+1))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for i := range files {
		select {
		case next <- i:
		case err = <-errs:
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if err != nil {
		return err
	}
	return <-errs // nil once closed and empty
}

// wait polls until the project has total photos processed and the job
// queue is empty (with the face index on, that includes every photo's
// faces), and returns the faces indexed.
func (u uploader) wait(ctx context.Context, total int) (int, error) {
	deadline := time.Now().Add(time.Duration(total) * time.Minute)
	for {
		var prj struct {
			Stats struct {
				Ready  int `json:"ready"`
				Failed int `json:"failed"`
			} `json:"stats"`
		}
		var health struct {
			Queue struct {
				Backlog int `json:"backlog"`
			} `json:"queue"`
		}
		if err := server.CallJSON(ctx, u.c, "GET", u.base+"/v1/projects/"+u.project, u.token, nil, http.StatusOK, &prj); err != nil {
			return 0, err
		}
		if err := server.CallJSON(ctx, u.c, "GET", u.base+"/v1/health", "", nil, http.StatusOK, &health); err != nil {
			return 0, err
		}
		if prj.Stats.Failed > 0 {
			return 0, fmt.Errorf("%d photos failed", prj.Stats.Failed)
		}
		if prj.Stats.Ready == total && health.Queue.Backlog == 0 {
			return u.faces(ctx)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d of %d photos ready, %d jobs queued, after %s", prj.Stats.Ready, total, health.Queue.Backlog, time.Duration(total)*time.Minute)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// faces counts the faces indexed in the project's photos.
func (u uploader) faces(ctx context.Context) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Items []struct {
				FaceCount int `json:"faceCount"`
			} `json:"items"`
			NextCursor string `json:"nextCursor"`
		}
		if err := server.CallJSON(ctx, u.c, "GET", u.base+"/v1/projects/"+u.project+"/photos?limit=200&cursor="+cursor, u.token, nil, http.StatusOK, &page); err != nil {
			return 0, err
		}
		for _, it := range page.Items {
			n += it.FaceCount
		}
		if cursor = page.NextCursor; cursor == "" {
			return n, nil
		}
	}
}

// runSharp makes the same derivatives of the same photos with sharp
// (bench/photo/sharp.mjs): cpus photos in flight, one libvips thread each,
// after one untimed pass over every photo. Its watermark is rasterised once
// per preview size, as Lightbox lays its own out once per size.
func runSharp(ctx context.Context, o options, root, photos string) (result, error) {
	r := result{name: "sharp (libvips), derivatives only", mode: "sharp"}
	cmd := exec.CommandContext(ctx, o.node, filepath.Join(root, "bench", "photo", "sharp.mjs"), "--dir", photos, "--n", "1",
		"--inflight", strconv.Itoa(o.cpus), "--threads", "1", "--watermark", o.watermark, "--overlay", "cached")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	cmd.Env = append(os.Environ(), "UV_THREADPOOL_SIZE="+strconv.Itoa(o.cpus))
	if err := cmd.Run(); err != nil {
		return r, err
	}
	var res struct {
		Ops      int               `json:"ops"`
		Seconds  float64           `json:"seconds"`
		Warmups  int               `json:"warmups"`
		Versions map[string]string `json:"versions"`
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return r, fmt.Errorf("reading result %q: %w", out.String(), err)
	}
	if res.Ops == 0 {
		return r, errors.New("sharp processed no photos")
	}
	r.photos, r.seconds, r.versions = res.Ops, res.Seconds, res.Versions
	// The process's CPU covers the warm-up pass too: per photo, over both.
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.cpuMs = float64(cpu.Milliseconds()) / float64(res.Ops+res.Warmups)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return r, nil
}
