// Command faceeval measures face matching on a labelled set: it runs the
// built-in engine as Lightbox does (selfies through process_selfie's
// normalisation and verdicts, photos decoded and indexed as index_faces
// does, matched at the tagging threshold and review band) and prints
// precision, recall, the misses per identity with their cause and recall by
// face size.
//
//	faceeval DIR                  evaluate DIR/labels.csv
//	faceeval -make OUT            write synthetic sets OUT/tune and OUT/held
//
// labels.csv has a header and rows path,identities[,boxes]: a path under
// selfies/ is an attendee's selfie (one identity); any other path is an
// event photo with the identities in it separated by ';' (none for a photo
// of nobody we know), and optionally their face boxes "x y w h", in the
// photo's pixels, in the same order. With boxes, misses tell an undetected
// face from one below the threshold, and recall is reported by face width.
//
// -refs chooses what a selfie gives as references (its face's vector, as
// Lightbox matches, or with its mirror image too), -operator plays an
// operator on the review list who accepts the attendee's own faces, and
// with "refs" those faces become references too, as Lightbox does. Both
// take several values separated by commas; each pair is reported from one
// indexing of the photos.
//
// -descriptor chooses the descriptor network (faceres, Lightbox's; the
// others of face.Descriptors; or an ensemble such as faceres+mobilefacenet),
// several separated by commas, each measured on its own indexing; each
// report also says how far the descriptor separates attendees from
// strangers and which threshold the set would choose for it, so that a
// threshold chosen on the tuning set can be given (-threshold, one per
// descriptor) for the held-out one.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lightbox/jobs"
	"lightbox/jobs/face"
	"lightbox/jobs/photo"
	"lightbox/jobs/retina"
)

func main() {
	mk := flag.String("make", "", "write synthetic labelled sets into this folder (tune/ and held/) and exit")
	photos := flag.Int("photos", 30, "with -make: group photos per set")
	size := flag.String("size", "4000x3000", "with -make: group photo size")
	faceW := flag.String("face", "60-250", "with -make: face widths in pixels")
	seed := flag.Uint64("seed", 1, "with -make: random seed")
	models := flag.String("models", "jobs/face/models", "folder of the engine's models")
	thresholds := flag.String("threshold", fmt.Sprint(face.DefaultThreshold), "tagging threshold (cosine similarity), or one per -descriptor separated by commas")
	candidates := flag.String("descriptors", "jobs/face/testdata/descriptors", "folder of the other descriptors' models (make face-descriptors)")
	descriptor := flag.String("descriptor", face.DefaultDescriptor, "descriptor, or several separated by commas: "+strings.Join(face.Descriptors(), ", ")+", or members joined by + for an ensemble")
	workers := flag.Int("workers", 2, "photos indexed at once, as the photo workers would")
	minScore := flag.Float64("min-score", 0, "detector score from which a face in a photo is indexed (0: the engine's default)")
	fine := flag.Int("fine-windows", -1, "windows per photo looked at again for small faces (-1: the engine's default)")
	refs := flag.String("refs", "selfie", "an attendee's references from the selfie, or several separated by commas: selfie (its face), mirror (its face and its mirror image), mean (their mean)")
	operator := flag.String("operator", "none", "a simulated operator deciding the review list, or several separated by commas: none, accept (accepts the attendee's own faces), refs (accepts them and they become references)")
	flag.Parse()
	e, err := face.Load(*models)
	if err != nil {
		fatal(err)
	}
	if *minScore > 0 {
		e.MinScore = *minScore
	}
	if *fine >= 0 {
		e.FineWindows = *fine
	}
	if *mk != "" {
		var w, h int
		var lo, hi float64
		if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
			fatal(fmt.Errorf("-size: %v", err))
		}
		if _, err := fmt.Sscanf(*faceW, "%g-%g", &lo, &hi); err != nil {
			fatal(fmt.Errorf("-face: %v", err))
		}
		if err := makeSets(e, *mk, *photos, w, h, lo, hi, *seed); err != nil {
			fatal(err)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: faceeval [flags] DIR | faceeval -make OUT")
		os.Exit(2)
	}
	set, err := readLabels(flag.Arg(0))
	if err != nil {
		fatal(err)
	}
	refModes, operators := strings.Split(*refs, ","), strings.Split(*operator, ",")
	for _, m := range refModes {
		if !slices.Contains([]string{"selfie", "mirror", "mean"}, m) {
			fatal(fmt.Errorf("-refs %q: want selfie, mirror or mean", m))
		}
	}
	for _, o := range operators {
		if !slices.Contains([]string{"none", "accept", "refs"}, o) {
			fatal(fmt.Errorf("-operator %q: want none, accept or refs", o))
		}
	}
	descs := strings.Split(*descriptor, ",")
	ts, err := parseThresholds(*thresholds, len(descs))
	if err != nil {
		fatal(err)
	}
	for i, d := range descs {
		if d != e.Descriptor() {
			if err := e.SetDescriptor(layered{os.DirFS(*models), os.DirFS(*candidates)}, d); err != nil {
				fatal(err)
			}
		}
		r, err := run(e, set, *workers)
		if err != nil {
			fatal(err)
		}
		for _, m := range refModes {
			for _, o := range operators {
				r.useRefs(m)
				r.operator = o
				r.report(os.Stdout, ts[i])
			}
		}
	}
}

