package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"lightbox/store"
	"lightbox/store/storetest"
)

// Many first-operator attempts at once create exactly one operator.
func TestCreateFirstOperatorOnce(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := store.User{Email: fmt.Sprintf("op%d@example.com", i), PasswordHash: "x"}
			errs[i] = db.CreateFirstOperator(ctx, &u)
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, store.ErrOperatorExists):
			t.Errorf("unexpected error: %v", err)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `select count(*) from users where role = 'operator'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if created != 1 || n != 1 {
		t.Errorf("%d attempts succeeded, %d operators, want 1 and 1", created, n)
	}
}
