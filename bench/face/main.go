// Command face compares lightbox/jobs/face with @vladmandic/human on the
// tfjs WASM backend, on the same photos and the same number of cores, and
// prints one table.
//
// It rescales the sample photos of the npm package @vladmandic/face-api
// (3 to 5 faces each) to 1600 px on the long edge, writes each as a JPEG and
// as raw RGB into a temporary directory with a manifest of the faces the Go
// engine finds, then runs each measurement in its own child process, one
// after the other, limited to -cpus cores: this program again with
// -lightbox (GOMAXPROCS = cpus) and node human.mjs (human's WASM kernels
// run single-threaded under Node, so indexing runs cpus worker threads).
// Both engines load the same model files. Run it through run.sh, which
// installs human and pins everything to the same CPUs with taskset.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/disintegration/imaging"

	"lightbox/jobs/face"
	"lightbox/jobs/face/facetest"
)

// result is what each child prints as one JSON line.
type result struct {
	Ops           int               `json:"ops"` // faces or photos timed
	Seconds       float64           `json:"seconds"`
	OpsPerSec     float64           `json:"opsPerSec"`
	CPUSeconds    float64           `json:"cpuSeconds"` // user + system over the timed runs
	Warmups       int               `json:"warmups"`    // untimed runs before the timed ones
	FacesPerPhoto []int             `json:"facesPerPhoto,omitempty"`
	PeakRSSMiB    float64           `json:"peakRSSMiB"`         // VmHWM
	GoSysMiB      float64           `json:"goSysMiB,omitempty"` // runtime.MemStats.Sys at the end
	Threads       int               `json:"threads,omitempty"`  // WASM threads
	SIMD          bool              `json:"simd,omitempty"`     // WASM SIMD
	Versions      map[string]string `json:"versions"`
}

// manifest describes the prepared photos to both engines.
type manifest struct {
	Photos []photoFile `json:"photos"`
}

type photoFile struct {
	JPEG   string     `json:"jpeg"`
	RGB    string     `json:"rgb"` // width×height×3 bytes, row by row
	Width  int        `json:"width"`
	Height int        `json:"height"`
	Faces  []faceSpec `json:"faces"` // found by the Go engine at its defaults
}

type faceSpec struct {
	Box       [4]int   `json:"box"` // x1, y1, x2, y2
	Score     float32  `json:"score"`
	Keypoints [][2]int `json:"keypoints"`
}

