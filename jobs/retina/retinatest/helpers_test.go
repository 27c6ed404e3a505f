package retinatest

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// placed is a face to draw: a person in a square of side size at (x, y).
type placed struct{ person, x, y, size int }

// picture returns a w×h photo with a noisy grey gradient background and the
// given faces.
func picture(w, h int, faces ...placed) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			v := uint8(90 + 120*y/h + rng.IntN(30))
			copy(row[4*x:], []uint8{v, v, v, 255})
		}
	}
	for _, f := range faces {
		DrawFace(img, image.Rect(f.x, f.y, f.x+f.size, f.y+f.size), f.person)
	}
	return img
}

func encodeJPEG(tb testing.TB, img image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func decodeJPEG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// resizeWidth scales img to width pixels wide, keeping its aspect ratio.
func resizeWidth(img image.Image, width int) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, width, b.Dy()*width/b.Dx()))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	return dst
}

// file is one file part of a request built by post.
type file struct {
	field, name string
	data        []byte
}

// post sends files as multipart/form-data to url with the given API key.
func post(tb testing.TB, url, key string, files ...file) *http.Response {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			tb.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, url, &buf)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() })
	return resp
}
