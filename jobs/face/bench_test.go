package face

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU time per operation since start, the steadier
// figure on a shared machine, where wall time also counts waiting for a
// core.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// BenchmarkEmbed measures one face embedding: crop, resize and descriptor.
func BenchmarkEmbed(b *testing.B) {
	e := mustEngine(b)
	img, err := decodeJPEG(readSample(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	c := candidate{x1: 844, y1: 462, x2: 1039, y2: 657}
	start := cpuTime(b)
	for b.Loop() {
		if _, err := e.describe(img, c); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkDetect measures one detector pass over a 256×256 input.
func BenchmarkDetect(b *testing.B) {
	e := mustEngine(b)
	in := pattern(2.0/255, -1, 1, 256, 256, 3)
	start := cpuTime(b)
	for b.Loop() {
		if _, _, _, err := e.det.raw(in); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkFaces measures a whole 1600×1067 photo with three faces:
// decode, detection at three scales, the windows looked at again for
// small faces, and one embedding per face; "scales" leaves the windows out.
func BenchmarkFaces(b *testing.B) {
	e := mustEngine(b)
	img, err := decodeJPEG(readSample(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	k := float64(img.w) / 1600
	jpg := transformed(b, img, affine{x0: k / 2, y0: k / 2, ux: k, vy: k}, 1600, int(float64(img.h)/k))
	for _, windows := range []int{12, 0} {
		name := "windows"
		if windows == 0 {
			name = "scales"
		}
		b.Run(name, func(b *testing.B) {
			e := *e
			e.FineWindows = windows
			start := cpuTime(b)
			for b.Loop() {
				if _, err := e.Faces(context.Background(), jpg); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
		})
	}
}

// BenchmarkDetectSize measures one detector pass over inputs of the sizes
// a scan runs at, from a window looked at again to the finest scale of a
// 2048 px photo, and the cost per input pixel of each.
func BenchmarkDetectSize(b *testing.B) {
	e := mustEngine(b)
	for _, s := range [][2]int{{windowSide, windowSide}, {256, 192}, {512, 352}, {1024, 704}} {
		in := pattern(2.0/255, -1, 1, s[1], s[0], 3)
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			start := cpuTime(b)
			for b.Loop() {
				if _, _, _, err := e.det.raw(in); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, start)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s[0]*s[1]), "ms/Mpx")
		})
	}
}

// BenchmarkScan measures the detector's scan of a photo the size the
// photo job hands over (2048×1365, so three scales up to 1024×704),
// without the descriptor: the cost of indexing a photo without faces.
func BenchmarkScan(b *testing.B) {
	e := mustEngine(b)
	img, err := decodeJPEG(readSample(b, 1))
	if err != nil {
		b.Fatal(err)
	}
	k := float64(img.w) / 2048
	big := &rgbImage{w: 2048, h: int(float64(img.h) / k)}
	big.pix = make([]uint8, 3*big.w*big.h)
	t := img.sample(affine{x0: k / 2, y0: k / 2, ux: k, vy: k}, big.w, big.h, 1, 0)
	for i, v := range t.data {
		big.pix[i] = uint8(min(max(v+0.5, 0), 255))
	}
	start := cpuTime(b)
	for b.Loop() {
		if _, err := e.det.scan(context.Background(), big, e.MinScore, e.MinFace); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
