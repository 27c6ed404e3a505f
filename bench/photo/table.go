package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"lightbox/bench/internal/machine"
)

// row is one pipeline's result on one photo size.
type row struct {
	size     string
	mb       float64 // mean JPEG size
	pipeline string
	result
}

// printTable prints the rows, each pipeline compared with the lightbox row
// of the same size that precedes it.
func printTable(w io.Writer, rows []row, cpus int) {
	fmt.Fprintf(w, "\nPhoto derivatives: 800w + 400w thumbnails and a 2048 px watermarked preview per photo\n")
	fmt.Fprintf(w, "machine: %s/%s, %s, %d CPUs online; every pipeline limited to %d\n",
		runtime.GOOS, runtime.GOARCH, machine.CPUModel(), runtime.NumCPU(), cpus)
	for _, r := range rows {
		if v := r.Versions; v["sharp"] != "" {
			fmt.Fprintf(w, "versions: %s, jobs/photo/internal/jpeg + fixed-point resizes; sharp %s, libvips %s, node %s\n",
				runtime.Version(), v["sharp"], v["vips"], v["node"])
			break
		}
	}
	fmt.Fprintf(w, "\n%-10s %7s %-36s %4s %8s %6s %10s %6s %9s\n",
		"size", "JPEG MB", "pipeline", "ops", "op/s", "vs lb", "CPU/photo", "vs lb", "peak RSS")
	var base result
	for _, r := range rows {
		if strings.HasPrefix(r.pipeline, "lightbox") {
			base = r.result
		}
		fmt.Fprintf(w, "%-10s %7.1f %-36s %4d %8.2f %5.1f× %8.0fms %5.1f× %6.0fMiB\n",
			r.size, r.mb, r.pipeline, r.Ops, r.OpsPerSec, r.OpsPerSec/base.OpsPerSec,
			r.CPUms, base.CPUms/r.CPUms, r.MaxRSSMiB)
	}
	fmt.Fprintf(w, "\nop/s: wall-clock throughput; CPU/photo: user + system time; vs lb: how many times\n"+
		"faster (op/s) or cheaper (CPU) than lightbox; peak RSS of the whole process.\n")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) >= 3 {
			fmt.Fprintf(w, "load average during the run: %s (other work on the machine slows op/s more than CPU/photo)\n",
				strings.Join(f[:3], " "))
		}
	}
}
