package photo

import (
	"fmt"
	"image"
	"math"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The watermark's look: Go Bold text, white with a dark outline, both at
// about a third opacity, repeated along parallel lines rising at 30°. The
// white shows on dark areas and the outline on light ones.
const (
	watermarkAngle    = 30.0     // degrees, counter-clockwise from horizontal
	watermarkScale    = 26.0     // font size is the image's long edge / this
	fillOpacity       = 0.32     // white letters
	outlineOpacity    = 0.30     // dark outline around them
	outlineWidth      = 1.0 / 14 // of the font size
	maxWatermarkRunes = 80
)

// tile is one repeat of the watermark: coverage masks for the white letters
// (fill) and the dark outline around them (ring), w×h, one byte a pixel.
type tile struct {
	w, h         int
	textW, textH int     // the text and its outline fill [0, textW)×[0, textH)
	cx, cy       float64 // centre of the text inside the tile
	fill, ring   []uint8
}

// drawWatermark draws text, tiled diagonally, over a 4:2:0 image (bounds at
// the origin) in place. Blank text draws nothing.
func drawWatermark(img *image.YCbCr, text string) error {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return nil
	}
	if r := []rune(text); len(r) > maxWatermarkRunes {
		text = string(r[:maxWatermarkRunes])
	}
	b := img.Bounds()
	m, err := marks.get(text, b.Dx(), b.Dy())
	if err != nil {
		return fmt.Errorf("photo: watermark: %w", err)
	}
	m.drawOn(img)
	return nil
}

// A mark is the watermark laid out over a whole w×h image. For each pixel,
// wt holds how much the outline darkens it (high byte) and the letters
// lighten it (low byte), in 255ths; zero for most pixels. For each 4:2:0
// chroma sample, keep holds how much of its colour is left, in 255ths: 255
// for most samples. An event has one watermark and few photo sizes, so a
// mark is made once per text and size and kept.
//
// Blending in YCbCr is blending in RGB: per RGB channel the mark makes v
// into k·v + 255·f, where k = (1−ring)(1−fill) and f = fill, and white has
// no chroma, so luma becomes k·Y + 255·f and chroma 128 + k·(C−128). A
// chroma sample takes the mean k of the pixels it covers, which is what
// subsampling the blended RGB would have given it.
type mark struct {
	w, h int
	wt   []uint16
	keep []uint8
}

// marks keeps the marks made last: a landscape and a portrait size of a
// few events' watermarks, 7 MB each at 2048×1365.
var marks = markCache{size: 4}

type markCache struct {
	mu      sync.Mutex
	size    int
	entries []*markEntry // the most recently used last
}

type markKey struct {
	text string
	w, h int
}

type markEntry struct {
	key  markKey
	once sync.Once
	m    *mark
	err  error
}

// get returns the mark of text over a w×h image, made at most once while
// it is kept, however many photos ask for it at the same time.
func (c *markCache) get(text string, w, h int) (*mark, error) {
	k := markKey{text, w, h}
	c.mu.Lock()
	var e *markEntry
	for i, x := range c.entries {
		if x.key == k {
			e = x
			c.entries = append(c.entries[:i], c.entries[i+1:]...)
			break
		}
	}
	if e == nil {
		e = &markEntry{key: k}
		if len(c.entries) == c.size {
			c.entries = c.entries[1:]
		}
	}
	c.entries = append(c.entries, e)
	c.mu.Unlock()
	e.once.Do(func() { e.m, e.err = newMark(text, w, h) })
	return e.m, e.err
}

