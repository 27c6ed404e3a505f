package blob_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"lightbox/store/blob"
	"lightbox/store/blob/blobtest"
)

func TestS3CheckCORS(t *testing.T) {
	t.Parallel()
	cfg := blobtest.StartS3(t)
	s, client := newS3(t, cfg), blobtest.S3Client(cfg)
	ctx, origin := context.Background(), "https://photos.example.com/some/path"

	err := s.CheckCORS(ctx, origin)
	if err == nil || !strings.Contains(err.Error(), "no CORS configuration") {
		t.Errorf("without CORS rules: %v", err)
	}
	rule := func(methods, origins, headers []string) types.CORSRule {
		return types.CORSRule{AllowedMethods: methods, AllowedOrigins: origins, AllowedHeaders: headers}
	}
	tests := []struct {
		name  string
		rules []types.CORSRule
		ok    bool
	}{
		{"GET only", []types.CORSRule{rule([]string{"GET"}, []string{"*"}, []string{"*"})}, false},
		{"other origin", []types.CORSRule{rule([]string{"PUT"}, []string{"https://other.example.com"}, []string{"content-type"})}, false},
		{"http origin", []types.CORSRule{rule([]string{"PUT"}, []string{"http://photos.example.com"}, []string{"*"})}, false},
		{"no headers", []types.CORSRule{rule([]string{"PUT"}, []string{"https://photos.example.com"}, nil)}, false},
		{"content-type only", []types.CORSRule{rule([]string{"PUT"}, []string{"https://photos.example.com"}, []string{"content-type"})}, false},
		{"exact", []types.CORSRule{rule([]string{"GET", "PUT"}, []string{"https://photos.example.com"}, []string{"Content-Type", "If-None-Match"})}, true},
		{"wildcard origin", []types.CORSRule{rule([]string{"PUT"}, []string{"https://*.example.com"}, []string{"content-type", "if-none-match"})}, true},
		{"any", []types.CORSRule{rule([]string{"GET"}, []string{"*"}, nil), rule([]string{"PUT"}, []string{"*"}, []string{"*"})}, true},
	}
	for _, tt := range tests {
		_, err := client.PutBucketCors(ctx, &s3.PutBucketCorsInput{
			Bucket: &cfg.Bucket, CORSConfiguration: &types.CORSConfiguration{CORSRules: tt.rules},
		})
		if err != nil {
			t.Fatalf("%s: PutBucketCors: %v", tt.name, err)
		}
		err = s.CheckCORS(ctx, origin)
		if tt.ok && err != nil {
			t.Errorf("%s: CheckCORS = %v", tt.name, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "https://photos.example.com")) {
			t.Errorf("%s: CheckCORS = %v, want an error naming the origin", tt.name, err)
		}
	}
	if err := s.CheckCORS(ctx, "not a url"); err == nil {
		t.Error("CheckCORS accepted a bad origin")
	}
}

func TestS3Ping(t *testing.T) {
	t.Parallel()
	cfg := blobtest.StartS3(t)
	ctx := context.Background()
	if err := newS3(t, cfg).Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	wrongBucket, wrongSecret := cfg, cfg
	wrongBucket.Bucket = "no-such-bucket"
	wrongSecret.SecretAccessKey = "wrong"
	if err := newS3(t, wrongBucket).Ping(ctx); err == nil {
		t.Error("Ping of a missing bucket succeeded")
	}
	if err := newS3(t, wrongSecret).Ping(ctx); err == nil {
		t.Error("Ping with a wrong secret succeeded")
	}
}

