// Command photo compares lightbox/jobs/photo with sharp (libvips) on the same
// generated photos and the same number of cores, and prints one table.
//
// It writes photo-like JPEGs of each size into a temporary directory, then
// runs each pipeline in its own child process, one after the other, limited
// to -cpus cores: this program again with -lightbox (GOMAXPROCS = cpus, cpus
// photos in flight) and node sharp.mjs twice (UV_THREADPOOL_SIZE = cpus,
// cpus photos in flight, one libvips thread per photo), rasterising the SVG
// watermark for every photo and once per size. Run it through run.sh, which
// installs sharp and pins everything to the same CPUs with taskset.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"lightbox/bench/internal/photoset"
)

// result is what each child prints as one JSON line.
type result struct {
	Ops       int               `json:"ops"`
	Seconds   float64           `json:"seconds"`
	OpsPerSec float64           `json:"opsPerSec"`
	Warmups   int               `json:"warmups"` // untimed runs before the timed ones
	OutBytes  int64             `json:"outBytes"`
	Versions  map[string]string `json:"versions"`
	MaxRSSMiB float64           `json:"-"` // peak resident memory of the child
	CPUms     float64           `json:"-"` // CPU time (user + system) per run, timed or not
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/photo:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("photo", flag.ContinueOnError)
	cpus := fs.Int("cpus", 2, "cores each pipeline may use")
	n := fs.Int("n", 3, "times each photo is processed")
	files := fs.Int("files", 4, "photos of each size")
	sizes := fs.String("sizes", "6000x4000,2000x1333", "photo sizes, comma-separated WxH")
	node := fs.String("node", "node", "node executable")
	keep := fs.String("keep", "", "directory to keep the photos and sample outputs in (default: a temporary one, removed)")
	watermark := fs.String("watermark", "© Jane Photographer", "watermark text")
	child := fs.String("lightbox", "", "internal: run the Go pipeline on this directory and print a JSON result")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *child != "" {
		return runLightbox(*child, *n, *cpus, *watermark, *keep, stdout)
	}

	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lightbox-bench-photo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	here, err := scriptDir()
	if err != nil {
		return err
	}

	var rows []row
	for _, s := range strings.Split(*sizes, ",") {
		w, h, err := parseSize(s)
		if err != nil {
			return err
		}
		sub := filepath.Join(dir, s)
		fmt.Fprintf(os.Stderr, "generating %d photos of %s...\n", *files, s)
		mb, err := photoset.Generate(sub, w, h, *files)
		if err != nil {
			return err
		}
		out := ""
		if *keep != "" {
			out = filepath.Join(dir, s+"-out")
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
		}

		fmt.Fprintf(os.Stderr, "lightbox on %s...\n", s)
		lb, err := runChild(exec.Command(self, "-lightbox", sub, "-n", strconv.Itoa(*n),
			"-cpus", strconv.Itoa(*cpus), "-watermark", *watermark, "-keep", out), *cpus)
		if err != nil {
			return fmt.Errorf("lightbox: %w", err)
		}
		rows = append(rows, row{s, mb, "lightbox (Go), watermark laid out once per size", lb})

		for _, ov := range []struct{ mode, name string }{
			{"svg", "sharp, SVG watermark per photo"},
			{"cached", "sharp, watermark cached per size"},
		} {
			fmt.Fprintf(os.Stderr, "sharp (%s) on %s...\n", ov.mode, s)
			args := []string{filepath.Join(here, "sharp.mjs"), "--dir", sub, "--n", strconv.Itoa(*n),
				"--inflight", strconv.Itoa(*cpus), "--threads", "1", "--watermark", *watermark, "--overlay", ov.mode}
			if out != "" {
				args = append(args, "--out", out)
			}
			r, err := runChild(exec.Command(*node, args...), *cpus)
			if err != nil {
				return fmt.Errorf("sharp: %w", err)
			}
			rows = append(rows, row{s, mb, ov.name, r})
		}
	}
	printTable(stdout, rows, *cpus)
	return nil
}

// runChild runs one pipeline and reads its JSON result and peak memory.
func runChild(cmd *exec.Cmd, cpus int) (result, error) {
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cpus), "UV_THREADPOOL_SIZE="+strconv.Itoa(cpus))
	if err := cmd.Run(); err != nil {
		return result{}, err
	}
	var r result
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return result{}, fmt.Errorf("reading result %q: %w", out.String(), err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSMiB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	if runs := r.Ops + r.Warmups; runs > 0 {
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		r.CPUms = float64(cpu.Milliseconds()) / float64(runs)
	}
	return r, nil
}

func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.TrimSpace(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, fmt.Errorf("bad size %q, want WxH", s)
	}
	return w, h, nil
}

// scriptDir finds the directory holding sharp.mjs: the working directory or
// bench/photo under it.
func scriptDir() (string, error) {
	for _, d := range []string{".", filepath.Join("bench", "photo")} {
		if _, err := os.Stat(filepath.Join(d, "sharp.mjs")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", fmt.Errorf("sharp.mjs not found; run from the repository root or bench/photo")
}
