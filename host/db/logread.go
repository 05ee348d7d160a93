package db

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
)

var (
	qChunksRange   = newStmt("SELECT first_line, last_line, content, compressed FROM logchunks WHERE logid = $1 AND first_line <= $3 AND last_line >= $2 ORDER BY first_line")
	qChunksFrom    = newStmt("SELECT first_line, last_line, content, compressed FROM logchunks WHERE logid = $1 AND first_line >= $2 ORDER BY first_line LIMIT $3")
	qChunkSizes    = newStmt("SELECT first_line, last_line, length(content), compressed FROM logchunks WHERE logid = $1 ORDER BY first_line")
	qChunksBetween = newStmt("SELECT first_line, last_line, content, compressed FROM logchunks WHERE logid = $1 AND first_line >= $2 AND last_line <= $3 ORDER BY first_line")
	qChunksDelete  = newStmt("DELETE FROM logchunks WHERE logid = $1 AND first_line >= $2 AND last_line <= $3")
	qChunkTotal    = newStmt("SELECT coalesce(sum(length(content)), 0) FROM logchunks WHERE logid = $1")
	qChunkCount    = newStmt("SELECT count(*) FROM logchunks")
	qStepMaxBefore = newStmt("SELECT max(id) FROM steps WHERE started_at < $1")
	qLogsMarkDel   = newStmt("UPDATE logs SET type = 'd' WHERE stepid <= $1 AND type <> 'd'")
	qChunksDelDel  = newStmt("DELETE FROM logchunks WHERE logid IN (SELECT id FROM logs WHERE type = 'd')")
)

// streamBatch is how many chunks Stream reads per query, so that no read
// transaction stays open while the writer is slow.
const streamBatch = 8

// storedChunk is a logchunks row.
type storedChunk struct {
	first, last int
	content     []byte
	method      Compression
}

func scanChunk(s scanner) (storedChunk, error) {
	var c storedChunk
	var m int
	err := s.Scan(&c.first, &c.last, &c.content, &m)
	c.method = Compression(m)
	return c, err
}