// parseThresholds reads -threshold: one value for every descriptor, or
// one each.
func parseThresholds(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != n {
		return nil, fmt.Errorf("-threshold: %d values for %d descriptors", len(parts), n)
	}
	out := make([]float64, n)
	for i := range out {
		v, err := strconv.ParseFloat(strings.TrimSpace(parts[min(i, len(parts)-1)]), 64)
		if err != nil {
			return nil, fmt.Errorf("-threshold: %v", err)
		}
		out[i] = v
	}
	return out, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "faceeval:", err)
	os.Exit(1)
}

// labelled is one event photo of a set.
type labelled struct {
	path  string
	ids   []string
	boxes [][4]float64 // empty, or one per identity
}

type labelSet struct {
	dir     string
	selfies map[string]string // identity → path
	photos  []labelled
}

func readLabels(dir string) (labelSet, error) {
	set := labelSet{dir: dir, selfies: map[string]string{}}
	f, err := os.Open(filepath.Join(dir, "labels.csv"))
	if err != nil {
		return set, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return set, err
	}
	for i, row := range rows {
		if i == 0 && row[0] == "path" {
			continue
		}
		if len(row) < 2 {
			return set, fmt.Errorf("labels.csv line %d: want path,identities[,boxes]", i+1)
		}
		ids := splitList(row[1])
		if strings.HasPrefix(filepath.ToSlash(row[0]), "selfies/") {
			if len(ids) != 1 {
				return set, fmt.Errorf("labels.csv line %d: a selfie has one identity", i+1)
			}
			set.selfies[ids[0]] = row[0]
			continue
		}
		p := labelled{path: row[0], ids: ids}
		if len(row) > 2 && row[2] != "" {
			for _, b := range splitList(row[2]) {
				var box [4]float64
				if _, err := fmt.Sscanf(b, "%g %g %g %g", &box[0], &box[1], &box[2], &box[3]); err != nil {
					return set, fmt.Errorf("labels.csv line %d: box %q: %v", i+1, b, err)
				}
				p.boxes = append(p.boxes, box)
			}
			if len(p.boxes) != len(ids) {
				return set, fmt.Errorf("labels.csv line %d: %d boxes for %d identities", i+1, len(p.boxes), len(ids))
			}
		}
		set.photos = append(set.photos, p)
	}
	return set, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ";") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// verdict is what the pipeline made of a selfie.
type verdict struct {
	approved bool
	reason   string
	score    float64
	refs     [][]float32
	// the selfie face's vector and its mirror image's
	embedding, mirrored []float32
}

