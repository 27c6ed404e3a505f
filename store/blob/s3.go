package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Config configures an S3 store: Cloudflare R2 or any S3-compatible
// service that verifies SigV4.
type S3Config struct {
	// Endpoint is the service URL, e.g. http://127.0.0.1:7070. Empty means
	// R2: https://<AccountID>.r2.cloudflarestorage.com.
	Endpoint string
	// Region defaults to "auto", which R2 expects.
	Region string
	// AccessKeyID and SecretAccessKey are the only credentials used; the
	// environment and ~/.aws are never read.
	AccessKeyID, SecretAccessKey string
	// Bucket holds every object.
	Bucket string
	// AccountID is the Cloudflare account, used when Endpoint is empty.
	AccountID string
}

// S3 stores objects in an S3 bucket and hands out SigV4 presigned URLs, so
// photo bytes go between the browser and the bucket directly.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

// NewS3 returns a store for cfg. It does not contact the service; see Ping.
//
// The SDK configuration is built by hand rather than with
// config.LoadDefaultConfig, which always consults AWS_* environment
// variables and, when AWS_PROFILE is set, the shared files in ~/.aws. The
// settings that matter for R2 are the ones config.WithRequestChecksumCalculation
// and config.WithResponseChecksumValidation would set: checksums only when
// an operation requires them (R2 rejects the SDK's default CRC32 headers).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" || cfg.Bucket == "" {
		return nil, errors.New("blob: S3 needs an access key id, a secret access key and a bucket")
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		if cfg.AccountID == "" || strings.IndexFunc(cfg.AccountID, func(r rune) bool { return !isAlnum(r) }) >= 0 {
			return nil, fmt.Errorf("blob: R2 account id %q must be non-empty and alphanumeric (or set an endpoint)", cfg.AccountID)
		}
		endpoint = "https://" + cfg.AccountID + ".r2.cloudflarestorage.com"
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("blob: S3 endpoint %q must be an absolute http(s) URL", endpoint)
	}
	region := cfg.Region
	if region == "" {
		region = "auto"
	}
	awsCfg := aws.Config{
		Region:                     region,
		Credentials:                aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(strings.TrimRight(endpoint, "/"))
		o.UsePathStyle = true // R2 takes both; loopback test servers need path style
	})
	return &S3{client: client, presign: s3.NewPresignClient(client), bucket: cfg.Bucket}, nil
}

// isAlnum reports whether r is an ASCII letter or digit.
func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// Name returns "r2".
func (s *S3) Name() string { return "r2" }

// PresignPut returns a PUT whose signature covers Content-Type and
// Content-Length, so the bucket refuses another type or size. The returned
// headers hold Content-Type only: browsers set Content-Length themselves.
func (s *S3) PresignPut(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (Upload, error) {
	if err := ValidKey(key); err != nil {
		return Upload{}, err
	}
	if err := checkContentType(contentType); err != nil {
		return Upload{}, err
	}
	if size < 0 {
		return Upload{}, fmt.Errorf("blob: negative size %d", size)
	}
	if err := checkTTL(ttl); err != nil {
		return Upload{}, err
	}
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &key, ContentType: &contentType, ContentLength: &size, IfNoneMatch: aws.String("*"),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return Upload{}, fmt.Errorf("blob: presign put %s: %w", key, err)
	}
	return Upload{
		Method:    req.Method,
		URL:       req.URL,
		Headers:   map[string]string{"Content-Type": contentType, "If-None-Match": "*"},
		ExpiresAt: presignExpiry(req.URL, ttl),
	}, nil
}

// PresignGet returns a GET URL for key; with opts.Filename the bucket
// answers with a Content-Disposition attachment of that name.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration, opts GetOptions) (string, time.Time, error) {
	if err := ValidKey(key); err != nil {
		return "", time.Time{}, err
	}
	if err := checkTTL(ttl); err != nil {
		return "", time.Time{}, err
	}
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	if opts.Filename != "" {
		in.ResponseContentDisposition = aws.String(attachment(opts.Filename))
	}
	req, err := s.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("blob: presign get %s: %w", key, err)
	}
	return req.URL, presignExpiry(req.URL, ttl), nil
}

// presignExpiry reads the end of validity from a SigV4 URL (X-Amz-Date plus
// X-Amz-Expires), falling back to now plus ttl.
func presignExpiry(rawURL string, ttl time.Duration) time.Time {
	if u, err := url.Parse(rawURL); err == nil {
		q := u.Query()
		date, err1 := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
		secs, err2 := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
		if err1 == nil && err2 == nil {
			return date.Add(time.Duration(secs) * time.Second).UTC()
		}
	}
	return time.Now().Add(ttl).UTC().Truncate(time.Second)
}

// Put uploads exactly size bytes from r. A body of another length is
// refused before its last byte is sent, so no truncated object is created.
// A reader that cannot seek is sent with an unsigned payload, since SigV4
// over plain HTTP would otherwise need to hash the body before sending it.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := checkContentType(contentType); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("blob: negative size %d", size)
	}
	if r == nil {
		r = strings.NewReader("")
	}
	var opts []func(*s3.Options)
	if rs, ok := r.(io.ReadSeeker); ok {
		if err := checkRemaining(rs, size); err != nil {
			return fmt.Errorf("blob: put %s: %w", key, err)
		}
	} else {
		r = &exactReader{r: r, left: size}
		opts = append(opts, s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.bucket, Key: &key, Body: r, ContentLength: &size, ContentType: &contentType,
	}, opts...)
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Get opens key for reading; the caller closes it.
func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, s3Error("get", key, err)
	}
	return out.Body, nil
}

// Stat returns the size and content type of key.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidKey(key); err != nil {
		return Info{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return Info{}, s3Error("stat", key, err)
	}
	return Info{Size: aws.ToInt64(out.ContentLength), ContentType: aws.ToString(out.ContentType)}, nil
}

// s3Error maps a missing object to ErrNotFound and wraps anything else.
func s3Error(op, key string, err error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	var api smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &nf) ||
		errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound") {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %s %s: %w", op, key, err)
}
