package photo

import (
	"bytes"
	"fmt"
	"testing"

	"lightbox/jobs/photo/phototest"
)

// benchPhoto returns a photo-like JPEG of w×h at quality 92 with EXIF
// orientation o (24 MP is about 5.5 MB).
func benchPhoto(tb testing.TB, w, h, o int) []byte {
	tb.Helper()
	return phototest.InsertSegments(phototest.JPEG(phototest.Photo(w, h, 1), 92),
		phototest.ExifSegment(o, false), phototest.XMPSegment())
}

// loop runs op b.N times and also reports the process's CPU time per op
// ("cpu-ms/op"), which a busy machine disturbs less than wall time.
func loop(b *testing.B, src []byte, op func() error) {
	b.Helper()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := processCPU() - start; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkDerive measures the whole pipeline: read, decode, resize, rotate,
// watermark and three JPEG encodes.
func BenchmarkDerive(b *testing.B) {
	for _, s := range []size{{6000, 4000}, {2000, 1333}} {
		for _, o := range []int{1, 6} {
			b.Run(fmt.Sprintf("%dx%d/orientation-%d", s.w, s.h, o), func(b *testing.B) {
				src := benchPhoto(b, s.w, s.h, o)
				loop(b, src, func() error {
					_, err := Derive(bytes.NewReader(src), Options{Watermark: "© Jane Photographer"})
					return err
				})
			})
		}
	}
}

// BenchmarkClean measures the lossless copy (orientation 1) and the
// decode-rotate-encode path (orientation 6) on a 24 MP photo.
func BenchmarkClean(b *testing.B) {
	for _, o := range []int{1, 6} {
		b.Run(fmt.Sprintf("6000x4000/orientation-%d", o), func(b *testing.B) {
			src := benchPhoto(b, 6000, 4000, o)
			loop(b, src, func() error {
				_, err := Clean(src)
				return err
			})
		})
	}
}

// BenchmarkSelfie measures a 12 MP phone selfie stored sideways.
func BenchmarkSelfie(b *testing.B) {
	src := benchPhoto(b, 4032, 3024, 6)
	loop(b, src, func() error {
		_, err := Selfie(bytes.NewReader(src), Limits{})
		return err
	})
}

// BenchmarkDeriveFace measures Derive with the face index's 3000 px image
// (the photo job's FaceLongEdge) from the same decode.
func BenchmarkDeriveFace(b *testing.B) {
	src := benchPhoto(b, 6000, 4000, 1)
	loop(b, src, func() error {
		_, err := Derive(bytes.NewReader(src), Options{Watermark: "© Jane Photographer", FaceLongEdge: 3000})
		return err
	})
}
