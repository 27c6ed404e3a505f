package face

import "math"

// minRoll is the eye-line angle, in radians, above which the crop is
// rotated upright.
const minRoll = 0.2

// cropScale enlarges the detector's box to the square crop FaceRes sees,
// as the human library does.
const cropScale = 1.4

// roll is the angle of the line from the subject's right eye to the left
// eye (image left to right), 0 for an upright face.
func roll(c candidate) float64 {
	r, l := c.kps[0], c.kps[1]
	dx, dy := l[0]-r[0], l[1]-r[1]
	if dx <= 0 {
		return 0 // keypoints missing or implausible
	}
	a := math.Atan2(dy, dx)
	if math.Abs(a) < minRoll {
		return 0
	}
	return a
}

// minDescNorm is the length of the descriptor's raw output below which a
// detected box is taken not to be a face: faces measure about 8 to 14
// (small or dim ones down to about 5), the boxes the detector finds in
// textures and noise about 3 to 4, and a few face-like textures up to 7.
const minDescNorm = 5

// sureDescNorm is the length from which a box the scales found is a face
// without a second look (confirm): below it lie both small faces and the
// face-like textures (a wall plate of the sample photos measures 5.2).
const sureDescNorm = 7

// describe computes the unit-length descriptor of one face.
func (e *Engine) describe(img *rgbImage, c candidate) ([]float32, error) {
	v, _, err := e.describeNorm(img, c)
	return v, err
}

// describeNorm computes the unit-length descriptor of one face and the
// measure of its being a face that the descriptor's isFace judges (for
// FaceRes, the length of its raw output).
func (e *Engine) describeNorm(img *rgbImage, c candidate) ([]float32, float64, error) {
	return e.desc.describe(img, c)
}

// normalize returns v scaled to unit length (v itself if it is zero) and
// v's length.
func normalize(v []float32) ([]float32, float64) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	out := make([]float32, len(v))
	if s == 0 {
		copy(out, v)
		return out, 0
	}
	n := math.Sqrt(s)
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out, n
}
