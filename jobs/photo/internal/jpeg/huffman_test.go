package jpeg

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// dhtSegments are the contents of the DHT segments of the test files.
func dhtSegments(t *testing.T) [][]byte {
	t.Helper()
	names, _ := filepath.Glob("testdata/*.jpeg")
	var segs [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for i := 2; i+4 <= len(b) && b[i] == 0xff && b[i+1] != sosMarker; {
			l := int(b[i+2])<<8 | int(b[i+3])
			if b[i+1] == dhtMarker && i+2+l <= len(b) {
				segs = append(segs, b[i+4:i+2+l])
			}
			i += 2 + l
		}
	}
	if len(segs) == 0 {
		t.Fatal("no DHT segments")
	}
	return segs
}

// TestHuffmanTables: the look-up tables processDHT fills from the codes
// are those that decoding every fastBits-bit sequence bit by bit gives, for
// the test files' tables and for corrupt ones with more codes of a length
// than it has room for.
func TestHuffmanTables(t *testing.T) {
	segs := dhtSegments(t)
	overfull := append([]byte{0x10, 3, 0, 0, 5}, make([]byte, 12)...) // AC: 3 codes of 1 bit, 5 of 4
	overfull = append(overfull, 0x01, 0x12, 0x00, 0x23, 0xf0, 0x0a, 0x31, 0xa2)
	long := append([]byte{0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2}, make([]byte, 5)...) // DC: codes of 10 to 12 bits
	long = append(long, 3, 11, 16, 0)
	segs = append(segs, overfull, long)
	for si, seg := range segs {
		var d decoder
		d.r = bytes.NewReader(seg)
		if err := d.processDHT(len(seg)); err != nil {
			t.Fatalf("segment %d: %v", si, err)
		}
		for off := 0; off < len(seg); {
			tc, th := seg[off]>>4, seg[off]&0x0f
			h := &d.huff[tc][th]
			n := 0
			for _, c := range seg[off+1 : off+17] {
				n += int(c)
			}
			off += 17 + n
			for x := range uint32(1 << fastBits) {
				var lut uint16
				var fast int32
				for i, code := uint32(0), int32(0); i < fastBits; i++ {
					code = code<<1 | int32(x>>(fastBits-1-i)&1)
					if code > h.maxCodes[i] {
						continue
					}
					v, l := h.vals[h.valsIndices[i]+code-h.minCodes[i]], i+1
					if l <= lutSize {
						lut = uint16(v)<<8 | uint16(l)
					}
					fast = fastCoefficient(tc, v, x, l)
					break
				}
				if got := h.lut[x>>(fastBits-lutSize)]; got != lut && x&(1<<(fastBits-lutSize)-1) == 0 {
					t.Fatalf("segment %d, table %d/%d: lut[%#x] = %#x, want %#x", si, tc, th, x>>(fastBits-lutSize), got, lut)
				}
				if h.fast[x] != fast {
					t.Fatalf("segment %d, table %d/%d: fast[%#x] = %#x, want %#x", si, tc, th, x, h.fast[x], fast)
				}
			}
		}
	}
}
