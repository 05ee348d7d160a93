package db

import (
	"context"
	"fmt"
)

// Log is a row of `logs`.
type Log struct {
	ID       int64
	Name     string
	Slug     string
	StepID   int64
	Complete bool
	NumLines int
	Type     string
}

// Log types.
const (
	LogStdio   = "s" // lines prefixed with a channel: o stdout, e stderr, h header
	LogText    = "t"
	LogHTML    = "h"
	LogDeleted = "d" // chunks removed by the janitor
)

// SlugLength is the width of logs.slug.
const SlugLength = 50

// Logs is the logs and logchunks component.
type Logs struct{ comp }

// Logs returns the logs component.
func (d *DB) Logs() Logs { return Logs{comp{d: d}} }

// Logs returns the logs component inside the transaction.
func (t *Tx) Logs() Logs { return Logs{comp{d: t.db, tx: t}} }

const logCols = "id, name, slug, stepid, complete, num_lines, type"

var (
	qLogInsert   = newStmt("INSERT INTO logs (name, slug, stepid, complete, num_lines, type) VALUES ($1, $2, $3, 0, 0, $4) ON CONFLICT DO NOTHING RETURNING id")
	qLogSlugs    = newStmt("SELECT slug FROM logs WHERE stepid = $1")
	qLogGet      = newStmt("SELECT " + logCols + " FROM logs WHERE id = $1")
	qLogBySlug   = newStmt("SELECT " + logCols + " FROM logs WHERE stepid = $1 AND slug = $2")
	qLogList     = newStmt("SELECT " + logCols + " FROM logs WHERE stepid = $1 ORDER BY id")
	qLogOpen     = newStmt("SELECT " + logCols + " FROM logs WHERE stepid = $1 AND complete = 0 ORDER BY id")
	qLogBump     = newStmt("UPDATE logs SET num_lines = num_lines + $2 WHERE id = $1 RETURNING " + logCols)
	qLogFinish   = newStmt("UPDATE logs SET complete = 1 WHERE id = $1 RETURNING " + logCols)
	qChunkInsert = newStmt("INSERT INTO logchunks (logid, first_line, last_line, content, compressed) VALUES ($1, $2, $3, $4, $5)")
)

func scanLog(s scanner) (Log, error) {
	var l Log
	err := s.Scan(&l.ID, &l.Name, &l.Slug, &l.StepID, &l.Complete, &l.NumLines, &l.Type)
	return l, err
}

// Add inserts a log of a step; its slug is the name as an identifier, made
// unique in the step with _2, _3… It returns the log.
func (c Logs) Add(ctx context.Context, stepID int64, name, typ string) (*Log, error) {
	switch typ {
	case LogStdio, LogText, LogHTML:
	default:
		return nil, fmt.Errorf("add log %q: type %q is not one of s, t, h", name, typ)
	}
	l := &Log{Name: name, StepID: stepID, Type: typ}
	err := c.write(ctx, func(t *Tx) error {
		l.Slug = ForceIdentifier(SlugLength, name)
		var used map[string]bool
		for attempt := 0; attempt < 10000; attempt++ {
			found, err := noRows(t.queryRow(ctx, qLogInsert, name, l.Slug, stepID, typ).Scan(&l.ID))
			if err != nil || found {
				return err
			}
			if used == nil {
				rows, err := t.query(ctx, qLogSlugs, stepID)
				slugs, err := collect(rows, err, scanString)
				if err != nil {
					return err
				}
				used = make(map[string]bool, len(slugs))
				for _, s := range slugs {
					used[s] = true
				}
			}
			for used[l.Slug] {
				if l.Slug, err = IncrementIdentifier(SlugLength, l.Slug); err != nil {
					return err
				}
			}
			used[l.Slug] = true
		}
		return fmt.Errorf("no free slug")
	})
	if err != nil {
		return nil, fmt.Errorf("add log %q to step %d: %w", name, stepID, err)
	}
	return l, nil
}

// Append stores lines at the end of a log: content is text whose lines end
// with "\n" (a missing final newline is implied). It is cut into chunks of
// at most 64 KiB on line boundaries (a longer line is truncated at a UTF-8
// boundary), each compressed with method and kept compressed only when that
// is smaller. Compression happens before the transaction. It returns the
// log as updated and the number of its first appended line.
func (c Logs) Append(ctx context.Context, id int64, content []byte, method Compression) (*Log, int, error) {
	p, err := c.PrepareAppend(content, method)
	if err != nil {
		return nil, 0, fmt.Errorf("append to log %d: %w", id, err)
	}
	return c.AppendPrepared(ctx, id, p)
}

