// Package photoset writes the camera-like JPEGs the benchmarks process.
package photoset

import (
	"fmt"
	"os"
	"path/filepath"

	"lightbox/jobs/photo/phototest"
)

// Generate writes count photo-like JPEGs, photo-NN.jpg, of w×h into dir, as
// a camera makes them: quality 92, 4:2:0, with an Exif (GPS) and an XMP
// segment. It returns their mean size in MB.
func Generate(dir string, w, h, count int) (float64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var total int
	for i := range count {
		b := phototest.InsertSegments(phototest.JPEG(phototest.Photo(w, h, uint64(i+1)), 92),
			phototest.ExifSegment(1, false), phototest.XMPSegment())
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("photo-%02d.jpg", i+1)), b, 0o644); err != nil {
			return 0, err
		}
		total += len(b)
	}
	return float64(total) / float64(count) / 1e6, nil
}
