package face

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestAlignedViewFitsTemplate: for a face whose eyes, nose and mouth are
// the template turned by 0.3 rad, scaled 1.7 times and shifted, the
// aligned crop's template points land on those keypoints.
func TestAlignedViewFitsTemplate(t *testing.T) {
	const n = 112
	rot, k, tx, ty := 0.3, 1.7, 400.0, 250.0
	cos, sin := math.Cos(rot), math.Sin(rot)
	var c candidate
	for i, p := range arcTemplate {
		// source point of output pixel centre p, in the sampler's convention
		// (pixel centres at half-integers)
		c.kps[i] = [2]float64{tx + k*(cos*p[0]-sin*p[1]) + 0.5, ty + k*(sin*p[0]+cos*p[1]) + 0.5}
	}
	c.x1, c.y1, c.x2, c.y2 = 300, 150, 600, 500
	a := alignedView(c, n)
	for i, p := range arcTemplate {
		x := a.x0 + p[0]*a.ux + p[1]*a.vx
		y := a.y0 + p[0]*a.uy + p[1]*a.vy
		if math.Hypot(x-c.kps[i][0], y-c.kps[i][1]) > 1e-6 {
			t.Errorf("template point %d maps to (%.3f, %.3f), want (%.3f, %.3f)", i, x, y, c.kps[i][0], c.kps[i][1])
		}
	}
	if got := math.Hypot(a.ux, a.uy); math.Abs(got-k) > 1e-9 {
		t.Errorf("scale %.4f, want %.4f", got, k)
	}

	// A mouth keypoint outside the box is ignored: the eyes alone fit.
	c.kps[3] = [2]float64{0, 0}
	a = alignedView(c, n)
	for i := range 2 {
		p := arcTemplate[i]
		x := a.x0 + p[0]*a.ux + p[1]*a.vx
		y := a.y0 + p[0]*a.uy + p[1]*a.vy
		if math.Hypot(x-c.kps[i][0], y-c.kps[i][1]) > 0.5 {
			t.Errorf("without the mouth, eye %d maps to (%.1f, %.1f), want (%.1f, %.1f)", i, x, y, c.kps[i][0], c.kps[i][1])
		}
	}
}

// fixed is a describer that returns given vectors in turn.
type fixed struct {
	vs   [][]float32
	norm float64
	min  float64
	err  error
}

func (f *fixed) describe(*rgbImage, candidate) ([]float32, float64, error) {
	if f.err != nil {
		return nil, 0, f.err
	}
	v := f.vs[0]
	f.vs = f.vs[1:]
	u, _ := normalize(v)
	return u, f.norm, nil
}
func (f *fixed) isFace(n float64) bool { return n >= f.min }
func (f *fixed) sure(n float64) bool   { return n >= f.min }
func (f *fixed) dim() int              { return 3 }
func (f *fixed) name() string          { return "fixed" }

// TestEnsembleAveragesCosines: the cosine of two ensemble vectors is the
// mean of the members' cosines, and the first member says what is a face.
func TestEnsembleAveragesCosines(t *testing.T) {
	a := &fixed{vs: [][]float32{{1, 0, 0}, {1, 1, 0}}, norm: 10, min: 6}
	b := &fixed{vs: [][]float32{{0, 2, 0}, {0, 0, 5}}, norm: 1, min: 100}
	e := ensemble{a, b}
	if e.dim() != 6 || e.name() != "fixed+fixed" {
		t.Errorf("dim %d name %s", e.dim(), e.name())
	}
	u, n, err := e.describe(nil, candidate{})
	if err != nil {
		t.Fatal(err)
	}
	v, _, _ := e.describe(nil, candidate{})
	want := (1/math.Sqrt2 + 0) / 2
	if got := float64(Similarity(u, v)); math.Abs(got-want) > 1e-6 {
		t.Errorf("similarity %.6f, want the mean of the members' %.6f", got, want)
	}
	var l float64
	for _, x := range u {
		l += float64(x) * float64(x)
	}
	if math.Abs(l-1) > 1e-6 {
		t.Errorf("length² %.6f, want 1", l)
	}
	if n != 10 || !e.isFace(n) {
		t.Errorf("measure %v from the first member, face %v", n, e.isFace(n))
	}

	bad := ensemble{&fixed{vs: [][]float32{{1, 0, 0}}}, &fixed{err: errors.New("broken")}}
	if _, _, err := bad.describe(nil, candidate{}); err == nil {
		t.Error("a failing member's error was lost")
	}
}

