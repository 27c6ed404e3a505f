package retinatest

import (
	"net/http"
	"testing"
	"time"
)

func TestNewDelayed(t *testing.T) {
	const d = 30 * time.Millisecond
	s := NewDelayed(key, d)
	defer s.Close()
	img := encodeJPEG(t, picture(600, 800, placed{person: 3, x: 150, y: 200, size: 300}), 85)
	start := time.Now()
	resp := post(t, s.URL()+"/analyze", key, file{"image", "selfie.jpg", img})
	if took := time.Since(start); took < d {
		t.Errorf("call took %v, want at least %v", took, d)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := s.Calls("/analyze"); got != 1 {
		t.Errorf("%d calls recorded, want 1", got)
	}
}

func TestDelayedZeroIsTheHandler(t *testing.T) {
	f := NewHandler(key)
	if h, ok := Delayed(f, 0).(*Fake); !ok || h != f {
		t.Errorf("Delayed(h, 0) = %T, want h itself", Delayed(f, 0))
	}
}
