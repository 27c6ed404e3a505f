package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Delete removes keys with DeleteObjects, at most 1000 keys per call (the
// S3 and R2 limit), and reports the per-key failures the service lists in
// its answer. Missing keys are fine. Every key is validated first.
func (s *S3) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := ValidKey(k); err != nil {
			return err
		}
	}
	for _, batch := range chunk(keys, maxDeleteBatch) {
		if _, err := s.deleteBatch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// DeletePrefix lists the keys under prefix page by page and deletes each
// page. It returns how many objects it deleted; a second run returns 0.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	if err := validPrefix(prefix); err != nil {
		return 0, err
	}
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("blob: list %q: %w", prefix, err)
		}
		keys := make([]string, 0, len(page.Contents))
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, batch := range chunk(keys, maxDeleteBatch) {
			m, err := s.deleteBatch(ctx, batch)
			n += m
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// deleteBatch deletes at most maxDeleteBatch keys in one call and returns
// how many were deleted. DeleteObjects answers 200 even when some keys
// fail, so the per-key errors in its output are checked here.
func (s *S3) deleteBatch(ctx context.Context, keys []string) (int, error) {
	if len(keys) > maxDeleteBatch {
		return 0, fmt.Errorf("blob: %d keys in one delete, the limit is %d", len(keys), maxDeleteBatch)
	}
	objs := make([]types.ObjectIdentifier, len(keys))
	for i := range keys {
		objs[i] = types.ObjectIdentifier{Key: &keys[i]}
	}
	out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: &s.bucket,
		Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
	})
	if err != nil {
		return 0, fmt.Errorf("blob: delete %d keys: %w", len(keys), err)
	}
	var errs []error
	for _, e := range out.Errors {
		if aws.ToString(e.Code) == "NoSuchKey" {
			continue // already gone
		}
		errs = append(errs, fmt.Errorf("%s: %s: %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message)))
	}
	if len(errs) > 0 {
		shown := errs[:min(len(errs), 5)]
		return len(keys) - len(errs), fmt.Errorf("blob: %d of %d keys not deleted: %w", len(errs), len(keys), errors.Join(shown...))
	}
	return len(keys), nil
}

// Ping checks that the bucket exists and the credentials reach it.
func (s *S3) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return fmt.Errorf("blob: bucket %q: %w", s.bucket, err)
	}
	return nil
}

// CheckCORS reads the bucket's CORS rules and returns a descriptive error
// unless one of them lets a browser at origin (the app's public URL; any
// path is ignored) send a PUT with the Content-Type and If-None-Match
// headers, which presigned uploads need.
func (s *S3) CheckCORS(ctx context.Context, origin string) error {
	o, err := originOf(origin)
	if err != nil {
		return err
	}
	out, err := s.client.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: &s.bucket})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "NoSuchCORSConfiguration" {
			return fmt.Errorf("bucket %q has no CORS configuration: add a rule allowing PUT with the content-type and if-none-match headers from %s", s.bucket, o)
		}
		return fmt.Errorf("blob: read CORS rules of bucket %q: %w", s.bucket, err)
	}
	var seen []string
	for _, r := range out.CORSRules {
		if corsAllows(r, o) {
			return nil
		}
		seen = append(seen, fmt.Sprintf("{methods %v, origins %v, headers %v}", r.AllowedMethods, r.AllowedOrigins, r.AllowedHeaders))
	}
	return fmt.Errorf("no CORS rule of bucket %q allows PUT with the content-type and if-none-match headers from %s; rules: %s",
		s.bucket, o, strings.Join(seen, " "))
}

// originOf reduces a URL to its origin: scheme://host[:port], lower case.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("blob: origin %q must be an absolute http(s) URL", raw)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// corsAllows reports whether rule admits a PUT with Content-Type and
// If-None-Match headers from origin. Origins and headers may hold one "*"
// wildcard, as in S3.
func corsAllows(rule types.CORSRule, origin string) bool {
	return matchAny(rule.AllowedMethods, "PUT") &&
		matchAny(rule.AllowedOrigins, origin) &&
		matchAny(rule.AllowedHeaders, "content-type") &&
		matchAny(rule.AllowedHeaders, "if-none-match")
}

// matchAny reports whether one of patterns matches s, ignoring case.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(strings.TrimSpace(p)), s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against pattern with at most one "*" (s and
// pattern already lower case).
func wildcardMatch(pattern, s string) bool {
	s = strings.ToLower(s)
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}
