package blob

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestExactReader(t *testing.T) {
	tests := []struct {
		data string
		size int64
		want error
	}{
		{"hello", 5, nil},
		{"", 0, nil},
		{"hello!", 5, errTooLong},
		{"hell", 5, errTooShort},
		{"x", 0, errTooLong},
	}
	for _, tt := range tests {
		// One byte per Read, the worst case for spotting the end.
		e := &exactReader{r: io.MultiReader(strings.NewReader(tt.data)), left: tt.size}
		got, err := io.ReadAll(oneByte{e})
		if !errors.Is(err, tt.want) {
			t.Errorf("%q as %d: err %v, want %v", tt.data, tt.size, err, tt.want)
		}
		if tt.want == errTooLong && int64(len(got)) >= tt.size && tt.size > 0 {
			t.Errorf("%q as %d: passed on all %d bytes before failing", tt.data, tt.size, len(got))
		}
	}
}

// oneByte reads at most one byte at a time.
type oneByte struct{ r io.Reader }

// Read reads one byte.
func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}
