package app_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lightbox/app/apptest"
	"lightbox/store/blob"
	"lightbox/store/blob/blobtest"
)

// TestIngestOnS3 runs ingest, delivery and cleanup against a real
// S3-compatible server (versitygw) with SigV4 presigned URLs: the server
// never proxies photo bytes.
func TestIngestOnS3(t *testing.T) {
	cfg := blobtest.StartS3(t)
	ctx := context.Background()
	s3s, err := blob.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := apptest.New(t, apptest.Options{Blobs: s3s})
	op := env.Operator("op@example.com")
	prj := op.Project("Regatta")
	ids := op.UploadPhotos(prj, apptest.Photo(t, 1), apptest.Photo(t, 2))
	env.WaitJobs()
	var photos struct{ Items []photoItem }
	op.MustJSON("GET", "/v1/projects/"+prj+"/photos", nil, 200, &photos)
	for _, p := range photos.Items {
		if p.Status != "ready" {
			t.Fatalf("photo %s is %s (%s)", p.ID, p.Status, p.Error)
		}
		for name, raw := range p.URLs {
			u, _ := url.Parse(raw)
			// Presigned S3 URLs stay absolute (only the embedded store's are relative).
			if !u.IsAbs() || strings.HasPrefix(raw, env.URL) || u.Query().Get("X-Amz-Signature") == "" || u.Query().Get("X-Amz-Expires") != "900" {
				t.Errorf("%s URL is not a 15-minute presigned S3 URL: %s", name, raw)
			}
			st, b := env.Fetch(raw)
			if st != 200 || bytes.Contains(b, []byte(apptest.GPSMarker)) {
				t.Errorf("%s: status %d, EXIF present %v", name, st, bytes.Contains(b, []byte(apptest.GPSMarker)))
			}
		}
	}
	// Deleting the project removes its objects in the background.
	op.MustJSON("DELETE", "/v1/projects/"+prj, nil, 202, nil)
	env.WaitJobs()
	out, err := blobtest.S3Client(cfg).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &cfg.Bucket, Prefix: strPtr("photos/" + prj + "/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 0 {
		t.Errorf("%d objects left after deleting the project (photo %s)", len(out.Contents), ids[0])
	}
}

func strPtr(s string) *string { return &s }
