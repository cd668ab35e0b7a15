package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestDB_Write(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	if _, err := db.writer.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := db.Reader.QueryRow(`SELECT COUNT(*) FROM kv`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("concurrent writes all commit, failures stay isolated", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 200)
		for i := range errs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = db.Write(ctx, func(tx *Tx) error {
					if _, err := tx.Exec(`INSERT INTO kv VALUES (?, 'x')`, fmt.Sprint("k", i)); err != nil {
						return err
					}
					if i%10 == 0 {
						return errors.New("refused") // must undo only this write
					}
					return nil
				})
			}(i)
		}
		wg.Wait()
		for i, err := range errs {
			if (i%10 == 0) != (err != nil) {
				t.Errorf("write %d: err = %v", i, err)
			}
		}
		if got := count(); got != 180 {
			t.Errorf("rows = %d, want 180", got)
		}
	})

	t.Run("a panicking write is an error and the loop survives", func(t *testing.T) {
		err := db.Write(ctx, func(tx *Tx) error { panic("boom") })
		if err == nil {
			t.Fatal("want an error")
		}
		if err := db.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`INSERT INTO kv VALUES ('after-panic', 'x')`)
			return err
		}); err != nil {
			t.Fatalf("write after panic: %v", err)
		}
	})

	t.Run("commit hooks run after successful commits only", func(t *testing.T) {
		var mu sync.Mutex
		calls := 0
		db.OnCommit(func() { mu.Lock(); calls++; mu.Unlock() })
		_ = db.Write(ctx, func(tx *Tx) error { return errors.New("nothing") })
		if err := db.Write(ctx, func(tx *Tx) error {
			_, err := tx.Exec(`INSERT INTO kv VALUES ('hooked', 'x')`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		if calls != 1 {
			t.Errorf("hook ran %d times, want 1", calls)
		}
	})

	t.Run("closed database refuses writes", func(t *testing.T) {
		closed := openTestDB(t)
		closed.Close()
		if err := closed.Write(ctx, func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
			t.Errorf("err = %v, want ErrClosed", err)
		}
	})
}