// PreparedLines is text cut into chunks and compressed, ready for
// AppendPrepared (which can then run in a short transaction).
type PreparedLines struct {
	chunks []chunk
	lines  int
}

// Lines returns how many lines the prepared text holds.
func (p *PreparedLines) Lines() int { return p.lines }

// PrepareAppend cuts and compresses content as Append does, without
// touching the database.
func (c Logs) PrepareAppend(content []byte, method Compression) (*PreparedLines, error) {
	if n := len(content); n > 0 && content[n-1] == '\n' {
		content = content[:n-1]
	}
	chunks := splitChunks(content)
	for i := range chunks {
		stored, m, err := c.d.codecs.compress(method, chunks[i].content)
		if err != nil {
			return nil, err
		}
		chunks[i].stored, chunks[i].method = stored, m
	}
	return &PreparedLines{chunks: chunks, lines: chunks[len(chunks)-1].last + 1}, nil
}

// AppendPrepared stores prepared lines at the end of a log and returns the
// log as updated and the number of its first appended line.
func (c Logs) AppendPrepared(ctx context.Context, id int64, p *PreparedLines) (*Log, int, error) {
	var l Log
	var first int
	err := c.write(ctx, func(t *Tx) error {
		var err error
		l, err = scanLog(t.queryRow(ctx, qLogBump, id, p.lines))
		if ok, err := noRows(err); !ok {
			if err == nil {
				err = fmt.Errorf("log %d: %w", id, ErrNotFound)
			}
			return err
		}
		first = l.NumLines - p.lines
		for _, ch := range p.chunks {
			if _, err := t.exec(ctx, qChunkInsert, id, first+ch.first, first+ch.last, ch.stored, int(ch.method)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("append to log %d: %w", id, err)
	}
	return &l, first, nil
}

// Finish marks a log complete and returns it.
func (c Logs) Finish(ctx context.Context, id int64) (*Log, error) {
	var l Log
	err := c.write(ctx, func(t *Tx) error {
		var err error
		l, err = scanLog(t.queryRow(ctx, qLogFinish, id))
		return err
	})
	if ok, err := noRows(err); err != nil {
		return nil, fmt.Errorf("finish log %d: %w", id, err)
	} else if !ok {
		return nil, fmt.Errorf("finish log %d: %w", id, ErrNotFound)
	}
	return &l, nil
}

func (c Logs) one(ctx context.Context, s *stmt, args ...any) (*Log, error) {
	l, err := scanLog(c.read().queryRow(ctx, s, args...))
	if ok, err := noRows(err); !ok {
		return nil, err
	}
	return &l, nil
}

// Get returns a log, or nil.
func (c Logs) Get(ctx context.Context, id int64) (*Log, error) { return c.one(ctx, qLogGet, id) }

// GetBySlug returns a step's log by slug, or nil.
func (c Logs) GetBySlug(ctx context.Context, stepID int64, slug string) (*Log, error) {
	return c.one(ctx, qLogBySlug, stepID, slug)
}

// List returns a step's logs by id.
func (c Logs) List(ctx context.Context, stepID int64) ([]Log, error) {
	rows, err := c.read().query(ctx, qLogList, stepID)
	return collect(rows, err, scanLog)
}

// Open returns a step's incomplete logs.
func (c Logs) Open(ctx context.Context, stepID int64) ([]Log, error) {
	rows, err := c.read().query(ctx, qLogOpen, stepID)
	return collect(rows, err, scanLog)
}

// GetMany returns the logs with the given ids, in id order.
func (c Logs) GetMany(ctx context.Context, ids []int64) ([]Log, error) {
	var out []Log
	r := c.read()
	for _, part := range batches(uniqueIDs(ids), 500) {
		rows, err := r.querySQL(ctx, "SELECT "+logCols+" FROM logs WHERE id IN ("+placeholders(1, len(part))+") ORDER BY id", int64Args(nil, part)...)
		list, err := collect(rows, err, scanLog)
		if err != nil {
			return nil, fmt.Errorf("get logs: %w", err)
		}
		out = append(out, list...)
	}
	return out, nil
}
