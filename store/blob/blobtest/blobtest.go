// Package blobtest gives tests real object stores: a blob.Local behind an
// httptest server, and a versitygw S3 server on loopback that verifies SigV4
// (presigned URLs included) like R2 does.
package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"lightbox/store/blob"
)

// NewLocal returns a Local store in a temporary directory, mounted on
// /blobs/ of an httptest server that its URLs point to. Both are removed
// when the test ends.
func NewLocal(tb testing.TB) (*blob.Local, *httptest.Server) {
	tb.Helper()
	return NewLocalWithClock(tb, time.Now)
}

// NewLocalWithClock is NewLocal with the store's clock set to now before
// the server starts, for tests of expiry.
func NewLocalWithClock(tb testing.TB, now func() time.Time) (*blob.Local, *httptest.Server) {
	tb.Helper()
	dir := tb.TempDir() // created first, so it is removed after the server stops
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	l, err := blob.NewLocal(dir, "http://"+srv.Listener.Addr().String(), []byte(randHex(32)))
	if err != nil {
		srv.Close()
		tb.Fatalf("blobtest: %v", err)
	}
	l.Now = now
	mux.Handle("/blobs/", l)
	srv.Start()
	tb.Cleanup(srv.Close)
	return l, srv
}

// S3Client returns a plain SDK client for cfg, for tests that need calls
// the blob package does not offer (creating buckets, setting CORS rules).
// Like blob.NewS3 it reads no environment variables and no ~/.aws files.
func S3Client(cfg blob.S3Config) *s3.Client {
	region := cfg.Region
	if region == "" {
		region = "auto"
	}
	return s3.NewFromConfig(aws.Config{
		Region:                     region,
		Credentials:                credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(strings.TrimRight(cfg.Endpoint, "/"))
		o.UsePathStyle = true
	})
}

// createBucket makes a fresh bucket named for this test run.
func createBucket(ctx context.Context, cfg *blob.S3Config) error {
	cfg.Bucket = "lightbox-test-" + randHex(6)
	_, err := S3Client(*cfg).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &cfg.Bucket})
	return err
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
