package data_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/mq"
)

// recorder keeps every message published on an mq.Simple.
type recorder struct {
	mu   sync.Mutex
	msgs []mq.Message
	// drain, when set, waits until every committed event is published
	// (batched commits publish later, on another goroutine).
	drain func()
}

func (r *recorder) handle(k mq.Key, body any) {
	r.mu.Lock()
	r.msgs = append(r.msgs, mq.Message{Key: k, Body: body})
	r.mu.Unlock()
}

// take returns the messages since the last take.
func (r *recorder) take() []mq.Message {
	if r.drain != nil {
		r.drain()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.msgs
	r.msgs = nil
	return out
}

func keys(msgs []mq.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Key.String()
	}
	return out
}

// expectKeys checks the keys of the messages since the last take, in
// order, and returns those messages.
func (r *recorder) expectKeys(t *testing.T, want ...string) []mq.Message {
	t.Helper()
	msgs := r.take()
	if got := keys(msgs); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events:\n got  %v\n want %v", got, want)
	}
	return msgs
}

// env is a connector over a fresh database with a recorded mq.
type env struct {
	ctx   context.Context
	db    *db.DB
	mq    *mq.Simple
	rec   *recorder
	c     *data.Connector
	clock *dbtest.Clock
}

func newEnv(t *testing.T, d *db.DB, clock *dbtest.Clock) *env {
	e := &env{ctx: context.Background(), db: d, mq: mq.NewSimple(), rec: &recorder{}, clock: clock}
	e.mq.Consume(mq.Key{"#"}, e.rec.handle)
	if d.Batched() {
		e.rec.drain = func() {
			if err := d.Flush(e.ctx); err != nil {
				t.Error(err)
			}
			done := make(chan struct{})
			d.AfterCommits(func() { close(done) })
			<-done
		}
	}
	e.c = data.New(d, e.mq, data.Options{LogCompression: "zstd"})
	return e
}

// runEnv runs fn on every kind of database, and on SQLite with batched
// commits, with a clock at 1000.
func runEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	dbtest.RunKinds(t, func(t *testing.T, kind dbtest.Kind) {
		clock := dbtest.NewClock(1000)
		fn(t, newEnv(t, dbtest.Open(t, kind, db.Options{Now: clock.Now}), clock))
	})
	t.Run("sqlite-batched", func(t *testing.T) {
		clock := dbtest.NewClock(1000)
		fn(t, newEnv(t, dbtest.Open(t, dbtest.SQLiteFile, db.Options{Now: clock.Now, CommitDelay: time.Hour}), clock))
	})
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jsonOf renders a body as JSON, to compare with Buildbot's messages.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func sp(s string) *string { return &s }