func (f faceSpec) detection() face.Detection {
	d := face.Detection{Box: image.Rect(f.Box[0], f.Box[1], f.Box[2], f.Box[3]), Score: f.Score}
	for _, k := range f.Keypoints {
		d.Keypoints = append(d.Keypoints, image.Pt(k[0], k[1]))
	}
	return d
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/face:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("face", flag.ContinueOnError)
	cpus := fs.Int("cpus", 2, "cores each engine may use")
	n := fs.Int("n", 3, "times each face or photo is processed")
	size := fs.Int("size", 1600, "long edge, in pixels, the photos are rescaled to")
	samples := fs.String("samples", "", "folder holding sample1.jpg … sample6.jpg (default: fetched with npm into the user cache)")
	models := fs.String("models", "", "folder holding the engine's models (default: jobs/face/models)")
	node := fs.String("node", "node", "node executable")
	keep := fs.String("keep", "", "directory to keep the prepared photos in (default: a temporary one, removed)")
	child := fs.String("lightbox", "", "internal: run the Go engine on this directory (embed, index or index1) and print a JSON result")
	task := fs.String("task", "", "internal: with -lightbox, embed, index or index1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	here, err := scriptDir()
	if err != nil {
		return err
	}
	if *models == "" {
		*models = filepath.Join(here, "..", "..", "jobs", "face", "models")
	}
	if *child != "" {
		return runLightbox(*child, *models, *task, *n, *cpus, stdout)
	}

	if *samples == "" {
		if *samples, err = facetest.FetchSamples(); err != nil {
			return err
		}
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "lightbox-bench-face-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "preparing the samples at %d px...\n", *size)
	m, err := prepare(*samples, *models, dir, *size)
	if err != nil {
		return err
	}
	faces := 0
	for _, p := range m.Photos {
		faces += len(p.Faces)
	}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	lightbox := func(task string, cpus int) (result, error) {
		fmt.Fprintf(os.Stderr, "lightbox %s on %d cores...\n", task, cpus)
		r, err := runChild(exec.Command(self, "-lightbox", dir, "-task", task, "-models", *models,
			"-n", strconv.Itoa(*n), "-cpus", strconv.Itoa(cpus)), cpus)
		if err != nil {
			return r, fmt.Errorf("lightbox %s: %w", task, err)
		}
		return r, nil
	}
	human := func(task string, workers int) (result, error) {
		fmt.Fprintf(os.Stderr, "human %s...\n", task)
		args := []string{filepath.Join(here, "human.mjs"), "--dir", dir, "--models", *models, "--task", task,
			"--n", strconv.Itoa(*n), "--workers", strconv.Itoa(workers)}
		if task == "embed" {
			args = append(args, "--out", filepath.Join(dir, "human-embeddings.json"))
		}
		r, err := runChild(exec.Command(*node, args...), *cpus)
		if err != nil {
			return r, fmt.Errorf("human %s: %w", task, err)
		}
		return r, nil
	}

	var t table
	t.cpus, t.faces, t.photos, t.size = *cpus, faces, len(m.Photos), *size
	if t.embedLB, err = lightbox("embed", *cpus); err != nil {
		return err
	}
	if *cpus > 1 {
		if t.embedLB1, err = lightbox("embed", 1); err != nil {
			return err
		}
	}
	if t.embedHuman, err = human("embed", 1); err != nil {
		return err
	}
	t.agreement, err = agreement(filepath.Join(dir, "lightbox-embeddings.json"), filepath.Join(dir, "human-embeddings.json"))
	if err != nil {
		return err
	}
	if t.indexLB, err = lightbox("index", *cpus); err != nil {
		return err
	}
	if t.indexLB1, err = lightbox("index1", *cpus); err != nil {
		return err
	}
	if t.indexHuman, err = human("index", *cpus); err != nil {
		return err
	}
	t.print(stdout)
	return nil
}

// runChild runs one measurement and reads its JSON result.
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
	return r, nil
}

// prepare rescales sample1.jpg … sample6.jpg to size px on the long edge,
// writes each as photo-N.jpg (quality 92) and photo-N.rgb, finds their faces
// with the Go engine and writes manifest.json.
func prepare(samples, models, dir string, size int) (manifest, error) {
	e, err := face.Load(models)
	if err != nil {
		return manifest{}, err
	}
	var m manifest
	for i := 1; i <= 6; i++ {
		img, err := imaging.Open(filepath.Join(samples, fmt.Sprintf("sample%d.jpg", i)))
		if err != nil {
			return manifest{}, err
		}
		b := img.Bounds()
		if b.Dx() >= b.Dy() {
			img = imaging.Resize(img, size, 0, imaging.Lanczos)
		} else {
			img = imaging.Resize(img, 0, size, imaging.Lanczos)
		}
		p := photoFile{JPEG: fmt.Sprintf("photo-%d.jpg", i), RGB: fmt.Sprintf("photo-%d.rgb", i),
			Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 92}); err != nil {
			return manifest{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, p.JPEG), jb.Bytes(), 0o644); err != nil {
			return manifest{}, err
		}
		// Both engines read these pixels: the decoded JPEG.
		dec, err := jpeg.Decode(bytes.NewReader(jb.Bytes()))
		if err != nil {
			return manifest{}, err
		}
		if err := os.WriteFile(filepath.Join(dir, p.RGB), rgbBytes(dec), 0o644); err != nil {
			return manifest{}, err
		}
		dets, err := e.Detect(dec)
		if err != nil {
			return manifest{}, err
		}
		for _, d := range dets {
			f := faceSpec{Box: [4]int{d.Box.Min.X, d.Box.Min.Y, d.Box.Max.X, d.Box.Max.Y}, Score: d.Score}
			for _, k := range d.Keypoints {
				f.Keypoints = append(f.Keypoints, [2]int{k.X, k.Y})
			}
			p.Faces = append(p.Faces, f)
		}
		m.Photos = append(m.Photos, p)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return manifest{}, err
	}
	return m, os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
}

// rgbBytes returns an image's pixels as packed 8-bit RGB.
func rgbBytes(img image.Image) []byte {
	b := img.Bounds()
	out := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return out
}

// readRGB reads photo-N.rgb back as an image.
func readRGB(path string, w, h int) (*image.NRGBA, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != w*h*3 {
		return nil, fmt.Errorf("%s: %d bytes, want %d", path, len(b), w*h*3)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i, j := 0, 0; i < len(b); i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = b[i], b[i+1], b[i+2], 255
	}
	return img, nil
}

// agreement compares the two engines' embeddings of the same faces: their
// cosine similarity, mean and lowest, and how many faces agree to 0.99.
func agreement(ours, theirs string) (agreed, error) {
	var a, b [][]float32
	for _, f := range []struct {
		path string
		v    *[][]float32
	}{{ours, &a}, {theirs, &b}} {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return agreed{}, err
		}
		if err := json.Unmarshal(data, f.v); err != nil {
			return agreed{}, fmt.Errorf("%s: %w", f.path, err)
		}
	}
	if len(a) != len(b) || len(a) == 0 {
		return agreed{}, fmt.Errorf("embeddings: %d from lightbox, %d from human", len(a), len(b))
	}
	g := agreed{lowest: math.Inf(1), faces: len(a)}
	for i := range a {
		s := float64(face.Similarity(a[i], b[i]))
		g.mean += s / float64(len(a))
		g.lowest = min(g.lowest, s)
		if s >= 0.99 {
			g.close++
		}
	}
	return g, nil
}

type agreed struct {
	mean, lowest float64
	close, faces int
}

// scriptDir finds the directory holding human.mjs: the working directory or
// bench/face under it.
func scriptDir() (string, error) {
	for _, d := range []string{".", filepath.Join("bench", "face")} {
		if _, err := os.Stat(filepath.Join(d, "human.mjs")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", fmt.Errorf("human.mjs not found; run from the repository root or bench/face")
}