// useRefs sets every approved selfie's references as -refs mode says.
func (r *result) useRefs(mode string) {
	r.refMode = mode
	for id, v := range r.selfies {
		if !v.approved {
			continue
		}
		switch mode {
		case "selfie":
			v.refs = [][]float32{v.embedding}
		case "mirror":
			v.refs = [][]float32{v.embedding, v.mirrored}
		case "mean":
			m := make([]float32, len(v.embedding))
			for i := range m {
				m[i] = v.embedding[i] + v.mirrored[i]
			}
			v.refs = [][]float32{m}
		}
		r.selfies[id] = v
	}
}

// indexed is what the pipeline found in a photo, boxes in its pixels.
type indexed struct {
	faces []face.Face
}

type result struct {
	set        labelSet
	descriptor string
	refMode    string
	operator   string // none, accept or refs, as -operator
	selfies    map[string]verdict
	photos     []indexed
	cpu        time.Duration // indexing CPU, all photos
	wall       time.Duration
	peakRSS    int64 // bytes
}

// run analyses the selfies as process_selfie does and indexes the photos
// as index_faces does, workers photos at once. Each selfie's references
// are its face's vector alone until useRefs says otherwise.
func run(e *face.Engine, set labelSet, workers int) (*result, error) {
	ctx := context.Background()
	r := &result{set: set, descriptor: e.Descriptor(), refMode: "selfie", operator: "none", selfies: map[string]verdict{}, photos: make([]indexed, len(set.photos))}
	for id, path := range set.selfies {
		raw, err := os.ReadFile(filepath.Join(set.dir, path))
		if err != nil {
			return nil, err
		}
		v := verdict{}
		jpg, err := photo.Selfie(bytes.NewReader(raw), photo.Limits{})
		if err != nil {
			v.reason = retina.ReasonLowQuality
			r.selfies[id] = v
			continue
		}
		a, err := e.AnalyzeMirrored(ctx, jpg) // process_selfie's verdict (jobs.BuiltinFaces), and the mirror image for -refs

		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		v.approved, v.reason, v.score = a.RejectionReason == "", a.RejectionReason, a.Score
		if v.approved {
			v.embedding, v.mirrored = a.Embedding, a.Mirrored
			v.refs = [][]float32{a.Embedding}
		}
		r.selfies[id] = v
	}
	cpu0 := cpuTime()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				faces, err := indexPhoto(ctx, e, filepath.Join(set.dir, set.photos[i].path))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", set.photos[i].path, err)
				}
				r.photos[i] = indexed{faces: faces}
				mu.Unlock()
			}
		})
	}
	for i := range set.photos {
		next <- i
	}
	close(next)
	wg.Wait()
	r.wall = time.Since(start)
	r.cpu = cpuTime() - cpu0
	r.peakRSS = peakRSS()
	return r, firstErr
}

// indexPhoto decodes a photo as index_faces does and finds its faces, with
// boxes in the original photo's pixels.
func indexPhoto(ctx context.Context, e *face.Engine, path string) ([]face.Face, error) {
	orig, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, _, err := imageConfig(orig)
	if err != nil {
		return nil, err
	}
	img, err := photo.Upright(bytes.NewReader(orig), photo.Limits{}, jobs.FaceLongEdge)
	if err != nil {
		return nil, err
	}
	faces, err := e.FacesIn(ctx, img)
	if err != nil {
		return nil, err
	}
	k := float64(max(cfg.Width, cfg.Height)) / float64(max(img.Bounds().Dx(), img.Bounds().Dy()))
	for i := range faces {
		for j := range faces[i].Box {
			faces[i].Box[j] *= k
		}
	}
	return faces, nil
}

// match is the best similarity of an attendee's references to a photo's
// faces, and the face it is.
func bestMatch(refs [][]float32, faces []face.Face) (float64, int) {
	best, at := -1.0, -1
	for i, f := range faces {
		for _, ref := range refs {
			if s := float64(face.Similarity(ref, f.Embedding)); s > best {
				best, at = s, i
			}
		}
	}
	return best, at
}

// counts are the outcome of matching at one threshold.
type counts struct {
	tp, fp, fn     int
	reviewTP       int // misses the review band lists
	reviewFP       int
	sizeHit, sizeN map[string]int
}

func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c counts) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

