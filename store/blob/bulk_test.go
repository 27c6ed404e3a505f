package blob_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"lightbox/store/blob"
)

// bulkCount is above the 1000 keys one S3 DeleteObjects call may carry.
const bulkCount = 1001

func testBulkDelete(t *testing.T, b backend) {
	ctx := context.Background()
	put(t, b.store, "bulk/keep.jpg", []byte("keep"), "image/jpeg")

	// DeletePrefix over more than one listing page and one delete call.
	p := bulkKeys("bulk/p1/", bulkCount)
	putMany(t, b.store, p)
	put(t, b.store, "bulk/p10/keep.jpg", []byte("keep"), "image/jpeg")
	put(t, b.store, "bulk/p2/keep.jpg", []byte("keep"), "image/jpeg")
	if info, err := b.store.Stat(ctx, p[1000]); err != nil || info.Size != int64(len(p[1000])) {
		t.Fatalf("Stat(%s) = %+v, %v", p[1000], info, err)
	}
	n, err := b.store.DeletePrefix(ctx, "bulk/p1/")
	if n != bulkCount || err != nil {
		t.Fatalf("DeletePrefix = %d, %v; want %d", n, err, bulkCount)
	}
	for _, k := range []string{p[0], p[500], p[1000]} {
		assertAbsent(t, b.store, k)
	}
	for _, k := range []string{"bulk/keep.jpg", "bulk/p10/keep.jpg", "bulk/p2/keep.jpg"} {
		if got := mustGet(t, b.store, k); string(got) != "keep" {
			t.Errorf("%s = %q after DeletePrefix of a neighbour", k, got)
		}
	}
	if n, err := b.store.DeletePrefix(ctx, "bulk/p1/"); n != 0 || err != nil {
		t.Errorf("second DeletePrefix = %d, %v; want 0", n, err)
	}

	// Delete with more keys than one call may carry, most of them missing:
	// the ones present in every batch go.
	present := []string{p[0], p[999], p[1000]}
	putMany(t, b.store, present)
	if err := b.store.Delete(ctx, p...); err != nil {
		t.Fatalf("Delete(%d keys): %v", len(p), err)
	}
	for _, k := range present {
		assertAbsent(t, b.store, k)
	}

	// A prefix is a plain string prefix, as in S3.
	if n, err := b.store.DeletePrefix(ctx, "bulk/p1"); n != 1 || err != nil {
		t.Errorf(`DeletePrefix("bulk/p1") = %d, %v; want 1 (bulk/p10/keep.jpg)`, n, err)
	}
	assertAbsent(t, b.store, "bulk/p10/keep.jpg")
	if got := mustGet(t, b.store, "bulk/p2/keep.jpg"); string(got) != "keep" {
		t.Errorf("bulk/p2/keep.jpg = %q", got)
	}
}

// bulkKeys returns n photo keys under prefix.
func bulkKeys(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sph%04d/thumb-400.jpg", prefix, i)
	}
	return keys
}

// putMany stores a small object under every key, a few at a time.
func putMany(t *testing.T, s blob.Store, keys []string) {
	t.Helper()
	work := make(chan string)
	errs := make(chan error, len(keys))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for k := range work {
				errs <- s.Put(context.Background(), k, strings.NewReader(k), int64(len(k)), "image/jpeg")
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
}
