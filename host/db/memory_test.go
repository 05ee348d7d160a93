package db_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

// ReleaseMemory works with readers busy and idle, and the database serves
// reads and writes as before afterwards.
func TestReleaseMemory(t *testing.T) {
	dbtest.Run(t, db.Options{}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := 0; i < 50; i++ {
			if err := d.Tx(ctx, insertMaster(fmt.Sprintf("m%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 4; i++ { // fill the readers' caches
			if _, err := d.Masters().List(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.ReleaseMemory(ctx); err != nil {
			t.Fatalf("ReleaseMemory: %v", err)
		}
		if err := d.Tx(ctx, insertMaster("after")); err != nil {
			t.Fatal(err)
		}
		ms, err := d.Masters().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 51 {
			t.Errorf("%d masters after releasing memory, want 51", len(ms))
		}
		if err := d.ReleaseMemory(ctx); err != nil { // twice is fine
			t.Fatalf("ReleaseMemory again: %v", err)
		}
	})
}
