package face

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFloat16(t *testing.T) {
	tests := []struct {
		in   uint16
		want float32
	}{
		{0x0000, 0},
		{0x3c00, 1},
		{0xc000, -2},
		{0x3555, 0.33325195},
		{0x7bff, 65504},
		{0x0001, 5.9604645e-8}, // smallest subnormal
		{0x03ff, 6.097555e-5},  // largest subnormal
		{0x7c00, float32(math.Inf(1))},
	}
	for _, tt := range tests {
		if got := float16to32(tt.in); got != tt.want {
			t.Errorf("float16to32(%#04x) = %g, want %g", tt.in, got, tt.want)
		}
	}
	if got := float16to32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("float16to32(NaN) = %g", got)
	}
}

func TestLoadModels(t *testing.T) {
	dir := needModels(t)
	for _, tt := range []struct {
		file   string
		input  string
		nodes  int
		consts int
	}{
		{detectorFile, "input", 144, 112},
		{descriptorFile, "input_1", 154, 128},
	} {
		t.Run(tt.file, func(t *testing.T) {
			g, err := loadModel(os.DirFS(dir), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if in, err := g.input(); err != nil || in != tt.input {
				t.Errorf("input = %q, %v; want %q", in, err, tt.input)
			}
			if len(g.nodes) != tt.nodes || len(g.consts) != tt.consts {
				t.Errorf("%d nodes and %d constants, want %d and %d", len(g.nodes), len(g.consts), tt.nodes, tt.consts)
			}
			for name, c := range g.consts {
				for _, v := range c.data {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("constant %s holds %g", name, v)
					}
				}
			}
		})
	}
}

// reference holds TensorFlow.js outputs for a synthetic input, written by
// testdata/make-reference.sh.
type reference struct {
	Blazeface struct {
		Outputs map[string]struct {
			First []float32 `json:"first"`
			Sum   float64   `json:"sum"`
		} `json:"outputs"`
	} `json:"blazeface"`
	Faceres struct {
		Values []float32 `json:"values"`
	} `json:"faceres"`
}

// pattern is the synthetic input of testdata/reference.mjs.
func pattern(scale, offset float32, shape ...int) *tensor {
	t := newTensor(shape...)
	for i := range t.data {
		t.data[i] = float32((i*7919)%256)*scale + offset
	}
	return t
}

func TestMatchesTFJS(t *testing.T) {
	e := mustEngine(t)
	raw, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	const tol = 1e-4 // relative to the output's largest magnitude

	outs, err := e.det.g.run(map[string]*tensor{e.det.input: pattern(2.0/255, -1, 1, 256, 256, 3)}, e.det.g.outputs()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		key := strings.Trim(strings.ReplaceAll(fmt.Sprint(o.shape), " ", "x"), "[]")
		want, ok := ref.Blazeface.Outputs[key]
		if !ok {
			t.Fatalf("no reference for detector output %v", o.shape)
		}
		compare(t, "detector "+key, o.data[:len(want.First)], want.First, tol)
		var sum float64
		for _, v := range o.data {
			sum += float64(v)
		}
		if math.Abs(sum-want.Sum) > 1e-4*math.Abs(want.Sum)+1e-2 {
			t.Errorf("detector %s: sum %g, want %g", key, sum, want.Sum)
		}
	}

	d := e.desc.(*descriptor)
	desc, err := d.g.run(map[string]*tensor{d.in: pattern(1, 0, 1, 224, 224, 3)}, d.out)
	if err != nil {
		t.Fatal(err)
	}
	compare(t, "descriptor", desc[0].data, ref.Faceres.Values, tol)
}

func compare(tb testing.TB, what string, got, want []float32, tol float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	var scale, worst float64
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	for i := range got {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
	}
	if worst > tol*max(scale, 1) {
		tb.Errorf("%s: max difference %g (scale %g)", what, worst, scale)
	} else {
		tb.Logf("%s: max difference %g (scale %g)", what, worst, scale)
	}
}
