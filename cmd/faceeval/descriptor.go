package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"

	"lightbox/jobs/face"
)

// Thresholds tried when choosing one on a set: descriptors differ in how
// their cosines spread, so the range is wide.
const (
	pickLo, pickHi, pickStep = 0.20, 0.95, 0.005
)

// pickThreshold is the threshold a set would choose for itself: the one
// with the fewest errors (false tags plus misses), the middle of the
// longest run of thresholds that tie, so that it keeps the widest margin
// on both sides.
func (r *result) pickThreshold() (float64, counts) {
	n := int(math.Round((pickHi-pickLo)/pickStep)) + 1
	errs := make([]int, n)
	best := math.MaxInt
	for i := range n {
		c, _ := r.evaluate(pickLo + float64(i)*pickStep)
		errs[i] = c.fp + c.fn
		best = min(best, errs[i])
	}
	runStart, runLen := 0, 0
	for i := 0; i < n; {
		if errs[i] != best {
			i++
			continue
		}
		j := i
		for j < n && errs[j] == best {
			j++
		}
		if j-i > runLen {
			runStart, runLen = i, j-i
		}
		i = j
	}
	t := pickLo + float64(runStart+(runLen-1)/2)*pickStep
	t = math.Round(t*1000) / 1000
	c, _ := r.evaluate(t)
	return t, c
}

// separation compares every approved attendee's references with every
// face found: with the attendee's labelled face (genuine) or any other
// (stranger). It measures the descriptor alone, whatever the detector
// missed.
func (r *result) separation() (genuine, strangers []float64) {
	for id, v := range r.selfies {
		if !v.approved {
			continue
		}
		for pi, p := range r.set.photos {
			at := slices.Index(p.ids, id)
			for _, f := range r.photos[pi].faces {
				s, _ := bestMatch(v.refs, []face.Face{f})
				switch {
				case at >= 0 && len(p.boxes) > 0 && covers(p.boxes[at], f.Box):
					genuine = append(genuine, s)
				case at < 0 || len(p.boxes) > 0:
					strangers = append(strangers, s)
				}
			}
		}
	}
	slices.Sort(genuine)
	slices.Sort(strangers)
	return genuine, strangers
}

// reportDescriptor prints how well the descriptor separates attendees
// from strangers and the threshold this set would choose.
func (r *result) reportDescriptor(w io.Writer) {
	g, s := r.separation()
	if len(g) > 0 && len(s) > 0 {
		over := len(s) - sortedIndex(s, g[0])
		fmt.Fprintf(w, "separation: %d genuine pairs, lowest %.3f, 5th percentile %.3f; %d stranger pairs, highest %.3f, 99th percentile %.3f; %d strangers at or above the lowest genuine\n",
			len(g), g[0], quantile(g, 0.05), len(s), s[len(s)-1], quantile(s, 0.99), over)
	}
	t, c := r.pickThreshold()
	fmt.Fprintf(w, "threshold chosen on this set (fewest fp+fn, middle of the tie): %.3f: precision %.3f recall %.3f (tp %d fp %d fn %d)\n",
		t, c.precision(), c.recall(), c.tp, c.fp, c.fn)
}

// sortedIndex is the first index of sorted xs whose value is at least v.
func sortedIndex(xs []float64, v float64) int {
	i, _ := slices.BinarySearch(xs, v)
	return i
}

// quantile of sorted xs, nearest rank.
func quantile(xs []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(i, 0), len(xs)-1)]
}

// layered opens a file from the first of its file systems that has it:
// the engine's models, then the other descriptors'.
type layered []fs.FS

func (l layered) Open(name string) (fs.File, error) {
	var first error
	for _, f := range l {
		file, err := f.Open(name)
		if err == nil {
			return file, nil
		}
		if first == nil || !errors.Is(err, fs.ErrNotExist) {
			first = err
		}
	}
	return nil, first
}
