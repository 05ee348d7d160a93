package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// stmt is a static SQL statement of a component, written once with $N
// placeholders. On SQLite the connector prepares every registered statement
// on the writer and on the reader pool as soon as the schema is known to be
// current (Upgrade, Check), so the hot paths skip SQLite's parser; on
// PostgreSQL pgx keeps its own per-connection statement cache and the text is
// sent as is.
type stmt struct {
	id     int
	sqlite string // rebound to ?N
	pg     string
}

// registry lists every stmt. It is filled while the package initialises
// (package-level var initialisers call newStmt) and never changes afterwards.
var registry []*stmt

// newStmt registers a statement whose text is the same on both dialects.
func newStmt(q string) *stmt { return newStmt2(q, q) }

// newStmt2 registers a statement with one text per dialect.
func newStmt2(sqliteQ, pgQ string) *stmt {
	s := &stmt{id: len(registry), sqlite: rebindSQLite(sqliteQ), pg: pgQ}
	registry = append(registry, s)
	return s
}

func (s *stmt) text(d Dialect) string {
	if d == Postgres {
		return s.pg
	}
	return s.sqlite
}

// preparedSet is the registry prepared on the two pools.
type preparedSet struct {
	w, r []*sql.Stmt
}

func (p *preparedSet) close() error {
	var errs []error
	for _, list := range [][]*sql.Stmt{p.w, p.r} {
		for _, s := range list {
			if s != nil {
				errs = append(errs, s.Close())
			}
		}
	}
	return errors.Join(errs...)
}

// prepareAll prepares the registry (SQLite only): on the writer connection
// and on the reader pool. It must not run inside a transaction.
func (d *DB) prepareAll(ctx context.Context) error {
	if d.dialect != SQLite || d.prepared.Load() != nil {
		return nil
	}
	ps := &preparedSet{w: make([]*sql.Stmt, len(registry)), r: make([]*sql.Stmt, len(registry))}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	for i, s := range registry {
		w, err := d.wconn.PrepareContext(ctx, s.sqlite)
		if err != nil {
			_ = ps.close()
			return fmt.Errorf("prepare %q: %w", s.sqlite, err)
		}
		ps.w[i] = w
		r, err := d.r.PrepareContext(ctx, s.sqlite)
		if err != nil {
			_ = ps.close()
			return fmt.Errorf("prepare %q: %w", s.sqlite, err)
		}
		ps.r[i] = r
	}
	if !d.prepared.CompareAndSwap(nil, ps) {
		return ps.close()
	}
	return nil
}

// runner runs reads: a Tx (which sees its own writes) or the reader pool.
type runner interface {
	query(ctx context.Context, s *stmt, args ...any) (*sql.Rows, error)
	queryRow(ctx context.Context, s *stmt, args ...any) *sql.Row
	// querySQL runs dynamic SQL (IN lists, multi-row VALUES), never cached.
	querySQL(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// reader runs reads on the reader pool.
type reader struct{ d *DB }

func (r reader) stmt(s *stmt) *sql.Stmt {
	if ps := r.d.prepared.Load(); ps != nil {
		return ps.r[s.id]
	}
	return nil
}

func (r reader) query(ctx context.Context, s *stmt, args ...any) (*sql.Rows, error) {
	r.d.readBarrier(ctx)
	if ps := r.stmt(s); ps != nil {
		return ps.QueryContext(ctx, args...)
	}
	return r.d.r.QueryContext(ctx, s.text(r.d.dialect), args...)
}

func (r reader) queryRow(ctx context.Context, s *stmt, args ...any) *sql.Row {
	r.d.readBarrier(ctx)
	if ps := r.stmt(s); ps != nil {
		return ps.QueryRowContext(ctx, args...)
	}
	return r.d.r.QueryRowContext(ctx, s.text(r.d.dialect), args...)
}

func (r reader) querySQL(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	r.d.readBarrier(ctx)
	return r.d.r.QueryContext(ctx, r.d.Rebind(q), args...)
}

// stmt returns the prepared form of s on the writer connection (SQLite,
// once prepared), else nil.
func (t *Tx) stmt(s *stmt) *sql.Stmt {
	if t.tx != nil {
		return nil
	}
	if ps := t.db.prepared.Load(); ps != nil {
		return ps.w[s.id]
	}
	return nil
}

func (t *Tx) exec(ctx context.Context, s *stmt, args ...any) (sql.Result, error) {
	ctx = t.sctx(ctx)
	if ps := t.stmt(s); ps != nil {
		return ps.ExecContext(ctx, args...)
	}
	return t.q.ExecContext(ctx, s.text(t.db.dialect), args...)
}

func (t *Tx) query(ctx context.Context, s *stmt, args ...any) (*sql.Rows, error) {
	ctx = t.sctx(ctx)
	if ps := t.stmt(s); ps != nil {
		return ps.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, s.text(t.db.dialect), args...)
}

func (t *Tx) queryRow(ctx context.Context, s *stmt, args ...any) *sql.Row {
	ctx = t.sctx(ctx)
	if ps := t.stmt(s); ps != nil {
		return ps.QueryRowContext(ctx, args...)
	}
	return t.q.QueryRowContext(ctx, s.text(t.db.dialect), args...)
}

func (t *Tx) querySQL(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(t.sctx(ctx), t.db.Rebind(q), args...)
}

func (t *Tx) execSQL(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(t.sctx(ctx), t.db.Rebind(q), args...)
}

// comp is the base of every component: reads go to the transaction when
// there is one, else to the reader pool; writes run in the transaction, or
// each in its own.
type comp struct {
	d  *DB
	tx *Tx
}

func (c comp) read() runner {
	if c.tx != nil {
		return c.tx
	}
	return reader{c.d}
}

func (c comp) write(ctx context.Context, fn func(t *Tx) error) error {
	if c.tx != nil {
		return fn(c.tx)
	}
	return c.d.Tx(ctx, fn)
}

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// valuesList returns "($1, $2), ($3, $4), …" for rows of width columns,
// numbering from $from.
func valuesList(from, rows, width int) string {
	var b strings.Builder
	n := from
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := 0; j < width; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// int64Args turns ids into query arguments, after the leading ones.
func int64Args(lead []any, ids []int64) []any {
	args := make([]any, 0, len(lead)+len(ids))
	args = append(args, lead...)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// batches splits ids into slices of at most n.
func batches(ids []int64, n int) [][]int64 {
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
