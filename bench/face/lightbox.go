package main

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lightbox/jobs/face"
)

// runLightbox is the child that runs the Go engine on the photos prepared
// in dir and prints a result as JSON. Tasks:
//
//   - embed: Engine.Embed on every face of the manifest, one at a time
//     (the descriptor's matrix products use all GOMAXPROCS cores);
//   - index: Engine.FacesIn on every photo, cpus photos in flight, at the
//     engine's defaults (every scale needed for faces down to MinFace);
//   - index1: the same with the detector run at one scale only, the photo
//     fitted into 256×256, as human runs it.
func runLightbox(dir, models, task string, n, cpus int, stdout io.Writer) error {
	runtime.GOMAXPROCS(cpus)
	e, err := face.Load(models)
	if err != nil {
		return err
	}
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	imgs := make([]image.Image, len(m.Photos))
	for i, p := range m.Photos {
		if imgs[i], err = readRGB(filepath.Join(dir, p.RGB), p.Width, p.Height); err != nil {
			return err
		}
	}

	var r result
	switch task {
	case "embed":
		r, err = lightboxEmbed(e, m, imgs, n, filepath.Join(dir, "lightbox-embeddings.json"))
	case "index", "index1":
		if task == "index1" {
			e.MinFace = math.Inf(1) // no finer scale is ever needed
		}
		r, err = lightboxIndex(e, imgs, n, cpus)
	default:
		err = fmt.Errorf("unknown task %q", task)
	}
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.OpsPerSec = float64(r.Ops) / r.Seconds
	r.PeakRSSMiB = vmHWM()
	r.GoSysMiB = float64(ms.Sys) / (1 << 20)
	r.Versions = map[string]string{"go": strings.TrimPrefix(runtime.Version(), "go")}
	return json.NewEncoder(stdout).Encode(r)
}

// lightboxEmbed describes every face, once untimed (those embeddings are
// written to out for comparison with human's), then n times timed.
func lightboxEmbed(e *face.Engine, m manifest, imgs []image.Image, n int, out string) (result, error) {
	type job struct {
		img image.Image
		det face.Detection
	}
	var jobs []job
	for i, p := range m.Photos {
		for _, f := range p.Faces {
			d := f.detection()
			jobs = append(jobs, job{around(imgs[i], d.Box), d})
		}
	}
	first := make([][]float32, len(jobs))
	for i, j := range jobs {
		v, err := e.Embed(j.img, j.det)
		if err != nil {
			return result{}, err
		}
		first[i] = v
	}
	b, err := json.Marshal(first)
	if err != nil {
		return result{}, err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return result{}, err
	}
	runtime.GC()

	cpu0 := cpuTime()
	start := time.Now()
	for range n {
		for _, j := range jobs {
			if _, err := e.Embed(j.img, j.det); err != nil {
				return result{}, err
			}
		}
	}
	return result{Ops: n * len(jobs), Seconds: time.Since(start).Seconds(),
		CPUSeconds: (cpuTime() - cpu0).Seconds(), Warmups: len(jobs)}, nil
}

// around is the part of img a face's embedding reads: a square of twice the
// box's longer side around its centre (the descriptor's crop is 1.4 times
// that side, turned by up to 45°), so Embed does not convert the whole photo
// for every face. Human likewise crops from a photo already in memory.
func around(img image.Image, box image.Rectangle) image.Image {
	side := max(box.Dx(), box.Dy())
	c := box.Min.Add(box.Max).Div(2)
	r := image.Rect(c.X-side, c.Y-side, c.X+side, c.Y+side).Intersect(img.Bounds())
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

// lightboxIndex finds and describes the faces of every photo, once untimed,
// then n times timed with cpus photos in flight.
func lightboxIndex(e *face.Engine, imgs []image.Image, n, cpus int) (result, error) {
	ctx := context.Background()
	counts := make([]int, len(imgs))
	for i, img := range imgs {
		faces, err := e.FacesIn(ctx, img)
		if err != nil {
			return result{}, err
		}
		counts[i] = len(faces)
	}
	runtime.GC()

	jobs := make(chan image.Image, n*len(imgs))
	for range n {
		for _, img := range imgs {
			jobs <- img
		}
	}
	close(jobs)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	start := time.Now()
	for range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for img := range jobs {
				if _, err := e.FacesIn(ctx, img); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	seconds := time.Since(start).Seconds()
	if firstErr != nil {
		return result{}, firstErr
	}
	return result{Ops: n * len(imgs), Seconds: seconds, CPUSeconds: (cpuTime() - cpu0).Seconds(),
		Warmups: len(imgs), FacesPerPhoto: counts}, nil
}

// cpuTime is the process's user + system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var hwmRE = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)

// vmHWM is the process's peak resident memory in MiB, from /proc/self/status.
func vmHWM() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	m := hwmRE.FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}
