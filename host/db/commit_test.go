package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
)

func masterNames(t *testing.T, d *db.DB) string {
	t.Helper()
	ms, err := d.Masters().List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return fmt.Sprint(names)
}

func insertMaster(name string) func(tx *db.Tx) error {
	return func(tx *db.Tx) error {
		_, err := tx.Masters().FindID(context.Background(), name)
		return err
	}
}

// waitAfters waits until every after-commit function queued so far ran.
func waitAfters(d *db.DB) {
	done := make(chan struct{})
	d.AfterCommits(func() { close(done) })
	<-done
}

func TestBatchedCommits(t *testing.T) {
	ctx := context.Background()
	u := dbtest.URL(t, dbtest.SQLiteFile)
	d := dbtest.OpenURL(t, u, db.Options{CommitDelay: time.Hour})
	if _, _, err := d.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if !d.Batched() {
		t.Fatal("not batched")
	}
	other := dbtest.OpenURL(t, u, db.Options{}) // sees commits only
	var mu sync.Mutex
	var ran []string
	after := func(s string) func() {
		return func() { mu.Lock(); ran = append(ran, s); mu.Unlock() }
	}
	if err := d.TxThen(ctx, false, insertMaster("a"), after("a")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := d.TxThen(ctx, false, func(tx *db.Tx) error {
		if err := insertMaster("b")(tx); err != nil {
			return err
		}
		return boom
	}, after("b"))
	if !errors.Is(err, boom) {
		t.Fatalf("failing transaction: %v", err)
	}
	if err := d.TxThen(ctx, false, insertMaster("c"), after("c")); err != nil {
		t.Fatal(err)
	}
	if got := masterNames(t, other); got != "[]" {
		t.Fatalf("uncommitted batch visible elsewhere: %s", got)
	}
	waitAfters(d)
	if len(ran) != 0 {
		t.Fatalf("after-commit functions ran before the commit: %v", ran)
	}
	// A read through d commits first; the failed transaction left nothing.
	if got := masterNames(t, d); got != "[a c]" {
		t.Fatalf("read through the batching handle: %s", got)
	}
	if got := masterNames(t, other); got != "[a c]" {
		t.Fatalf("after the read barrier: %s", got)
	}
	waitAfters(d)
	if fmt.Sprint(ran) != "[a c]" {
		t.Fatalf("after-commit functions %v", ran)
	}
	// A durable transaction commits the pending ones with it.
	if err := d.TxThen(ctx, false, insertMaster("d"), after("d")); err != nil {
		t.Fatal(err)
	}
	if err := d.TxThen(ctx, true, insertMaster("e"), after("e")); err != nil {
		t.Fatal(err)
	}
	if got := masterNames(t, other); got != "[a c d e]" {
		t.Fatalf("after a durable transaction: %s", got)
	}
	waitAfters(d)
	if fmt.Sprint(ran) != "[a c d e]" {
		t.Fatalf("after-commit functions %v", ran)
	}
	// A failing first transaction of a batch leaves no batch open.
	if err := d.TxThen(ctx, false, func(tx *db.Tx) error { return boom }, nil); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := other.Masters().FindID(ctx, "from-other"); err != nil {
		t.Fatalf("write lock still held: %v", err)
	}
	// Close commits what is pending.
	if err := d.TxThen(ctx, false, insertMaster("f"), nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if got := masterNames(t, other); got != "[a c d e from-other f]" {
		t.Fatalf("after Close: %s", got)
	}
}

func TestBatchedTimerCommits(t *testing.T) {
	ctx := context.Background()
	u := dbtest.URL(t, dbtest.SQLiteFile)
	d := dbtest.OpenURL(t, u, db.Options{CommitDelay: 20 * time.Millisecond})
	if _, _, err := d.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	other := dbtest.OpenURL(t, u, db.Options{})
	committed := make(chan struct{})
	if err := d.TxThen(ctx, false, insertMaster("a"), func() { close(committed) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-committed:
	case <-time.After(10 * time.Second):
		t.Fatal("batch never committed by itself")
	}
	if got := masterNames(t, other); got != "[a]" {
		t.Fatalf("after the timer: %s", got)
	}
}

// A read through *DB from inside a transaction function does not deadlock
// on its own pending batch.
func TestBatchedReadInsideTransaction(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, dbtest.SQLiteFile, db.Options{CommitDelay: time.Hour})
	if err := d.TxThen(ctx, false, insertMaster("a"), nil); err != nil {
		t.Fatal(err)
	}
	err := d.TxThen(ctx, false, func(tx *db.Tx) error {
		_, err := d.Masters().List(ctx) // wrong handle, but must not hang
		return err
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := masterNames(t, d); got != "[a]" {
		t.Fatalf("masters %s", got)
	}
}
