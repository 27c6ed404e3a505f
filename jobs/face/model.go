package face

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// tensor is a dense float32 (or int32) array in row-major order; image
// tensors are NHWC with batch 1.
type tensor struct {
	shape []int
	data  []float32
	ints  []int32 // set instead of data for int32 constants (shapes, paddings, axes)
}

func newTensor(shape ...int) *tensor {
	return &tensor{shape: shape, data: make([]float32, numElements(shape))}
}

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (t *tensor) size() int {
	if t.ints != nil {
		return len(t.ints)
	}
	return len(t.data)
}

// modelFile is the model.json written by the TF.js converter for graph models.
type modelFile struct {
	Format        string `json:"format"`
	ModelTopology struct {
		Node []nodeDef `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []struct {
		Paths   []string    `json:"paths"`
		Weights []weightDef `json:"weights"`
	} `json:"weightsManifest"`
}

type nodeDef struct {
	Name  string             `json:"name"`
	Op    string             `json:"op"`
	Input []string           `json:"input"`
	Attr  map[string]attrDef `json:"attr"`
}

// attrDef is a TensorFlow AttrValue in protobuf JSON form: strings are
// base64 (decoded by encoding/json into []byte), integers are quoted.
type attrDef struct {
	S    []byte   `json:"s"`
	I    flexInt  `json:"i"`
	F    float64  `json:"f"`
	B    bool     `json:"b"`
	Type string   `json:"type"`
	List *attrLst `json:"list"`
}

type attrLst struct {
	I []flexInt `json:"i"`
	S [][]byte  `json:"s"`
}

// flexInt decodes an integer written either as a JSON number or a string.
type flexInt int64

func (v *flexInt) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return fmt.Errorf("integer attribute %s: %w", b, err)
	}
	*v = flexInt(n)
	return nil
}

type weightDef struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	Dtype        string `json:"dtype"`
	Quantization *struct {
		Dtype string  `json:"dtype"`
		Scale float32 `json:"scale"`
		Min   float32 `json:"min"`
	} `json:"quantization"`
}

// loadModel reads a TF.js graph model (model.json plus its weight shards)
// from fsys and prepares it for execution.
func loadModel(fsys fs.FS, name string) (*graph, error) {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var m modelFile
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if m.Format != "" && m.Format != "graph-model" {
		return nil, fmt.Errorf("%s: format %q, want graph-model", name, m.Format)
	}
	weights, err := readWeights(fsys, path.Dir(name), &m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	g, err := newGraph(m.ModelTopology.Node, weights)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return g, nil
}

// readWeights decodes every weight group: its shards are concatenated and
// the weights follow one another in manifest order.
func readWeights(fsys fs.FS, dir string, m *modelFile) (map[string]*tensor, error) {
	out := make(map[string]*tensor)
	for _, group := range m.WeightsManifest {
		var buf []byte
		for _, p := range group.Paths {
			b, err := fs.ReadFile(fsys, path.Join(dir, p))
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, w := range group.Weights {
			t, n, err := decodeWeight(w, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("weight %s: %w", w.Name, err)
			}
			out[w.Name] = t
			off += n
		}
		if off != len(buf) {
			return nil, fmt.Errorf("weights use %d bytes of %d in %v", off, len(buf), group.Paths)
		}
	}
	return out, nil
}

// decodeWeight decodes one weight from the start of b and reports how many
// bytes it used. float16 and affine uint8/uint16 quantisation are expanded
// to float32.
func decodeWeight(w weightDef, b []byte) (*tensor, int, error) {
	n := numElements(w.Shape)
	shape := append([]int(nil), w.Shape...)
	dtype := w.Dtype
	if w.Quantization != nil {
		dtype = w.Quantization.Dtype
	}
	width := map[string]int{"float32": 4, "int32": 4, "float16": 2, "uint16": 2, "uint8": 1}[dtype]
	if width == 0 {
		return nil, 0, fmt.Errorf("unsupported dtype %q", dtype)
	}
	if len(b) < n*width {
		return nil, 0, fmt.Errorf("needs %d bytes, shard has %d left", n*width, len(b))
	}
	t := &tensor{shape: shape}
	if w.Dtype == "int32" && w.Quantization == nil {
		t.ints = make([]int32, n)
		for i := range t.ints {
			t.ints[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return t, n * width, nil
	}
	t.data = make([]float32, n)
	switch dtype {
	case "float32":
		for i := range t.data {
			t.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "float16":
		for i := range t.data {
			t.data[i] = float16to32(binary.LittleEndian.Uint16(b[2*i:]))
		}
	case "uint16":
		q := w.Quantization
		for i := range t.data {
			t.data[i] = float32(binary.LittleEndian.Uint16(b[2*i:]))*q.Scale + q.Min
		}
	case "uint8":
		q := w.Quantization
		for i := range t.data {
			t.data[i] = float32(b[i])*q.Scale + q.Min
		}
	default:
		return nil, 0, fmt.Errorf("unsupported dtype %q for %s", dtype, w.Dtype)
	}
	if w.Dtype == "int32" { // quantised int32: round back to integers
		t.ints = make([]int32, n)
		for i, v := range t.data {
			t.ints[i] = int32(math.Round(float64(v)))
		}
		t.data = nil
	}
	return t, n * width, nil
}

// float16to32 converts an IEEE 754 half-precision value to float32,
// including subnormals, infinities and NaN.
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: normalise
		e := uint32(127 - 15 + 1)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		frac &= 0x3ff
		return math.Float32frombits(sign | e<<23 | frac<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	}
}
