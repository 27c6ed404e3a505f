package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"lightbox/bench/internal/machine"
	"lightbox/jobs/face/facetest"
)

// table holds every measurement of one run.
type table struct {
	cpus, faces, photos, size int

	embedLB, embedLB1, embedHuman result // embedLB1: on one core, when cpus > 1
	agreement                     agreed
	indexLB, indexLB1, indexHuman result
}

// print prints the table, each row compared with human's row of its part:
// "vs human" is how many times faster (throughput) or cheaper (CPU time)
// lightbox is.
func (t table) print(w io.Writer) {
	h := t.indexHuman
	fmt.Fprintf(w, "\nFace engines: lightbox/jobs/face (pure Go) vs @vladmandic/human on tfjs-wasm, same models (blazeface + faceres)\n")
	fmt.Fprintf(w, "machine: %s/%s, %s, %d CPUs online; every engine limited to %d\n",
		runtime.GOOS, runtime.GOARCH, machine.CPUModel(), runtime.NumCPU(), t.cpus)
	fmt.Fprintf(w, "versions: %s; human %s, tfjs %s, tfjs-backend-wasm %s (SIMD %s, %d thread per instance), node %s\n",
		runtime.Version(), h.Versions["human"], h.Versions["tfjs"], h.Versions["wasm"], onOff(h.SIMD), h.Threads, h.Versions["node"])

	fmt.Fprintf(w, "\n1. One face embedding (crop, resize, FaceRes, 1024 values), %d faces one at a time\n", t.faces)
	fmt.Fprintf(w, "%-44s %5s %9s %8s %10s %8s %9s\n", "engine", "timed", "ms/face", "vs human", "CPU/face", "vs human", "peak RSS")
	embeds := []line{{fmt.Sprintf("lightbox Engine.Embed, GOMAXPROCS=%d", t.cpus), t.embedLB}}
	if t.embedLB1.Ops > 0 {
		embeds = append(embeds, line{"lightbox Engine.Embed, GOMAXPROCS=1", t.embedLB1})
	}
	embeds = append(embeds, line{"human (FaceRes on tfjs-wasm, 1 thread)", t.embedHuman})
	for _, r := range embeds {
		ms, cpu := 1000*r.r.Seconds/float64(r.r.Ops), 1000*r.r.CPUSeconds/float64(r.r.Ops)
		hms, hcpu := 1000*t.embedHuman.Seconds/float64(t.embedHuman.Ops), 1000*t.embedHuman.CPUSeconds/float64(t.embedHuman.Ops)
		fmt.Fprintf(w, "%-44s %5d %7.1fms %7.2f× %8.1fms %7.2f× %6.0fMiB\n",
			r.name, r.r.Ops, ms, hms/ms, cpu, hcpu/cpu, r.r.PeakRSSMiB)
	}
	g := t.agreement
	fmt.Fprintf(w, "same faces, both engines: embeddings' cosine similarity mean %.3f, lowest %.3f; %d of %d faces ≥ 0.99\n"+
		"(the others are tilted: lightbox levels the eyes before describing a face, human by default does not)\n",
		g.mean, g.lowest, g.close, g.faces)

	fmt.Fprintf(w, "\n2. Indexing a photo (%d px long edge, decoded): find every face and describe it; %d photos\n", t.size, t.photos)
	fmt.Fprintf(w, "%-44s %-14s %6s %13s %8s %11s %8s %9s\n",
		"engine", "faces/photo", "timed", "photos/h/core", "vs human", "CPU/photo", "vs human", "peak RSS")
	hph := 3600 * h.OpsPerSec / float64(t.cpus)
	hcpu := 1000 * h.CPUSeconds / float64(h.Ops)
	for _, r := range []line{
		{fmt.Sprintf("lightbox FacesIn, %d in flight, all scales", t.cpus), t.indexLB},
		{fmt.Sprintf("lightbox FacesIn, %d in flight, 1 scale", t.cpus), t.indexLB1},
		{fmt.Sprintf("human.detect, %d workers × 1 thread", t.cpus), h},
	} {
		ph := 3600 * r.r.OpsPerSec / float64(t.cpus)
		cpu := 1000 * r.r.CPUSeconds / float64(r.r.Ops)
		fmt.Fprintf(w, "%-44s %-14s %6d %13.0f %7.2f× %9.0fms %7.2f× %6.0fMiB\n",
			r.name, counts(r.r.FacesPerPhoto), r.r.Ops, ph, ph/hph, cpu, hcpu/cpu, r.r.PeakRSSMiB)
	}
	fmt.Fprintf(w, "\nvs human: how many times faster (ms/face, photos/h/core) or cheaper (CPU time) lightbox is;\n"+
		"photos/h/core: wall-clock throughput × 3600 / %d cores; CPU: user + system time of the whole process;\n"+
		"peak RSS: VmHWM of the process (the Go heap, runtime.MemStats.Sys: %.0f MiB embedding, %.0f MiB indexing).\n"+
		"faces/photo: faces found in each photo (there are %s); all scales: the Go engine's default, the\n"+
		"detector run on the photo fitted into 256 px, then twice as large until faces down to 40 px are\n"+
		"covered (at most 1024 px); 1 scale: fitted into 256 px only, as human runs its detector (human\n"+
		"squeezes the whole photo into 256×256).\n",
		t.cpus, t.embedLB.GoSysMiB, t.indexLB.GoSysMiB, counts(facetest.SampleFaces))
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) >= 3 {
			fmt.Fprintf(w, "load average during the run: %s (other work on the machine slows wall-clock figures more than CPU)\n",
				strings.Join(f[:3], " "))
		}
	}
}

// line is one row of the table.
type line struct {
	name string
	r    result
}

func counts(c []int) string {
	s := make([]string, len(c))
	for i, n := range c {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