// Lines returns lines first..last (0-based, inclusive) of a log, each
// ending with "\n" ("" when there are none), as Buildbot's getLogLines.
func (c Logs) Lines(ctx context.Context, id int64, first, last int) (string, error) {
	rows, err := c.read().query(ctx, qChunksRange, id, first, last)
	chunks, err := collect(rows, err, scanChunk)
	if err != nil {
		return "", fmt.Errorf("read log %d lines %d-%d: %w", id, first, last, err)
	}
	var b strings.Builder
	var buf []byte
	for _, ch := range chunks {
		buf, err = c.d.codecs.decompress(ch.method, ch.content, buf)
		if err != nil {
			return "", fmt.Errorf("log %d chunk at line %d: %w", id, ch.first, err)
		}
		text := buf
		for skip := first - ch.first; skip > 0; skip-- {
			i := bytes.IndexByte(text, '\n')
			if i < 0 {
				text = text[len(text):]
				break
			}
			text = text[i+1:]
		}
		for drop := ch.last - last; drop > 0; drop-- {
			i := bytes.LastIndexByte(text, '\n')
			if i < 0 {
				text = text[:0]
				break
			}
			text = text[:i]
		}
		b.Write(text)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// Stream writes a whole log to w, chunk by chunk, each line ending with
// "\n"; with stripChannel, the first character of every line (the channel
// of an 's' log) is left out. Only a few chunks are held at a time, and no
// read transaction stays open between them. It returns the bytes written.
func (c Logs) Stream(ctx context.Context, id int64, w io.Writer, stripChannel bool) (int64, error) {
	var written int64
	var buf, out []byte
	next := 0
	r := c.read()
	for {
		rows, err := r.query(ctx, qChunksFrom, id, next, streamBatch)
		chunks, err := collect(rows, err, scanChunk)
		if err != nil {
			return written, fmt.Errorf("stream log %d: %w", id, err)
		}
		for _, ch := range chunks {
			buf, err = c.d.codecs.decompress(ch.method, ch.content, buf)
			if err != nil {
				return written, fmt.Errorf("log %d chunk at line %d: %w", id, ch.first, err)
			}
			data := append(buf, '\n')
			buf = data[:0]
			if stripChannel {
				out = stripFirstChar(out[:0], data)
				data = out
			}
			n, err := w.Write(data)
			written += int64(n)
			if err != nil {
				return written, err
			}
			next = ch.last + 1
		}
		if len(chunks) < streamBatch {
			return written, nil
		}
		if err := ctx.Err(); err != nil {
			return written, err
		}
	}
}

// stripFirstChar appends the lines of text (each ending with "\n") to dst
// without their first byte.
func stripFirstChar(dst, text []byte) []byte {
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		line := text[:i+1]
		text = text[i+1:]
		if len(line) > 1 {
			line = line[1:]
		}
		dst = append(dst, line...)
	}
	return dst
}

// Compress merges runs of small adjacent chunks into chunks of at most
// 64 KiB (stored size, as Buildbot measures) and 1000 lines, recompressed
// with method; with force even single chunks are recompressed. It returns
// how many stored bytes were saved.
func (c Logs) Compress(ctx context.Context, id int64, method Compression, force bool) (int64, error) {
	var saved int64
	err := c.write(ctx, func(t *Tx) error {
		type group struct{ first, last, count int }
		var groups []group
		var total int64
		cur := group{}
		rows, err := t.query(ctx, qChunkSizes, id)
		if err != nil {
			return err
		}
		var curLen int64
		for rows.Next() {
			var first, last, m int
			var length sql.NullInt64
			if err := rows.Scan(&first, &last, &length, &m); err != nil {
				rows.Close()
				return err
			}
			if curLen+length.Int64 > MaxChunkSize || last-cur.first > MaxChunkLines {
				if cur.count > 1 || (force && cur.count > 0) {
					groups = append(groups, cur)
				}
				cur, curLen = group{first: first}, 0
			}
			if cur.count == 0 {
				cur.first = first
			}
			cur.last = last
			cur.count++
			curLen += length.Int64
			total += length.Int64
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if total == 0 {
			return nil
		}
		if cur.count > 1 || (force && cur.count > 0) {
			groups = append(groups, cur)
		}
		var buf []byte
		for _, g := range groups {
			rows, err := t.query(ctx, qChunksBetween, id, g.first, g.last)
			chunks, err := collect(rows, err, scanChunk)
			if err != nil {
				return err
			}
			var merged []byte
			for i, ch := range chunks {
				if buf, err = c.d.codecs.decompress(ch.method, ch.content, buf); err != nil {
					return fmt.Errorf("chunk at line %d: %w", ch.first, err)
				}
				if i > 0 {
					merged = append(merged, '\n')
				}
				merged = append(merged, buf...)
			}
			if _, err := t.exec(ctx, qChunksDelete, id, g.first, g.last); err != nil {
				return err
			}
			stored, m, err := c.d.codecs.compress(method, merged)
			if err != nil {
				return err
			}
			if _, err := t.exec(ctx, qChunkInsert, id, g.first, g.last, stored, int(m)); err != nil {
				return err
			}
		}
		var after int64
		if err := t.queryRow(ctx, qChunkTotal, id).Scan(&after); err != nil {
			return err
		}
		saved = total - after
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("compress log %d: %w", id, err)
	}
	return saved, nil
}

// DeleteOldChunks marks the logs of steps started before olderThan as
// deleted (type 'd') and deletes their chunks (the janitor's logHorizon).
// It returns how many chunks went.
func (c Logs) DeleteOldChunks(ctx context.Context, olderThan int64) (int64, error) {
	var n int64
	err := c.write(ctx, func(t *Tx) error {
		var before, after int64
		if err := t.queryRow(ctx, qChunkCount).Scan(&before); err != nil {
			return err
		}
		var maxStep sql.NullInt64
		if err := t.queryRow(ctx, qStepMaxBefore, olderThan).Scan(&maxStep); err != nil {
			return err
		}
		if maxStep.Valid {
			if _, err := t.exec(ctx, qLogsMarkDel, maxStep.Int64); err != nil {
				return err
			}
		}
		if _, err := t.exec(ctx, qChunksDelDel); err != nil {
			return err
		}
		if err := t.queryRow(ctx, qChunkCount).Scan(&after); err != nil {
			return err
		}
		n = before - after
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete log chunks older than %d: %w", olderThan, err)
	}
	return n, nil
}
