package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"lightbox/bench/internal/machine"
)

// printTable prints every result, each compared with the sharp result of
// its round (the last one, when sharp did not run in a round).
func printTable(w io.Writer, o options, mb float64, rs []result) {
	fmt.Fprintf(w, "\nIngest through the HTTP API: %d photos of %s (%.1f MB JPEG, quality 92, 4:2:0) uploaded, %d photo workers,\n"+
		"each processed into 800w + 400w thumbnails and a 2048 px watermarked preview; sharp makes the same derivatives\n",
		o.n, o.size, mb, o.workers)
	fmt.Fprintf(w, "machine: %s/%s, %s, %d CPUs online; everything limited to %d\n",
		runtime.GOOS, runtime.GOARCH, machine.CPUModel(), runtime.NumCPU(), o.cpus)
	for _, r := range rs {
		if v := r.versions; v["sharp"] != "" {
			fmt.Fprintf(w, "versions: %s; sharp %s, libvips %s, node %s\n", runtime.Version(), v["sharp"], v["vips"], v["node"])
			break
		}
	}
	fmt.Fprintf(w, "\n%-34s %6s %7s %8s %12s %9s %6s %13s %12s\n",
		"pipeline", "photos", "wall s", "photos/s", "CPU ms/photo", "peak RSS", "faces", "vs sharp: s/ph", "CPU/photo")
	for i, r := range rs {
		var sharp *result
		for j := i; j < len(rs) && sharp == nil; j++ { // the sharp run of this round
			if rs[j].mode == "sharp" {
				sharp = &rs[j]
			}
		}
		fast, cheap := "", ""
		if sharp != nil && r.mode != "sharp" {
			fast = fmt.Sprintf("%.2f×", (float64(sharp.photos)/sharp.seconds)/(float64(r.photos)/r.seconds))
			cheap = fmt.Sprintf("%.2f×", r.cpuMs/sharp.cpuMs)
		}
		faces := "-"
		if r.mode == "builtin" {
			faces = fmt.Sprint(r.faces)
		}
		fmt.Fprintf(w, "%-34s %6d %7.1f %8.2f %12.0f %6.0fMiB %6s %13s %12s\n",
			r.name, r.photos, r.seconds, float64(r.photos)/r.seconds, r.cpuMs, r.rssMiB, faces, fast, cheap)
	}
	fmt.Fprintf(w, "\nwall s: from the first upload to the last photo processed (sharp: its timed pass); CPU ms/photo: the\n"+
		"server's user + system time over that span (/proc/PID/stat), sharp's over its warm-up and timed passes;\n"+
		"peak RSS: the server's VmHWM since start (sharp: the node process's); faces: indexed in all photos;\n"+
		"vs sharp: how many times sharp's wall time and CPU time per photo each Lightbox row takes, same round.\n")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) >= 3 {
			fmt.Fprintf(w, "load average at the end: %s (other work on the machine slows photos/s more than CPU ms/photo)\n",
				strings.Join(f[:3], " "))
		}
	}
}
