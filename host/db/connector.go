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
// the writer is exactly one connection (SQLite has one writer at a time),
// held for the connector's life and used under a mutex, and readers run
// beside it thanks to WAL; on PostgreSQL both are one pool.
type DB struct {
	dialect Dialect
	w, r    *sql.DB
	// wconn is the SQLite writer connection, used under wmu. Transactions
	// on it are plain BEGIN IMMEDIATE … COMMIT statements: database/sql's
	// Tx would start a goroutine per transaction and per query.
	wconn *sql.Conn
	wmu   sync.Mutex
	// txc holds the transaction-control statements prepared on wconn.
	txc txControl
	// tempPath is the file behind an "in-memory" SQLite database, removed
	// by Close.
	tempPath string
	// batch is set when non-durable transactions are batched (commit.go).
	batch *batcher
	log   hclog.Logger
	// redacted is the URL without its password, for logs.
	redacted string
	rebinds  sync.Map // query → rebound query (SQLite)
	nRebind  atomic.Int64
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
	// CommitDelay, on SQLite, batches non-durable transactions (TxThen with
	// durable false) into one commit at most this long after the first
	// (see commit.go). 0 commits every transaction by itself.
	CommitDelay time.Duration
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
		if err := d.openSQLite(ctx, rawURL, o.Basedir); err != nil {
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
	if d.dialect == SQLite && o.CommitDelay > 0 {
		d.batch = &batcher{delay: o.CommitDelay, pub: newPublisher(func(p any) {
			log.Error("panic in an after-commit function", "panic", p)
		})}
	}
	ping := d.w.PingContext
	if d.wconn != nil {
		ping = d.wconn.PingContext // the writer pool's only connection
	}
	if err := ping(ctx); err != nil {
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

func (d *DB) openSQLite(ctx context.Context, rawURL, basedir string) error {
	path, err := SQLitePath(rawURL, basedir)
	if err != nil {
		return err
	}
	sync := "NORMAL"
	if path == "" {
		// An "in-memory" database is a private temporary file, removed by
		// Close, so that it has the same writer and reader pools as a file
		// (a shared-cache memory database has table locks instead).
		f, err := os.CreateTemp("", "bbhost-mem-*.sqlite")
		if err != nil {
			return fmt.Errorf("create temporary database: %w", err)
		}
		f.Close()
		path, d.tempPath, sync = f.Name(), f.Name(), "OFF"
	}
	pragmas := "_busy_timeout=10000&_foreign_keys=0&_synchronous=" + sync
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
	if d.wconn, err = w.Conn(ctx); err != nil {
		return fmt.Errorf("connect to %s: %w", d.redacted, err)
	}
	if _, err := d.wconn.ExecContext(ctx, "PRAGMA mmap_size = 268435456"); err != nil {
		return fmt.Errorf("configure %s: %w", d.redacted, err)
	}
	return d.txc.prepare(ctx, d.wconn)
}

// txControl are BEGIN, COMMIT and savepoint statements prepared once on the
// SQLite writer connection (sqlite3_exec would parse them every time).
type txControl struct {
	begin, commit, rollback, savepoint, release, rollbackTo *sql.Stmt
}

func (c *txControl) prepare(ctx context.Context, conn *sql.Conn) error {
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&c.begin, "BEGIN IMMEDIATE"}, {&c.commit, "COMMIT"}, {&c.rollback, "ROLLBACK"},
		{&c.savepoint, "SAVEPOINT bbhost_tx"}, {&c.release, "RELEASE bbhost_tx"},
		{&c.rollbackTo, "ROLLBACK TO bbhost_tx"},
	} {
		st, err := conn.PrepareContext(ctx, p.q)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", p.q, err)
		}
		*p.dst = st
	}
	return nil
}

func (c *txControl) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{c.begin, c.commit, c.rollback, c.savepoint, c.release, c.rollbackTo} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// Close closes both pools.
func (d *DB) Close() error {
	if d.closed.Load() {
		return nil
	}
	var errs []error
	if d.batch != nil {
		errs = append(errs, d.Flush(context.Background()))
	}
	if d.closed.Swap(true) {
		return nil
	}
	if d.batch != nil {
		d.batch.pub.close()
	}
	if ps := d.prepared.Swap(nil); ps != nil {
		errs = append(errs, ps.close())
	}
	d.codecs.close()
	if d.wconn != nil {
		d.wmu.Lock()
		errs = append(errs, d.txc.close(), d.wconn.Close())
		d.wmu.Unlock()
	}
	if d.r != nil && d.r != d.w {
		errs = append(errs, d.r.Close())
	}
	if d.w != nil {
		errs = append(errs, d.w.Close())
	}
	if d.tempPath != "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(d.tempPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
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

// maxRebinds bounds the rebound-query cache.
const maxRebinds = 4096

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
	// Queries are program text, but filter combinations multiply them: keep
	// the cache bounded and rewrite the rare rest each time.
	if d.nRebind.Load() < maxRebinds {
		d.rebinds.Store(q, out)
		d.nRebind.Add(1)
	}
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
	d.readBarrier(ctx)
	return d.r.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow runs a one-row read on the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	d.readBarrier(ctx)
	return d.r.QueryRowContext(ctx, d.Rebind(q), args...)
}

// Exec runs one write statement on the writer, in its own transaction.
func (d *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if d.dialect == Postgres {
		return d.w.ExecContext(ctx, q, args...)
	}
	var res sql.Result
	err := d.Tx(ctx, func(t *Tx) error {
		var err error
		res, err = t.Exec(ctx, q, args...)
		return err
	})
	return res, err
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
	if d.batch != nil {
		return d.txBatched(ctx, true, fn, nil)
	}
	if d.dialect == SQLite {
		return d.txSQLite(ctx, fn)
	}
	stx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: stx, q: stx, db: d}
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

// txSQLite runs fn between BEGIN IMMEDIATE and COMMIT on the writer
// connection. Statements run without the caller's cancellation (a
// cancellable context makes the driver start a goroutine per statement);
// the context is checked before the transaction begins.
func (d *DB) txSQLite(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed.Load() {
		return errors.New("database is closed")
	}
	sctx := context.WithoutCancel(ctx)
	if _, err := d.txc.begin.ExecContext(sctx); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_, _ = d.txc.rollback.ExecContext(sctx)
		}
	}()
	if err = fn(&Tx{q: d.wconn, db: d}); err != nil {
		return err
	}
	if _, err = d.txc.commit.ExecContext(sctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// Tx is a write transaction; its methods take $N placeholders like DB's.
type Tx struct {
	tx *sql.Tx // PostgreSQL
	q  sqlRunner
	db *DB
}

// sqlRunner is what *sql.Tx and *sql.Conn share.
type sqlRunner interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// sctx is the context statements run with: without cancellation on SQLite
// (see txSQLite).
func (t *Tx) sctx(ctx context.Context) context.Context {
	if t.tx != nil || ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// Dialect returns the database's dialect.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

// Query runs a read inside the transaction.
func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(t.sctx(ctx), t.db.Rebind(q), args...)
}

// QueryRow runs a one-row read inside the transaction.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.q.QueryRowContext(t.sctx(ctx), t.db.Rebind(q), args...)
}

// Exec runs a write inside the transaction.
func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(t.sctx(ctx), t.db.Rebind(q), args...)
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
