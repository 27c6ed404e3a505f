// Command fakeretina runs the fake Retina face service of package
// retinatest as a process of its own, for trying Lightbox's face matching
// by hand without the real service:
//
//	go run ./jobs/retina/retinatest/cmd/fakeretina [-addr 127.0.0.1:9100] [-key demo-key] [-latency 0] [-quiet]
//
// then start Lightbox with the RETINA_SERVICE_URL and RETINA_API_KEY it
// prints. The fake recognises only drawn faces: a solid square of one of
// its palette colours is person N. It also draws pictures it recognises:
//
//	go run ./jobs/retina/retinatest/cmd/fakeretina -selfie 3 [selfie-3.jpg]
//	go run ./jobs/retina/retinatest/cmd/fakeretina -photo 3,5 [photo-3-5.jpg]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"lightbox/e2e/scene"
	"lightbox/jobs/retina/retinatest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if !errors.Is(err, errFlags) { // the flag package has said why
			fmt.Fprintln(os.Stderr, "fakeretina:", err)
		}
		os.Exit(2)
	}
}

// errFlags is a command line the flag package refused and explained.
var errFlags = errors.New("bad command line")

// colourNames names retinatest.Palette's colours, in order.
var colourNames = []string{"red", "green", "blue", "yellow", "cyan", "magenta", "orange", "azure", "lime", "violet", "spring green", "rose"}

// colourName names person p's colour.
func colourName(p int) string {
	if p < len(colourNames) {
		return colourNames[p]
	}
	c := retinatest.Palette[p]
	return fmt.Sprintf("rgb(%d,%d,%d)", c.R, c.G, c.B)
}

// run serves the fake until ctx is done, or draws a picture and returns.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("fakeretina", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:9100", "address to listen on (port 0 picks a free one)")
	key := fs.String("key", "demo-key", "API key to accept in the x-api-key header (RETINA_API_KEY)")
	latency := fs.Duration("latency", 0, "time added to every call, as on a remote service (e.g. 200ms)")
	quiet := fs.Bool("quiet", false, "do not log each call")
	selfie := -1
	fs.Func("selfie", "draw a selfie of person `N` into the file named after the flags (default selfie-N.jpg) and exit", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("want a person number")
		}
		selfie = n
		return checkPerson(n)
	})
	photo := fs.String("photo", "", "draw an event photo of the comma-separated `people` (e.g. 1,4) into the file named after the flags (default photo-1-4.jpg) and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fakeretina [flags]\n       fakeretina -selfie N [FILE]\n       fakeretina -photo N,M,... [FILE]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errFlags, err)
	}
	if fs.NArg() > 1 || (fs.NArg() == 1 && selfie < 0 && *photo == "") {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case selfie >= 0 && *photo != "":
		return errors.New("use -selfie or -photo, not both")
	case selfie >= 0:
		return draw(out, fs.Arg(0), fmt.Sprintf("selfie-%d.jpg", selfie), scene.Selfie(720, 960, selfie), []int{selfie})
	case *photo != "":
		people, err := parsePeople(*photo)
		if err != nil {
			return err
		}
		name := "photo"
		for _, p := range people {
			name += "-" + strconv.Itoa(p)
		}
		return draw(out, fs.Arg(0), name+".jpg", scene.Photo(1600, 1067, uint64(len(people)*31+people[0]), people...), people)
	}
	return serve(ctx, out, *addr, *key, *latency, *quiet)
}

func checkPerson(p int) error {
	if p < 0 || p >= len(retinatest.Palette) {
		return fmt.Errorf("person %d: the fake knows people 0 to %d", p, len(retinatest.Palette)-1)
	}
	return nil
}

func parsePeople(s string) ([]int, error) {
	var people []int
	for f := range strings.SplitSeq(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("-photo %q: want comma-separated person numbers", s)
		}
		if err := checkPerson(p); err != nil {
			return nil, err
		}
		people = append(people, p)
	}
	return people, nil
}

// draw writes jpg to path (or def when path is empty) and says who is in it.
func draw(out io.Writer, path, def string, jpg []byte, people []int) error {
	if path == "" {
		path = def
	}
	if err := os.WriteFile(path, jpg, 0o644); err != nil {
		return err
	}
	who := make([]string, len(people))
	for i, p := range people {
		who[i] = fmt.Sprintf("person %d (%s)", p, colourName(p))
	}
	fmt.Fprintf(out, "Wrote %s: %s.\n", path, strings.Join(who, ", "))
	return nil
}

// serve runs the fake on addr until ctx is done.
func serve(ctx context.Context, out io.Writer, addr, key string, latency time.Duration, quiet bool) error {
	if key == "" {
		return errors.New("-key must not be empty")
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another with -addr)", addr, err)
	}
	var h http.Handler = retinatest.Delayed(retinatest.NewHandler(key), latency)
	var logMu sync.Mutex
	if !quiet {
		h = logged(h, func(line string) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintln(out, line)
		})
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()

	url := "http://" + l.Addr().String()
	var people strings.Builder
	for i := range retinatest.Palette {
		switch {
		case i == 0:
			people.WriteString("  ")
		case i%6 == 0:
			people.WriteString(",\n  ")
		default:
			people.WriteString(", ")
		}
		fmt.Fprintf(&people, "%d %s", i, colourName(i))
	}
	logMu.Lock()
	fmt.Fprintf(out, `Fake Retina listening on %s (latency %v per call).
Start Lightbox with:

  RETINA_SERVICE_URL=%s
  RETINA_API_KEY=%s

It finds a face wherever a picture has a solid square of one of its
colours, one colour per person:
%s.
A selfie is approved when it shows one such square covering at least 2%% of
it. To draw pictures it recognises:

  go run ./jobs/retina/retinatest/cmd/fakeretina -selfie 3 selfie-3.jpg
  go run ./jobs/retina/retinatest/cmd/fakeretina -photo 3,5 party.jpg

Press Ctrl-C to stop.
`, url, latency, url, key, people.String())
	logMu.Unlock()

	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logged writes one line per call: time, method, path, status, request
// size and time taken.
func logged(h http.Handler, logf func(string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		status := "no answer, the client gave up"
		if sw.status != 0 {
			status = strconv.Itoa(sw.status)
		}
		logf(fmt.Sprintf("%s %s %s %s (%d bytes in, %v)", start.Format("15:04:05.000"), r.Method, r.URL.Path, status,
			r.ContentLength, time.Since(start).Round(time.Millisecond)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
