package main

import (
	"fmt"
	"io"
	"time"
)

// printTable writes the results as a Markdown table, then each figure of
// the first server divided by the second's.
func printTable(w io.Writer, o options, uploadBytes int, rs []result) {
	ingest := "back to back"
	if o.ingestInterval > 0 {
		ingest = "one photo every " + o.ingestInterval.String()
	}
	fmt.Fprintf(w, "\n%d attendees listing %d photos each for %s per server (%d alternating rounds, after %s of warm-up), %d ingest workers (%s each, %s JPEG of %d KB); %s\n\n",
		o.attendees, o.perAttendee, o.duration, o.rounds, o.warmup, o.ingestWorkers, ingest, o.ingestSize, uploadBytes/1000, cpus())
	fmt.Fprintln(w, "| server | version | requests | errors | req/s | p50 | p90 | p99 | max | server CPU s | peak RSS | ingested |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %d | %d | %.0f | %s | %s | %s | %s | %.1f | %.0f MiB | %d (%d failed) |\n",
			r.Name, r.Version, r.Requests, r.Errors, r.RPS, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.CPUSeconds, float64(r.PeakRSSKiB)/1024, r.Ingested, r.IngestErrors)
	}
	if len(rs) == 2 {
		a, b := rs[0], rs[1]
		fmt.Fprintf(w, "| %s / %s | | | | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | |\n",
			a.Name, b.Name, a.RPS/b.RPS, ratio(a.P50, b.P50), ratio(a.P90, b.P90), ratio(a.P99, b.P99), ratio(a.Max, b.Max),
			a.CPUSeconds/b.CPUSeconds, float64(a.PeakRSSKiB)/float64(b.PeakRSSKiB))
	}
	for _, r := range rs {
		for _, e := range r.FirstErrors {
			fmt.Fprintf(w, "\n%s error: %s", r.Name, e)
		}
	}
	fmt.Fprintln(w)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
