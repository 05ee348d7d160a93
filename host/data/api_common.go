package data

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bbhost/bbhost/host/db"
)

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface {
	Scan(dest ...any) error
}

// queryAll runs q and scans every row with scan.
func queryAll[T any](ctx context.Context, a *API, q *query, scan func(rowScanner) (T, error)) ([]T, error) {
	return selectAll(ctx, a, q.sql(), q.args, scan)
}

func selectAll[T any](ctx context.Context, a *API, sqlText string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := a.db.Query(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return out, nil
}

// selectOne runs a one-row query; ok is false when there is no row.
func selectOne[T any](ctx context.Context, a *API, q *query, scan func(rowScanner) (T, error)) (v T, ok bool, err error) {
	v, err = scan(a.db.QueryRow(ctx, q.sql(), q.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("query: %w", err)
	}
	return v, true, nil
}

func toAny[T any](items []T) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out
}

func int64P(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func intP(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func strP(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

// decodeJSON decodes a JSON column, keeping numbers as written (so 1.0
// stays 1.0); text that is not JSON is returned as a string.
func decodeJSON(text []byte) any {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return string(text)
	}
	return v
}

// builderID resolves a builder name to its id (by name_hash, as Buildbot's
// findBuilderId with autoCreate=False).
func (a *API) builderID(ctx context.Context, name string) (int64, bool, error) {
	q := newQuery(a.db.Dialect(), "SELECT id FROM builders")
	q.and("name_hash = " + q.arg(db.HashColumns(name)))
	return selectOne(ctx, a, q, scanInt)
}

func scanInt(s rowScanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}

// builderArg returns the builder a path names by id or by name; ok is false
// when a name names no builder.
func (a *API) builderArg(ctx context.Context, args PathArgs) (id int64, ok bool, err error) {
	if id, ok := args.Int("builderid"); ok {
		return id, true, nil
	}
	if name, ok := args.String("buildername"); ok {
		return a.builderID(ctx, name)
	}
	return 0, false, nil
}

// buildArg returns the build a path names: by buildid, or by builder and
// build_number/number (Buildbot's BuildNestingMixin.getBuildid).
func (a *API) buildArg(ctx context.Context, args PathArgs) (int64, bool, error) {
	if id, ok := args.Int("buildid"); ok {
		return id, true, nil
	}
	bid, ok, err := a.builderArg(ctx, args)
	if err != nil || !ok {
		return 0, false, err
	}
	num, ok := args.Int("build_number")
	if !ok {
		if num, ok = args.Int("number"); !ok {
			return 0, false, nil
		}
	}
	q := newQuery(a.db.Dialect(), "SELECT id FROM builds")
	q.and("builderid = " + q.arg(bid))
	q.and("number = " + q.arg(num))
	return selectOne(ctx, a, q, scanInt)
}

// stepArg returns the step a path names: by stepid, or by build and
// step_name/step_number (getStepid).
func (a *API) stepArg(ctx context.Context, args PathArgs) (int64, bool, error) {
	if id, ok := args.Int("stepid"); ok {
		return id, true, nil
	}
	buildid, ok, err := a.buildArg(ctx, args)
	if err != nil || !ok {
		return 0, false, err
	}
	q := newQuery(a.db.Dialect(), "SELECT id FROM steps")
	q.and("buildid = " + q.arg(buildid))
	if name, ok := args.String("step_name"); ok {
		q.and("name = " + q.arg(name))
	} else if num, ok := args.Int("step_number"); ok {
		q.and("number = " + q.arg(num))
	} else {
		return 0, false, nil
	}
	return selectOne(ctx, a, q, scanInt)
}

func itoa(n int) string { return strconv.Itoa(n) }
