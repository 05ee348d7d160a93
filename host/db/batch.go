package db

import (
	"context"
	"database/sql"
)

// batchInsert is a multi-row INSERT of rows width columns wide, sent in
// batches of at most size rows; full batches use a registered (prepared)
// statement, the last one dynamic SQL.
type batchInsert struct {
	head, tail  string // around the VALUES list
	width, size int
	full        *stmt
}

func newBatchInsert(head, tail string, width, size int) *batchInsert {
	b := &batchInsert{head: head, tail: tail, width: width, size: size}
	b.full = newStmt(b.sql(size))
	return b
}

func (b *batchInsert) sql(rows int) string {
	return b.head + valuesList(1, rows, b.width) + b.tail
}

// run inserts the rows in args (len(args) = rows × width). When the
// statement returns rows, each is passed to scan.
func (b *batchInsert) run(ctx context.Context, t *Tx, args []any, scan func(s scanner) error) error {
	per := b.size * b.width
	for len(args) > 0 {
		n := min(len(args), per)
		part := args[:n]
		args = args[n:]
		var rows *sql.Rows
		var err error
		if n == per {
			if scan == nil {
				_, err = t.exec(ctx, b.full, part...)
			} else {
				rows, err = t.query(ctx, b.full, part...)
			}
		} else {
			q := b.sql(n / b.width)
			if scan == nil {
				_, err = t.execSQL(ctx, q, part...)
			} else {
				rows, err = t.querySQL(ctx, q, part...)
			}
		}
		if err != nil {
			return err
		}
		if rows != nil {
			for rows.Next() {
				if err := scan(rows); err != nil {
					rows.Close()
					return err
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// inBatches runs q (which must contain the marker {{ids}}) for ids in
// batches of at most n, with lead arguments first.
func inBatches(ctx context.Context, t *Tx, q string, lead []any, ids []int64, n int) (int64, error) {
	var total int64
	for _, part := range batches(ids, n) {
		res, err := t.execSQL(ctx, expandIDs(q, len(lead), len(part)), int64Args(lead, part)...)
		if err != nil {
			return total, err
		}
		c, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += c
	}
	return total, nil
}

// expandIDs replaces {{ids}} in q with placeholders for n ids numbered
// after lead arguments.
func expandIDs(q string, lead, n int) string {
	const marker = "{{ids}}"
	for i := 0; i+len(marker) <= len(q); i++ {
		if q[i:i+len(marker)] == marker {
			return q[:i] + placeholders(lead+1, n) + q[i+len(marker):]
		}
	}
	return q
}
