package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"lightbox/jobs/photo"
)

// runLightbox is the child that runs photo.Derive on every JPEG in dir n
// times, with cpus photos in flight, and prints a result as JSON. With keep
// set it also writes the outputs of the first photo there.
func runLightbox(dir string, n, cpus int, watermark, keep string, stdout io.Writer) error {
	runtime.GOMAXPROCS(cpus)
	names, err := filepath.Glob(filepath.Join(dir, "photo-*.jpg"))
	if err != nil || len(names) == 0 {
		return fmt.Errorf("no photo-*.jpg files in %s", dir)
	}
	files := make([][]byte, len(names))
	for i, name := range names {
		if files[i], err = os.ReadFile(name); err != nil {
			return err
		}
	}
	opts := photo.Options{Watermark: watermark}

	// One untimed run per file, as for sharp.
	for i, f := range files {
		d, err := photo.Derive(bytes.NewReader(f), opts)
		if err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
		if keep != "" && i == 0 {
			for name, b := range map[string][]byte{"thumb800": d.Thumb800, "thumb400": d.Thumb400, "watermarked": d.Watermarked} {
				if err := os.WriteFile(filepath.Join(keep, "lightbox-"+name+".jpg"), b, 0o644); err != nil {
					return err
				}
			}
		}
	}
	runtime.GC()

	jobs := make(chan []byte, len(files)*n)
	for range n {
		for _, f := range files {
			jobs <- f
		}
	}
	close(jobs)
	var outBytes atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				d, err := photo.Derive(bytes.NewReader(f), opts)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				outBytes.Add(int64(len(d.Thumb800) + len(d.Thumb400) + len(d.Watermarked)))
			}
		}()
	}
	wg.Wait()
	seconds := time.Since(start).Seconds()
	if firstErr != nil {
		return firstErr
	}
	ops := len(files) * n
	return json.NewEncoder(stdout).Encode(result{
		Ops:       ops,
		Seconds:   seconds,
		OpsPerSec: float64(ops) / seconds,
		Warmups:   len(files),
		OutBytes:  outBytes.Load(),
		Versions:  map[string]string{"go": strings.TrimPrefix(runtime.Version(), "go")},
	})
}
