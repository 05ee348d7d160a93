// Package db owns the master's database, after Buildbot's db/: Buildbot 3.7's
// schema on SQLite (mattn/go-sqlite3, the embedded default) and PostgreSQL
// (pgx), versioned migrations, and one component per table family. SQL is
// written once with $N placeholders; the SQLite dialect rewrites them to ?N.
// Times are integer Unix seconds, booleans 0/1 integers, as Buildbot stores
// them.
//
// Only host/data calls the write methods: every change of state goes through
// a data update method, which also publishes its event.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/mattn/go-sqlite3"
)

// Dialect is the SQL flavour of a database.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// DB is the connector: a writer and a reader pool on one database. On SQLite
// the writer has exactly one connection (SQLite has one writer at a time) and
// readers run beside it thanks to WAL; on PostgreSQL both are one pool.
type DB struct {
	dialect Dialect
	w, r    *sql.DB
	log     hclog.Logger
	// redacted is the URL without its password, for logs.
	redacted string
	rebinds  sync.Map // query → rebound query (SQLite)
	closed   atomic.Bool
	now      func() time.Time
	// prepared holds the registry's statements prepared on the writer and
	// the reader pool (SQLite), once the schema is known to be current.
	prepared atomic.Pointer[preparedSet]
	codecs   codecs
}

// Options tunes Open.
type Options struct {
	// Basedir resolves relative SQLite paths.
	Basedir string
	Logger  hclog.Logger
	// Now is the clock for the timestamps the components write; default
	// time.Now. Tests set it to control time.
	Now func() time.Time
}

// Open connects to url ("sqlite:///rel.sqlite", "sqlite:////abs.sqlite",
// "sqlite://:memory:", "sqlite://", "postgres://…", "postgresql://…"). It does
// not touch the schema: call Upgrade (or Check) next.
func Open(ctx context.Context, rawURL string, o Options) (*DB, error) {
	log := o.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	d := &DB{log: log, redacted: RedactURL(rawURL), now: o.Now}
	if d.now == nil {
		d.now = time.Now
	}
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		d.dialect = SQLite
		if err := d.openSQLite(rawURL, o.Basedir); err != nil {
			return nil, err
		}
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		d.dialect = Postgres
		pool, err := sql.Open("pgx", rawURL)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", d.redacted, err)
		}
		pool.SetMaxOpenConns(16)
		pool.SetMaxIdleConns(16)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		d.w, d.r = pool, pool
	default:
		return nil, fmt.Errorf("unsupported database url %q: want sqlite:///FILE, sqlite://:memory: or postgres://", d.redacted)
	}
	if err := d.w.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to %s: %w", d.redacted, err)
	}
	return d, nil
}

// SQLitePath resolves a sqlite URL to a file path ("" for in-memory).
func SQLitePath(rawURL, basedir string) (string, error) {
	rest := strings.TrimPrefix(rawURL, "sqlite:")
	switch {
	case rest == "//" || rest == "//:memory:" || rest == ":memory:":
		return "", nil
	case strings.HasPrefix(rest, "////"):
		return filepath.Clean(rest[3:]), nil
	case strings.HasPrefix(rest, "///"):
		p := rest[3:]
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" {
			return "", fmt.Errorf("sqlite url %q names no file", rawURL)
		}
		p = strings.ReplaceAll(p, "%(basedir)s", basedir)
		if !filepath.IsAbs(p) {
			p = filepath.Join(basedir, p)
		}
		return filepath.Clean(p), nil
	}
	return "", fmt.Errorf("malformed sqlite url %q: want sqlite:///relative.sqlite, sqlite:////abs/path or sqlite://:memory:", rawURL)
}

var memSeq atomic.Int64

func (d *DB) openSQLite(rawURL, basedir string) error {
	path, err := SQLitePath(rawURL, basedir)
	if err != nil {
		return err
	}
	const pragmas = "_busy_timeout=10000&_txlock=immediate&_foreign_keys=0&_synchronous=NORMAL"
	if path == "" {
		// One shared in-memory database, one connection for everything: it
		// vanishes when its last connection closes.
		name := fmt.Sprintf("file:bbhost-mem-%d-%d?mode=memory&cache=shared&%s", os.Getpid(), memSeq.Add(1), pragmas)
		db, err := sql.Open("sqlite3", name)
		if err != nil {
			return err
		}
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
		d.w, d.r = db, db
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_journal_mode=WAL&" + pragmas
	w, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		w.Close()
		return err
	}
	n := runtime.GOMAXPROCS(0) * 2
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	d.w, d.r = w, r
	return nil
}

// Close closes both pools.
func (d *DB) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	var errs []error
	if ps := d.prepared.Swap(nil); ps != nil {
		errs = append(errs, ps.close())
	}
	d.codecs.close()
	if d.r != nil && d.r != d.w {
		errs = append(errs, d.r.Close())
	}
	if d.w != nil {
		errs = append(errs, d.w.Close())
	}
	return errors.Join(errs...)
}

// Dialect returns the database's dialect.
func (d *DB) Dialect() Dialect { return d.dialect }

// URL returns the database URL with any password removed.
func (d *DB) URL() string { return d.redacted }

// Logger returns the connector's logger.
func (d *DB) Logger() hclog.Logger { return d.log }

// Now returns the connector's clock reading in Unix seconds, the unit of
// every timestamp column.
func (d *DB) Now() int64 { return d.now().Unix() }

// Rebind turns $N placeholders into the dialect's form (?N on SQLite). Text
// inside single-quoted literals is left alone.
func (d *DB) Rebind(q string) string {
	if d.dialect == Postgres {
		return q
	}
	if v, ok := d.rebinds.Load(q); ok {
		return v.(string)
	}
	out := rebindSQLite(q)
	d.rebinds.Store(q, out)
	return out
}

// rebindSQLite rewrites $N placeholders as ?N outside single-quoted literals.
func rebindSQLite(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '$' && !inQuote && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Query runs a read on the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.r.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a one-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.r.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Exec runs one write statement on the writer, in its own transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.w.ExecContext(ctx, d.Rebind(q), args...)
}

// Tx runs fn in a write transaction, committing when fn returns nil. A
// transaction that fails because the database is busy (another process holds
// the SQLite write lock past the busy timeout, or a PostgreSQL serialization
// failure) is retried a few times.
func (d *DB) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = d.tx(ctx, fn)
		if err == nil || !isRetryable(err) {
			return err
		}
		d.log.Debug("retrying busy transaction", "attempt", attempt+1, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

func (d *DB) tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: stx, db: d}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(t); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Tx is a write transaction; its methods take $N placeholders like DB's.
type Tx struct {
	tx *sql.Tx
	db *DB
}

// Dialect returns the database's dialect.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either dialect.
func IsUniqueViolation(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrConstraint &&
			(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

func isRetryable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization failure, deadlock
	}
	return false
}

// RedactURL removes the password from a database URL.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxx")
	}
	return u.String()
}