// newMark lays the text's tile out over a w×h image.
func newMark(text string, w, h int) (*mark, error) {
	px := math.Max(9, float64(max(w, h))/watermarkScale)
	t, err := renderTile(text, px)
	if err != nil {
		return nil, err
	}
	cw, ch := (w+1)/2, (h+1)/2
	m := &mark{w: w, h: h, wt: make([]uint16, w*h), keep: make([]uint8, cw*ch)}
	sin, cos := math.Sincos(watermarkAngle * math.Pi / 180)
	rows(ch, func(c0, c1 int) {
		k := make([]float64, cw) // the sum of k over a chroma row's pixels
		for cy := c0; cy < c1; cy++ {
			clear(k)
			for y := 2 * cy; y < min(h, 2*cy+2); y++ {
				row := m.wt[y*w : (y+1)*w]
				py := float64(y) + 0.5 - float64(h)/2
				for x := range row {
					px := float64(x) + 0.5 - float64(w)/2
					// Coordinates along and across the text lines.
					ring, fill := t.at(px*cos-py*sin+t.cx, px*sin+py*cos+t.cy)
					r, f := math.Round(ring*outlineOpacity*255), math.Round(fill*fillOpacity*255)
					row[x] = uint16(r)<<8 | uint16(f)
					k[x/2] += (255 - r) * (255 - f) / 255
				}
			}
			n := float64((min(h, 2*cy+2) - 2*cy) * 2)
			keep := m.keep[cy*cw : (cy+1)*cw]
			for i := range keep {
				if 2*i+1 == w { // a last, partial column
					keep[i] = uint8(math.Round(k[i] / (n / 2)))
				} else {
					keep[i] = uint8(math.Round(k[i] / n))
				}
			}
		}
	})
	return m, nil
}

// drawOn blends the mark over img, which is m.w×m.h: the outline darkens
// luma Y to Y·(1−ring), then the letters lighten it by fill of what is left
// to white; chroma keeps its share of its distance from grey.
func (m *mark) drawOn(img *image.YCbCr) {
	cw := (m.w + 1) / 2
	rows((m.h+1)/2, func(c0, c1 int) {
		for y := 2 * c0; y < min(m.h, 2*c1); y++ {
			wt := m.wt[y*m.w : (y+1)*m.w]
			lum := img.Y[y*img.YStride:][:m.w]
			for x, w := range wt {
				if w == 0 {
					continue
				}
				ring, fill := uint32(w>>8), uint32(w&0xFF)
				dark := uint32(lum[x]) * (255 - ring) // in 255ths
				lum[x] = uint8((dark*255 + (255*255-dark)*fill + 255*255/2) / (255 * 255))
			}
		}
		for cy := c0; cy < c1; cy++ {
			keep := m.keep[cy*cw : (cy+1)*cw]
			cb, cr := img.Cb[cy*img.CStride:][:cw], img.Cr[cy*img.CStride:][:cw]
			for i, k := range keep {
				if k == 255 {
					continue
				}
				k := uint32(k)
				cb[i] = uint8((uint32(cb[i])*k + 128*(255-k) + 127) / 255)
				cr[i] = uint8((uint32(cr[i])*k + 128*(255-k) + 127) / 255)
			}
		}
	})
}

// rows runs fn over bands of [0, h), shared among the CPUs.
func rows(h int, fn func(y0, y1 int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, h/64))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(y0, y1 int) {
			defer wg.Done()
			fn(y0, y1)
		}(i*h/workers, (i+1)*h/workers)
	}
	wg.Wait()
}

// renderTile draws the text once, with its outline, into a tile whose size
// includes the gaps between repeats.
func renderTile(text string, px float64) (*tile, error) {
	f, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	m := face.Metrics()
	r := max(1, int(math.Round(px*outlineWidth)))
	textW := font.MeasureString(face, text).Ceil() + 2*r
	textH := m.Ascent.Ceil() + m.Descent.Ceil() + 2*r
	t := &tile{
		w:     textW + int(px*2.5),
		h:     textH + int(px*2.2),
		textW: textW,
		textH: textH,
		cx:    float64(textW) / 2,
		cy:    float64(textH) / 2,
	}
	mask := image.NewAlpha(image.Rect(0, 0, t.w, t.h))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(r, r+m.Ascent.Ceil())}
	d.DrawString(text)
	t.fill = mask.Pix
	t.ring = dilate(t.fill, t.w, textW, textH, r)
	for i, c := range t.fill {
		t.ring[i] -= min(t.ring[i], c)
	}
	return t, nil
}

