package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is read once from the environment (and flags) at startup.
type Config struct {
	DataDir     string
	Addr        string
	PublicURL   string
	StudioName  string
	LogFormat   string // text or json
	SecretKey   []byte
	MetricsAddr string
	Proxies     []*net.IPNet

	R2 struct{ AccountID, AccessKeyID, SecretAccessKey, Bucket, Endpoint string }

	ResendAPIKey, EmailFrom, ResendAPIURL string

	StripeSecretKey, StripePublishableKey, StripeWebhookSecret, StripeAPIURL string

	RetinaURL, RetinaAPIKey string
	FaceEngine              string // "", "builtin" or "off"

	GooglePlacesKey string
	GoogleServerKey string
	Workers         int
	// MemoryLimit is the Go runtime's soft memory limit set at start, in
	// bytes; 0 when GOMEMLIMIT is set, which the runtime applies itself.
	MemoryLimit int64
}

// defaultMemoryLimit is the soft memory limit without GOMEMLIMIT: above
// what the photo workers hold at once with the face index on (a decoded
// photo and its derivatives, the detector's buffers at every scale), so
// the collector runs before the heap doubles rather than after, and a
// machine of 512 MB stays clear of its limit with the default two
// workers. Memory above it is still used when live data needs it.
func defaultMemoryLimit(workers int) int64 { return int64(128+96*workers) << 20 }

// getenvFunc reads an environment variable.
type getenvFunc func(string) string

// secret reads NAME, or the file named by NAME_FILE.
func secret(getenv getenvFunc, name string) (string, error) {
	if v := getenv(name); v != "" {
		return v, nil
	}
	if f := getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// defaultAddr is where serve listens without --addr: $ADDR, else all
// interfaces on $PORT (a platform that sets PORT routes to it from outside),
// else loopback only, so a laptop's Lightbox is not open to its network
// until someone asks for it with ADDR=:8080.
func defaultAddr(getenv getenvFunc) string {
	if a := getenv("ADDR"); a != "" {
		return a
	}
	if p := getenv("PORT"); p != "" {
		return ":" + p
	}
	return "127.0.0.1:8080"
}

// publicURLWarning explains, when Lightbox answers other machines (it
// listens beyond loopback) but PUBLIC_URL names this machine only, that
// the links in emails will not work for the people it sends them to.
func (c Config) publicURLWarning() string {
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return ""
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return ""
	}
	return "Lightbox answers other machines, but PUBLIC_URL names this one only: links in emails (invites, password resets) will not open elsewhere; set PUBLIC_URL to the address people use"
}

