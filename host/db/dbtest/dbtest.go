// Package dbtest opens throw-away databases for tests, the same way for
// every dialect: an SQLite file in the test's temporary directory, a shared
// in-memory SQLite database, and a fresh schema on the PostgreSQL server
// named by BBHOST_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test), dropped when the test ends.
// When that server is unreachable the PostgreSQL cases fail if CI=true and
// are skipped otherwise. BBHOST_TEST_COMMIT_DELAY (a duration such as "5ms")
// makes every SQLite database opened here batch its commits (db.Options
// CommitDelay), to run a package's tests in that mode.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db"
)

// Kind names a database flavour tests run on.
type Kind string

// The kinds of database Run covers.
const (
	SQLiteFile   Kind = "sqlite-file"
	SQLiteMemory Kind = "sqlite-memory"
	Postgres     Kind = "postgres"
)

// Kinds lists every kind, in the order Run uses.
func Kinds() []Kind { return []Kind{SQLiteFile, SQLiteMemory, Postgres} }

// PostgresURL is the server the PostgreSQL cases use.
func PostgresURL() string {
	if u := os.Getenv("BBHOST_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test"
}

// URL prepares an empty database of the given kind for tb and returns its
// URL; the database is removed when tb ends. Opening the URL twice reaches
// the same database (except for in-memory SQLite, private to one DB).
func URL(tb testing.TB, kind Kind) string {
	tb.Helper()
	switch kind {
	case SQLiteFile:
		return "sqlite:///" + filepath.Join(tb.TempDir(), "state.sqlite")
	case SQLiteMemory:
		return "sqlite://:memory:"
	case Postgres:
		return postgresSchema(tb)
	}
	tb.Fatalf("unknown database kind %q", kind)
	return ""
}

func postgresSchema(tb testing.TB) string {
	tb.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL at %s unreachable: %v", db.RedactURL(base), err)
		}
		tb.Skipf("PostgreSQL at %s unreachable (set CI=true to fail): %v", db.RedactURL(base), err)
	}
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	schema := "bbhost_test_" + hex.EncodeToString(raw[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", db.RedactURL(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenURL opens rawURL for tb without touching the schema; it is closed
// when tb ends.
func OpenURL(tb testing.TB, rawURL string, o db.Options) *db.DB {
	tb.Helper()
	if v := os.Getenv("BBHOST_TEST_COMMIT_DELAY"); v != "" && o.CommitDelay == 0 {
		delay, err := time.ParseDuration(v)
		if err != nil {
			tb.Fatalf("BBHOST_TEST_COMMIT_DELAY: %v", err)
		}
		o.CommitDelay = delay
	}
	d, err := db.Open(context.Background(), rawURL, o)
	if err != nil {
		tb.Fatalf("open %s: %v", db.RedactURL(rawURL), err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// Open returns an upgraded, empty database of the given kind, closed and
// removed when tb ends.
func Open(tb testing.TB, kind Kind, o db.Options) *db.DB {
	tb.Helper()
	d := OpenURL(tb, URL(tb, kind), o)
	if _, _, err := d.Upgrade(context.Background()); err != nil {
		tb.Fatalf("upgrade: %v", err)
	}
	return d
}

// Run runs fn as one subtest per kind, each on a fresh upgraded database.
func Run(t *testing.T, o db.Options, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			fn(t, Open(t, k, o))
		})
	}
}

// RunKinds runs fn as one subtest per kind, leaving the opening to fn.
func RunKinds(t *testing.T, fn func(t *testing.T, kind Kind)) {
	t.Helper()
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) { fn(t, k) })
	}
}

// Clock is a settable clock for db.Options.Now.
type Clock struct{ t atomic.Int64 }

// NewClock returns a clock reading the given Unix second.
func NewClock(unix int64) *Clock {
	c := &Clock{}
	c.Set(unix)
	return c
}

// Now reads the clock.
func (c *Clock) Now() time.Time { return time.Unix(c.t.Load(), 0) }

// Set moves the clock to a Unix second.
func (c *Clock) Set(unix int64) { c.t.Store(unix) }

// Advance moves the clock forward.
func (c *Clock) Advance(seconds int64) { c.t.Add(seconds) }