// dilate returns the maximum of m over a disc of radius r around each pixel,
// for the top-left w×h pixels of a mask with the given stride (the rest of
// the result is zero). The disc is cut into rows: row dy of it spans
// ±span[|dy|] pixels, so each output is the maximum of 2r+1 horizontal
// maxima, and the horizontal maxima of every source row for every span are
// built up one pixel wider at a time.
func dilate(m []uint8, stride, w, h, r int) []uint8 {
	out := make([]uint8, len(m))
	span := make([]int, r+1) // the largest dx with dx²+dy² ≤ r²+r
	for dy := range span {
		for span[dy] = r; span[dy]*span[dy]+dy*dy > r*r+r; span[dy]-- {
		}
	}
	// wide[j%(2r+1)][k] is source row j's maximum over x-k..x+k.
	n := 2*r + 1
	wide := make([][][]uint8, n)
	buf := make([]uint8, n*(r+1)*w)
	for i := range wide {
		wide[i] = make([][]uint8, r+1)
		for k := range wide[i] {
			wide[i][k], buf = buf[:w:w], buf[w:]
		}
	}
	widen := func(j int) {
		rows := wide[j%n]
		src := m[j*stride : j*stride+w]
		copy(rows[0], src)
		for k := 1; k <= r; k++ {
			prev, cur := rows[k-1], rows[k]
			for x := range cur {
				v := prev[x]
				if x >= k {
					v = max(v, src[x-k])
				}
				if x+k < w {
					v = max(v, src[x+k])
				}
				cur[x] = v
			}
		}
	}
	for j := 0; j < min(r, h); j++ {
		widen(j)
	}
	for y := 0; y < h; y++ {
		if y+r < h {
			widen(y + r)
		}
		o := out[y*stride : y*stride+w]
		for dy := -r; dy <= r; dy++ {
			yy := y + dy
			if yy < 0 || yy >= h {
				continue
			}
			row := wide[yy%n][span[abs(dy)]]
			for x, v := range row {
				o[x] = max(o[x], v)
			}
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// at samples the tile at text coordinates (u, v): the coverage of the
// outline and of the letters there, each in [0, 1]. The tile repeats along
// rotated rows, every other row shifted by half a tile.
func (t *tile) at(u, v float64) (ring, fill float64) {
	tw, th := float64(t.w), float64(t.h)
	row := math.Floor(v / th)
	v -= row * th
	if v >= float64(t.textH)+0.5 {
		return 0, 0 // in the gap between two rows of text
	}
	if int64(row)&1 != 0 {
		u -= tw / 2
	}
	u -= math.Floor(u/tw) * tw
	if u >= float64(t.textW)+0.5 {
		return 0, 0 // in the gap between two repeats
	}
	// Bilinear sampling with wrap-around, at pixel centres.
	u, v = u-0.5, v-0.5
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	x0, x1 := wrap(x0, t.w), wrap(x0+1, t.w)
	y0, y1 := wrap(y0, t.h), wrap(y0+1, t.h)
	i00, i01, i10, i11 := y0*t.w+x0, y0*t.w+x1, y1*t.w+x0, y1*t.w+x1
	sample := func(m []uint8) float64 {
		top := float64(m[i00])*(1-fx) + float64(m[i01])*fx
		bottom := float64(m[i10])*(1-fx) + float64(m[i11])*fx
		return (top*(1-fy) + bottom*fy) / 255
	}
	return sample(t.ring), sample(t.fill)
}

func wrap(i, n int) int {
	i %= n
	if i < 0 {
		i += n
	}
	return i
}