// loadConfig reads the configuration; any error names the variable.
func loadConfig(getenv getenvFunc, dataDir, addr string) (Config, error) {
	c := Config{DataDir: dataDir, Addr: addr}
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	get := func(name string) string {
		v, err := secret(getenv, name)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	c.StudioName = getenv("STUDIO_NAME")
	if c.StudioName == "" {
		c.StudioName = "Lightbox"
	}
	c.LogFormat = getenv("LOG_FORMAT")
	if c.LogFormat == "" {
		c.LogFormat = "text"
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		fail("LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	c.PublicURL = strings.TrimRight(getenv("PUBLIC_URL"), "/")
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(addr)
		if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" || host == "::1" {
			host = "localhost"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		fail("PUBLIC_URL %q is not an absolute http(s) URL", c.PublicURL)
	}

	c.R2.AccountID, c.R2.AccessKeyID, c.R2.SecretAccessKey = getenv("R2_ACCOUNT_ID"), get("R2_ACCESS_KEY_ID"), get("R2_SECRET_ACCESS_KEY")
	c.R2.Bucket, c.R2.Endpoint = getenv("R2_BUCKET_NAME"), getenv("R2_PUBLIC_URL")
	if c.R2.AccessKeyID != "" || c.R2.SecretAccessKey != "" || c.R2.Bucket != "" || c.R2.AccountID != "" || c.R2.Endpoint != "" {
		for name, v := range map[string]string{"R2_ACCESS_KEY_ID": c.R2.AccessKeyID, "R2_SECRET_ACCESS_KEY": c.R2.SecretAccessKey, "R2_BUCKET_NAME": c.R2.Bucket} {
			if v == "" {
				fail("%s is required when R2 is configured", name)
			}
		}
		if c.R2.AccountID == "" && c.R2.Endpoint == "" {
			fail("R2_ACCOUNT_ID (or R2_PUBLIC_URL, the S3 endpoint) is required when R2 is configured")
		}
		if c.R2.Endpoint != "" {
			if u, err := url.Parse(c.R2.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				fail("R2_PUBLIC_URL %q is not an absolute http(s) URL", c.R2.Endpoint)
			}
		}
	}

	c.ResendAPIKey, c.EmailFrom, c.ResendAPIURL = get("RESEND_API_KEY"), getenv("EMAIL_FROM"), getenv("RESEND_API_URL")
	if c.ResendAPIKey != "" && c.EmailFrom == "" {
		fail("EMAIL_FROM is required when RESEND_API_KEY is set")
	}

	c.StripeSecretKey, c.StripePublishableKey, c.StripeWebhookSecret = get("STRIPE_SECRET_KEY"), getenv("STRIPE_PUBLISHABLE_KEY"), get("STRIPE_WEBHOOK_SECRET")
	c.StripeAPIURL = getenv("STRIPE_API_URL")
	if c.StripeSecretKey != "" {
		if c.StripePublishableKey == "" {
			fail("STRIPE_PUBLISHABLE_KEY is required when STRIPE_SECRET_KEY is set")
		}
		if c.StripeWebhookSecret == "" {
			fail("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set")
		}
	}

	c.RetinaURL, c.RetinaAPIKey = strings.TrimRight(getenv("RETINA_SERVICE_URL"), "/"), get("RETINA_API_KEY")
	if c.RetinaURL != "" {
		if u, err := url.Parse(c.RetinaURL); err != nil || u.Host == "" {
			fail("RETINA_SERVICE_URL %q is not an absolute URL", c.RetinaURL)
		}
	}
	switch c.FaceEngine = getenv("FACE_ENGINE"); c.FaceEngine {
	case "", "builtin", "off":
	default:
		fail("FACE_ENGINE must be builtin or off, not %q", c.FaceEngine)
	}
	for _, name := range []string{"STRIPE_API_URL", "RESEND_API_URL"} {
		if v := getenv(name); v != "" {
			if u, err := url.Parse(v); err != nil || u.Host == "" {
				fail("%s %q is not an absolute URL", name, v)
			}
		}
	}
	c.GooglePlacesKey = getenv("GOOGLE_PLACES_API_KEY")
	c.GoogleServerKey = get("GOOGLE_SERVER_API_KEY")
	c.MetricsAddr = getenv("METRICS_ADDR")
	if v := getenv("TRUSTED_PROXIES"); v != "" {
		for _, cidr := range strings.Split(v, ",") {
			_, n, err := net.ParseCIDR(strings.TrimSpace(cidr))
			if err != nil {
				fail("TRUSTED_PROXIES: %q is not a CIDR range", cidr)
				continue
			}
			c.Proxies = append(c.Proxies, n)
		}
	}
	c.Workers = 2
	if v := getenv("PHOTO_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			fail("PHOTO_WORKERS must be a number from 1 to 64")
		}
		c.Workers = n
	}
	if getenv("GOMEMLIMIT") == "" {
		c.MemoryLimit = defaultMemoryLimit(c.Workers)
	}
	if k := get("SECRET_KEY"); k != "" {
		if len(k) < 32 {
			fail("SECRET_KEY must be at least 32 characters")
		}
		c.SecretKey = []byte(k)
	}
	return c, errors.Join(errs...)
}

// loadSecret returns SECRET_KEY or a random key kept in the data dir, so
// signed links and tokens survive restarts.
func (c *Config) loadSecret() error {
	if c.SecretKey != nil {
		return nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 64 {
		c.SecretKey = b
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	key := []byte(hex.EncodeToString(raw))
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	c.SecretKey = key
	return nil
}
