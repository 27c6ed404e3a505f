package main

import "testing"

// Without configuration Lightbox listens on loopback only and calls itself
// localhost, as the README says; platforms and containers ask for every
// interface with ADDR (or PORT).
func TestDefaultAddr(t *testing.T) {
	tests := []struct {
		env        map[string]string
		addr, link string
	}{
		{map[string]string{}, "127.0.0.1:8080", "http://localhost:8080"},
		{map[string]string{"ADDR": ":8080"}, ":8080", "http://localhost:8080"},
		{map[string]string{"PORT": "3000"}, ":3000", "http://localhost:3000"},
		{map[string]string{"ADDR": "127.0.0.1:9000", "PORT": "3000"}, "127.0.0.1:9000", "http://localhost:9000"},
		{map[string]string{"ADDR": "192.168.1.5:8080"}, "192.168.1.5:8080", "http://192.168.1.5:8080"},
		{map[string]string{"PUBLIC_URL": "https://photos.example.com/"}, "127.0.0.1:8080", "https://photos.example.com"},
	}
	for _, tt := range tests {
		addr := defaultAddr(env(tt.env))
		if addr != tt.addr {
			t.Errorf("%v: listens on %q, want %q", tt.env, addr, tt.addr)
		}
		cfg, err := loadConfig(env(tt.env), t.TempDir(), addr)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.PublicURL != tt.link {
			t.Errorf("%v: PUBLIC_URL %q, want %q", tt.env, cfg.PublicURL, tt.link)
		}
	}
}

// Listening beyond loopback with PUBLIC_URL at localhost is worth a
// warning: the links in emails would not open on other machines.
func TestPublicURLWarning(t *testing.T) {
	tests := []struct {
		addr, public string
		warn         bool
	}{
		{"127.0.0.1:8080", "http://localhost:8080", false},
		{"localhost:8080", "http://localhost:8080", false},
		{":8080", "http://localhost:8080", true},
		{"0.0.0.0:8080", "http://127.0.0.1:8080", true},
		{"192.168.1.5:8080", "http://[::1]:8080", true},
		{":8080", "http://192.168.1.5:8080", false},
		{":8080", "https://photos.example.com", false},
	}
	for _, tt := range tests {
		got := Config{Addr: tt.addr, PublicURL: tt.public}.publicURLWarning()
		if (got != "") != tt.warn {
			t.Errorf("listen %s, PUBLIC_URL %s: warning %q, want one: %v", tt.addr, tt.public, got, tt.warn)
		}
	}
}

// Without GOMEMLIMIT the server sets a soft memory limit that grows with
// its photo workers; with it, the runtime's own setting stands.
func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want int64
	}{
		{map[string]string{}, 320 << 20},
		{map[string]string{"PHOTO_WORKERS": "4"}, 512 << 20},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 0},
	}
	for _, tt := range tests {
		cfg, err := loadConfig(env(tt.env), t.TempDir(), "127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MemoryLimit != tt.want {
			t.Errorf("%v: memory limit %d, want %d", tt.env, cfg.MemoryLimit, tt.want)
		}
	}
}