// TestS3IgnoresAmbientConfig sets AWS variables and a ~/.aws that would
// break the store if it read them.
func TestS3IgnoresAmbientConfig(t *testing.T) {
	cfg := blobtest.StartS3(t)
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "WRONG", "AWS_SECRET_ACCESS_KEY": "WRONG", "AWS_SESSION_TOKEN": "WRONG",
		"AWS_PROFILE": "missing", "AWS_REGION": "us-west-2", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
		"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1", "AWS_REQUEST_CHECKSUM_CALCULATION": "when_supported",
	} {
		t.Setenv(k, v)
	}
	s := newS3(t, cfg)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	put(t, s, "a.jpg", []byte("a"), "image/jpeg")
	u := presignGet(t, s, "a.jpg", time.Minute, blob.GetOptions{})
	if !strings.Contains(u, "%2Fauto%2Fs3%2Faws4_request") || !strings.HasPrefix(u, cfg.Endpoint+"/"+cfg.Bucket+"/a.jpg?") {
		t.Errorf("presigned URL %s: want region auto, path style, the configured endpoint", u)
	}
	if code, _, got := do(t, http.MethodGet, u, nil, nil, 0); code != http.StatusOK || string(got) != "a" {
		t.Errorf("GET: %d %q", code, got)
	}
}

func TestNewS3(t *testing.T) {
	ctx := context.Background()
	base := blob.S3Config{AccessKeyID: "AK", SecretAccessKey: "SK", Bucket: "photos", AccountID: "0123abcd"}
	s := newS3(t, base)
	if s.Name() != "r2" {
		t.Errorf("Name = %q", s.Name())
	}
	up := presignPut(t, s, "photos/p/ph/original.jpg", "image/jpeg", 1234, 15*time.Minute)
	if !strings.HasPrefix(up.URL, "https://0123abcd.r2.cloudflarestorage.com/photos/photos/p/ph/original.jpg?") {
		t.Errorf("URL = %s, want the R2 endpoint of the account, path style", up.URL)
	}
	for _, want := range []string{"X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match", "X-Amz-Expires=900", "%2Fauto%2Fs3%2F"} {
		if !strings.Contains(up.URL, want) {
			t.Errorf("URL %s lacks %s", up.URL, want)
		}
	}
	if strings.Contains(strings.ToLower(up.URL), "checksum") {
		t.Errorf("URL %s carries a checksum R2 would reject", up.URL)
	}
	if len(up.Headers) != 2 || up.Headers["Content-Type"] != "image/jpeg" || up.Headers["If-None-Match"] != "*" || up.Method != http.MethodPut {
		t.Errorf("upload = %s %v", up.Method, up.Headers)
	}
	if d := time.Until(up.ExpiresAt); d < 14*time.Minute || d > 15*time.Minute {
		t.Errorf("expiresAt in %v, want 15m", d)
	}
	u := presignGet(t, s, "a.jpg", time.Minute, blob.GetOptions{Filename: "my photo.jpg"})
	if !strings.Contains(u, "response-content-disposition=attachment%3B%20filename%3D%22my%20photo.jpg%22") {
		t.Errorf("GET URL %s lacks the Content-Disposition override", u)
	}

	bad := map[string]func(c *blob.S3Config){
		"no key":            func(c *blob.S3Config) { c.AccessKeyID = "" },
		"no secret":         func(c *blob.S3Config) { c.SecretAccessKey = "" },
		"no bucket":         func(c *blob.S3Config) { c.Bucket = "" },
		"no endpoint":       func(c *blob.S3Config) { c.AccountID = "" },
		"account with host": func(c *blob.S3Config) { c.AccountID = "evil.com/x" },
		"ftp endpoint":      func(c *blob.S3Config) { c.Endpoint = "ftp://example.com" },
	}
	for name, f := range bad {
		c := base
		f(&c)
		if _, err := blob.NewS3(ctx, c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := s.PresignPut(ctx, "a.jpg", "image/jpeg", 1, 8*24*time.Hour); err == nil {
		t.Error("PresignPut accepted a ttl beyond 7 days")
	}
	if err := s.Put(ctx, "a.jpg", bytes.NewReader([]byte("abc")), 2, "image/jpeg"); err == nil {
		t.Error("Put accepted 3 bytes announced as 2")
	}
}
