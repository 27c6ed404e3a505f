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

// drawWatermark draws text, tiled diagonally, over img in place. Blank text
// draws nothing.
func drawWatermark(img *image.NRGBA, text string) error {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return nil
	}
	if r := []rune(text); len(r) > maxWatermarkRunes {
		text = string(r[:maxWatermarkRunes])
	}
	b := img.Bounds()
	px := math.Max(9, float64(max(b.Dx(), b.Dy()))/watermarkScale)
	t, err := renderTile(text, px)
	if err != nil {
		return fmt.Errorf("photo: watermark: %w", err)
	}
	t.drawOn(img)
	return nil
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

// drawOn blends the tile, repeated along rotated rows with every other row
// shifted by half a tile, over img. Rows of img are shared among the CPUs.
func (t *tile) drawOn(img *image.NRGBA) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	sin, cos := math.Sincos(watermarkAngle * math.Pi / 180)
	workers := min(runtime.GOMAXPROCS(0), max(1, h/64))
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(y0, y1 int) {
			defer wg.Done()
			for y := y0; y < y1; y++ {
				row := img.Pix[y*img.Stride : y*img.Stride+w*4]
				py := float64(y) + 0.5 - float64(h)/2
				for x := 0; x < w; x++ {
					px := float64(x) + 0.5 - float64(w)/2
					// Coordinates along and across the text lines.
					u := px*cos - py*sin + t.cx
					v := px*sin + py*cos + t.cy
					t.blend(row[x*4:x*4+3:x*4+3], u, v)
				}
			}
		}(i*h/workers, (i+1)*h/workers)
	}
	wg.Wait()
}

// blend samples the tile at text coordinates (u, v) and blends the outline
// then the letters into one RGB pixel.
func (t *tile) blend(p []uint8, u, v float64) {
	tw, th := float64(t.w), float64(t.h)
	row := math.Floor(v / th)
	v -= row * th
	if v >= float64(t.textH)+0.5 {
		return // in the gap between two rows of text
	}
	if int64(row)&1 != 0 {
		u -= tw / 2
	}
	u -= math.Floor(u/tw) * tw
	if u >= float64(t.textW)+0.5 {
		return // in the gap between two repeats
	}
	// Bilinear sampling with wrap-around, at pixel centres.
	u, v = u-0.5, v-0.5
	x0, y0 := int(math.Floor(u)), int(math.Floor(v))
	fx, fy := u-float64(x0), v-float64(y0)
	x0, x1 := wrap(x0, t.w), wrap(x0+1, t.w)
	y0, y1 := wrap(y0, t.h), wrap(y0+1, t.h)
	i00, i01, i10, i11 := y0*t.w+x0, y0*t.w+x1, y1*t.w+x0, y1*t.w+x1
	if t.fill[i00]|t.fill[i01]|t.fill[i10]|t.fill[i11]|t.ring[i00]|t.ring[i01]|t.ring[i10]|t.ring[i11] == 0 {
		return
	}
	sample := func(m []uint8) float64 {
		top := float64(m[i00])*(1-fx) + float64(m[i01])*fx
		bottom := float64(m[i10])*(1-fx) + float64(m[i11])*fx
		return (top*(1-fy) + bottom*fy) / 255
	}
	ring := sample(t.ring) * outlineOpacity
	fill := sample(t.fill) * fillOpacity
	for c := range p {
		v := float64(p[c]) * (1 - ring)
		v += (255 - v) * fill
		p[c] = uint8(v + 0.5)
	}
}

func wrap(i, n int) int {
	i %= n
	if i < 0 {
		i += n
	}
	return i
}