// TestSetDescriptor: an unknown name is refused and leaves the engine's
// descriptor alone; an ensemble of FaceRes with itself describes faces as
// FaceRes does, in twice the length.
func TestSetDescriptor(t *testing.T) {
	dir := needModels(t)
	e, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e.Descriptor() != DefaultDescriptor || e.VectorDim() != Dim {
		t.Fatalf("loaded %s (%d), want %s (%d)", e.Descriptor(), e.VectorDim(), DefaultDescriptor, Dim)
	}
	fsys := os.DirFS(dir)
	if err := e.SetDescriptor(fsys, "nonesuch"); err == nil {
		t.Error("an unknown descriptor was accepted")
	}
	if e.Descriptor() != DefaultDescriptor {
		t.Errorf("descriptor %s after a refused change", e.Descriptor())
	}
	img := decodeSample(t, 1)
	c := candidate{x1: 844, y1: 462, x2: 1039, y2: 657}
	one, _, err := e.describeNorm(img, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetDescriptor(fsys, "faceres+faceres"); err != nil {
		t.Fatal(err)
	}
	two, _, err := e.describeNorm(img, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(two) != 2*Dim || e.VectorDim() != 2*Dim {
		t.Fatalf("ensemble vector %d long (dim %d), want %d", len(two), e.VectorDim(), 2*Dim)
	}
	for i, x := range one {
		if d := math.Abs(float64(x)/math.Sqrt2 - float64(two[i])); d > 1e-6 {
			t.Fatalf("value %d: %g, want %g", i, two[i], float64(x)/math.Sqrt2)
		}
	}
}

// TestDescriptorsMatchTFJS checks the candidate descriptors (make
// face-descriptors), and so the operations only they use, against
// TensorFlow.js outputs for the synthetic input (testdata/descriptors.json,
// written by testdata/make-reference.sh).
func TestDescriptorsMatchTFJS(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "descriptors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(filepath.Join("testdata", "descriptors"))
	for _, name := range Descriptors() {
		if name == DefaultDescriptor {
			continue // TestMatchesTFJS
		}
		t.Run(name, func(t *testing.T) {
			var want struct {
				Size          int
				Scale, Offset float32
				Output        string
				Values        []float32
			}
			if err := json.Unmarshal(ref[name], &want); err != nil || len(want.Values) == 0 {
				t.Fatalf("no reference for %s (%v)", name, err)
			}
			if _, err := fs.Stat(fsys, descriptors[name].file); err != nil {
				t.Skipf("%s not fetched (make face-descriptors): %v", name, err)
			}
			d, err := loadDescriptor(fsys, name)
			if err != nil {
				t.Fatal(err)
			}
			if d.size != want.Size || d.out != want.Output {
				t.Fatalf("fed %d px, read %s; the reference %d px, %s", d.size, d.out, want.Size, want.Output)
			}
			outs, err := d.g.run(map[string]*tensor{d.in: pattern(want.Scale, want.Offset, 1, d.size, d.size, 3)}, d.out)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, name, outs[0].data, want.Values, 1e-4)
		})
	}
}

// BenchmarkDescriptors measures one face's description (crop, resize and
// network) by each descriptor fetched, and by FaceRes with MobileFace.
func BenchmarkDescriptors(b *testing.B) {
	dir := needModels(b)
	img, err := decodeJPEG(readSample(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	c := candidate{x1: 844, y1: 462, x2: 1039, y2: 657}
	c.kps = [numKeypoints][2]float64{{895, 535}, {985, 535}, {940, 580}, {940, 615}, {860, 545}, {1020, 545}}
	load := func(b *testing.B, name string) describer {
		fsys := os.DirFS(filepath.Join("testdata", "descriptors"))
		if name == DefaultDescriptor {
			fsys = os.DirFS(dir)
		} else if _, err := fs.Stat(fsys, descriptors[name].file); err != nil {
			b.Skipf("%s not fetched (make face-descriptors)", name)
		}
		d, err := loadDescriptor(fsys, name)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	run := func(b *testing.B, d describer) {
		start := cpuTime(b)
		for b.Loop() {
			if _, _, err := d.describe(img, c); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, start)
	}
	for _, name := range Descriptors() {
		b.Run(name, func(b *testing.B) { run(b, load(b, name)) })
	}
	b.Run("faceres+mobileface", func(b *testing.B) {
		run(b, ensemble{load(b, "faceres"), load(b, "mobileface")})
	})
}
