package blob

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	long := strings.Repeat("a", MaxKeyLen)
	tests := []struct {
		key string
		ok  bool
	}{
		{"photos/p1/ph1/original.jpg", true},
		{"photos/p1/ph1/thumb-400.jpg", true},
		{"selfies/u_1/1717171717.jpg", true},
		{"archives/A-b_9/photos.zip", true},
		{"a", true},
		{".hidden/x", true},
		{"a.b/c.d", true},
		{long, true},

		{"", false},
		{long + "a", false},
		{"../x", false},
		{"a/../../b", false},
		{"a/..", false},
		{"..", false},
		{"a..b", false},
		{"%2e%2e/x", false},
		{"a/%2e%2e/b", false},
		{"/etc/passwd", false},
		{"/", false},
		{"a/", false},
		{"a//b", false},
		{"./a", false},
		{"a/./b", false},
		{"a/.", false},
		{".", false},
		{`a\b`, false},
		{`..\..\windows`, false},
		{"C:/x", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a b", false},
		{"a?b", false},
		{"a#b", false},
		{"a~type", false},
		{"photos/é.jpg", false},
		{"a\u2024\u2024/b", false}, // one dot leader, twice: not ASCII
	}
	for _, tt := range tests {
		err := ValidKey(tt.key)
		if tt.ok && err != nil {
			t.Errorf("ValidKey(%q) = %v, want nil", tt.key, err)
		}
		if !tt.ok && !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidKey(%q) = %v, want ErrInvalidKey", tt.key, err)
		}
	}
}

func TestValidPrefix(t *testing.T) {
	for _, p := range []string{"photos/p1/", "photos/p1", "selfies/u1/"} {
		if err := validPrefix(p); err != nil {
			t.Errorf("validPrefix(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"", "/", "../", "a//", "a/../", "/a/"} {
		if err := validPrefix(p); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("validPrefix(%q) = %v, want ErrInvalidKey", p, err)
		}
	}
}

// FuzzValidKey checks that every accepted key is a clean relative path that
// stays inside the store directory, and that Local resolves it there.
func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"photos/p/x/original.jpg", "../x", "a/../../b", "%2e%2e", "/abs", `a\b`, "a\x00b", "a//b", "./a"} {
		f.Add(s)
	}
	dir := f.TempDir()
	l, err := NewLocal(dir, "http://127.0.0.1", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := ValidKey(key)
		rel, ferr := l.file(key)
		if err != nil {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidKey(%q) = %v, not ErrInvalidKey", key, err)
			}
			if ferr == nil {
				t.Fatalf("Local accepted %q that ValidKey refuses", key)
			}
			return
		}
		if ferr != nil {
			t.Fatalf("Local refused valid key %q: %v", key, ferr)
		}
		if len(key) > MaxKeyLen || strings.ContainsAny(key, "\\:~\x00") {
			t.Fatalf("accepted %q", key)
		}
		full := filepath.Join(l.dir, rel)
		back, err := filepath.Rel(l.dir, full)
		if err != nil || !filepath.IsLocal(back) || back != filepath.FromSlash(key) {
			t.Fatalf("key %q resolves to %q, outside %q", key, full, l.dir)
		}
		if !strings.HasPrefix(full, l.dir+string(filepath.Separator)) {
			t.Fatalf("key %q resolves to %q, outside %q", key, full, l.dir)
		}
	})
}

func TestChunk(t *testing.T) {
	if maxDeleteBatch != 1000 {
		t.Fatalf("maxDeleteBatch = %d, S3 and R2 take at most 1000 keys per DeleteObjects", maxDeleteBatch)
	}
	keys := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = "k" + strings.Repeat("x", i%7)
		}
		return s
	}
	tests := []struct {
		n    int
		want []int
	}{
		{0, nil},
		{1, []int{1}},
		{999, []int{999}},
		{1000, []int{1000}},
		{1001, []int{1000, 1}},
		{2500, []int{1000, 1000, 500}},
	}
	for _, tt := range tests {
		in := keys(tt.n)
		got := chunk(in, maxDeleteBatch)
		var sizes []int
		var joined []string
		for _, c := range got {
			sizes = append(sizes, len(c))
			joined = append(joined, c...)
		}
		if !reflect.DeepEqual(sizes, tt.want) {
			t.Errorf("chunk(%d keys) sizes = %v, want %v", tt.n, sizes, tt.want)
		}
		if tt.n > 0 && !reflect.DeepEqual(joined, in) {
			t.Errorf("chunk(%d keys) lost or reordered keys", tt.n)
		}
	}
	// A batch must not alias the next one: appending to it cannot clobber.
	in := keys(1001)
	got := chunk(in, 1000)
	_ = append(got[0], "extra")
	if got[1][0] != in[1000] {
		t.Error("appending to a batch overwrote the next batch")
	}
}

func TestAttachment(t *testing.T) {
	tests := map[string]string{
		"photo-001.jpg": `attachment; filename=photo-001.jpg`,
		"my photos.zip": `attachment; filename="my photos.zip"`,
		`a"b.jpg`:       `attachment; filename="a\"b.jpg"`,
		"naïve.jpg":     `attachment; filename*=utf-8''na%C3%AFve.jpg`,
	}
	for in, want := range tests {
		if got := attachment(in); got != want {
			t.Errorf("attachment(%q) = %s, want %s", in, got, want)
		}
	}
}