var sizeBuckets = []struct {
	name   string
	lo, hi float64
}{{"<60", 0, 60}, {"60-79", 60, 80}, {"80-119", 80, 120}, {"120-179", 120, 180}, {"180-250", 180, 251}, {">250", 251, 1e9}}

func sizeBucket(w float64) string {
	for _, b := range sizeBuckets {
		if w >= b.lo && w < b.hi {
			return b.name
		}
	}
	return ""
}

// miss is a labelled face the pipeline did not tag.
type miss struct {
	id, photo, cause string
}

func (r *result) evaluate(threshold float64) (counts, []miss) {
	c := counts{sizeHit: map[string]int{}, sizeN: map[string]int{}}
	var misses []miss
	ids := mapsKeys(r.selfies)
	slices.Sort(ids)
	for _, id := range ids {
		v := r.selfies[id]
		refs, accepted, dismissed := r.decideReviews(id, threshold)
		for pi, p := range r.set.photos {
			faces := r.photos[pi].faces
			at := slices.Index(p.ids, id)
			sim, fi := -1.0, -1
			if v.approved {
				sim, fi = bestMatch(refs, faces)
			}
			if f, ok := accepted[pi]; ok {
				sim, fi = max(sim, threshold), f
			}
			tagged := sim >= threshold && !dismissed[pi]
			review := !tagged && !dismissed[pi] && sim >= threshold-jobs.ReviewBand
			if at < 0 {
				if tagged {
					c.fp++
				} else if review {
					c.reviewFP++
				}
				continue
			}
			if len(p.boxes) > 0 {
				c.sizeN[sizeBucket(p.boxes[at][2])]++
				if tagged {
					c.sizeHit[sizeBucket(p.boxes[at][2])]++
				}
			}
			if tagged {
				// With boxes, a tag through someone else's face is no hit.
				if len(p.boxes) == 0 || covers(p.boxes[at], faces[fi].Box) {
					c.tp++
					continue
				}
				c.fp++
			}
			c.fn++
			if review {
				c.reviewTP++
			}
			misses = append(misses, miss{id: id, photo: p.path, cause: r.cause(v, refs, p, at, faces, threshold)})
		}
	}
	return c, misses
}

// decideReviews plays the operator of -operator on the attendee's review
// list at the threshold: a listed photo whose listed face is truly the
// attendee's is accepted (the face, by photo), any other is dismissed. With
// "refs" an accepted face becomes one of the attendee's references, which
// may list or tag more photos, until nothing changes. It returns the
// references the attendee ends with.
func (r *result) decideReviews(id string, threshold float64) (refs [][]float32, accepted map[int]int, dismissed map[int]bool) {
	v := r.selfies[id]
	refs, accepted, dismissed = v.refs, map[int]int{}, map[int]bool{}
	if !v.approved || (r.operator != "accept" && r.operator != "refs") {
		return refs, accepted, dismissed
	}
	for changed := true; changed; {
		changed = false
		for pi, p := range r.set.photos {
			if _, ok := accepted[pi]; ok || dismissed[pi] {
				continue // decided once, for good
			}
			faces := r.photos[pi].faces
			sim, fi := bestMatch(refs, faces)
			if sim >= threshold || sim < threshold-jobs.ReviewBand {
				continue
			}
			at := slices.Index(p.ids, id)
			if at < 0 || (len(p.boxes) > 0 && !covers(p.boxes[at], faces[fi].Box)) {
				dismissed[pi] = true
				continue
			}
			accepted[pi] = fi
			if r.operator == "refs" {
				refs = append(slices.Clip(refs), faces[fi].Embedding)
				changed = true
			}
		}
	}
	return refs, accepted, dismissed
}

func (r *result) cause(v verdict, refs [][]float32, p labelled, at int, faces []face.Face, threshold float64) string {
	if !v.approved {
		return fmt.Sprintf("rejected selfie (%s, score %.2f)", v.reason, v.score)
	}
	if len(p.boxes) > 0 {
		for _, f := range faces {
			if covers(p.boxes[at], f.Box) {
				s, _ := bestMatch(refs, []face.Face{f})
				return fmt.Sprintf("below threshold (%.2f < %.2f, %.0f px)", s, threshold, p.boxes[at][2])
			}
		}
		return fmt.Sprintf("not detected (%.0f px)", p.boxes[at][2])
	}
	s, _ := bestMatch(refs, faces)
	if len(faces) < len(p.ids) {
		return fmt.Sprintf("not detected or below threshold (best %.2f, %d faces found for %d)", s, len(faces), len(p.ids))
	}
	return fmt.Sprintf("below threshold (best %.2f < %.2f)", s, threshold)
}

// covers says whether detector box d is on the labelled face b: its centre
// lies inside b.
func covers(b [4]float64, d [4]float64) bool {
	x, y := d[0]+d[2]/2, d[1]+d[3]/2
	return x >= b[0] && x < b[0]+b[2] && y >= b[1]-0.25*b[3] && y < b[1]+1.25*b[3]
}

func (r *result) report(w io.Writer, threshold float64) {
	approved := 0
	for _, v := range r.selfies {
		if v.approved {
			approved++
		}
	}
	labelledFaces, found, strays := 0, 0, 0
	for pi, p := range r.set.photos {
		labelledFaces += len(p.ids)
		for _, f := range r.photos[pi].faces {
			hit := false
			for _, b := range p.boxes {
				hit = hit || covers(b, f.Box)
			}
			switch {
			case hit:
				found++
			case len(p.boxes) > 0 || len(p.ids) == 0:
				strays++
			}
		}
	}
	fmt.Fprintf(w, "set %s: %d selfies (%d approved), %d photos, %d labelled faces; descriptor %s, references %s, operator %s\n",
		r.set.dir, len(r.selfies), approved, len(r.set.photos), labelledFaces, r.descriptor, r.refMode, r.operator)
	if strays > 0 || found > 0 {
		fmt.Fprintf(w, "detector: %d labelled faces found, %d detections on no labelled face\n", found, strays)
	}
	c, misses := r.evaluate(threshold)
	fmt.Fprintf(w, "threshold %g: precision %.3f recall %.3f (tp %d fp %d fn %d); review band %.2f lists %d misses and %d strangers\n",
		threshold, c.precision(), c.recall(), c.tp, c.fp, c.fn, jobs.ReviewBand, c.reviewTP, c.reviewFP)
	if len(c.sizeN) > 0 {
		fmt.Fprint(w, "recall by face width:")
		for _, b := range sizeBuckets {
			if n := c.sizeN[b.name]; n > 0 {
				fmt.Fprintf(w, "  %s px %.2f (%d)", b.name, ratio(c.sizeHit[b.name], n), n)
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, "sweep:")
	for t := threshold - 0.21; t < threshold+0.145; t += 0.03 {
		s, _ := r.evaluate(t)
		fmt.Fprintf(w, "  %.2f P%.2f R%.2f", t, s.precision(), s.recall())
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "fine sweep (fp/fn):")
	for i := -6; i <= 14; i++ {
		t := math.Round(threshold*100)/100 + float64(i)/100
		s, _ := r.evaluate(t)
		fmt.Fprintf(w, "  %.2f %d/%d", t, s.fp, s.fn)
	}
	fmt.Fprintln(w)
	r.reportDescriptor(w)
	sort.SliceStable(misses, func(i, j int) bool { return misses[i].id < misses[j].id })
	if len(misses) > 0 {
		fmt.Fprintln(w, "misses:")
	}
	for _, m := range misses {
		fmt.Fprintf(w, "  %-10s %-24s %s\n", m.id, m.photo, m.cause)
	}
	fmt.Fprintf(w, "indexing: %d photos, %.2f s CPU per photo, %.1f s wall, peak RSS %d MiB (GOMAXPROCS %d)\n",
		len(r.set.photos), r.cpu.Seconds()/float64(max(len(r.set.photos), 1)), r.wall.Seconds(), r.peakRSS>>20, runtime.GOMAXPROCS(0))
}

func mapsKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads VmHWM from /proc/self/status (0 where there is none).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func imageConfig(b []byte) (image.Config, string, error) {
	return image.DecodeConfig(bytes.NewReader(b))
}
