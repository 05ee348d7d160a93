package data

import (
	"bytes"
	"compress/bzip2"
	"context"
	"database/sql"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Log text is read chunk by chunk from logchunks (first_line, last_line,
// content, compressed), a page of chunks per query, so that neither the
// contents window nor a raw download holds more than one page of the log.

const chunkPage = 64

type storedChunk struct {
	first, last int
	content     []byte
	method      int64
}

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

// decodeChunk undoes the compression of a stored chunk (logchunks.compressed:
// 0 raw, 1 gz (zlib), 2 bz2, 4 zstd).
func decodeChunk(method int64, data []byte) ([]byte, error) {
	switch method {
	case 0:
		return data, nil
	case 1:
		r, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	case 2:
		return io.ReadAll(bzip2.NewReader(bytes.NewReader(data)))
	case 4:
		zstdOnce.Do(func() { zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0)) })
		if zstdErr != nil {
			return nil, zstdErr
		}
		return zstdDec.DecodeAll(data, nil)
	}
	return nil, fmt.Errorf("unsupported log chunk compression %d", method)
}

// readLogLines calls fn with the text of lines first..last (inclusive) of a
// log, one piece per stored chunk, each without its final newline.
func (a *API) readLogLines(ctx context.Context, logid int64, first, last int, fn func([]byte) error) error {
	prev := -1
	for {
		q := newQuery(a.db.Dialect(), "SELECT first_line, last_line, content, compressed FROM logchunks")
		q.and("logid = " + q.arg(logid))
		q.and("first_line <= " + q.arg(last))
		q.and("last_line >= " + q.arg(first))
		q.and("first_line > " + q.arg(prev))
		q.order = []string{"first_line"}
		q.tail = " LIMIT " + itoa(chunkPage)
		chunks, err := queryAll(ctx, a, q, func(s rowScanner) (storedChunk, error) {
			var c storedChunk
			var content []byte
			var method sql.NullInt64
			err := s.Scan(&c.first, &c.last, &content, &method)
			c.content, c.method = content, method.Int64
			return c, err
		})
		if err != nil {
			return fmt.Errorf("read log %d: %w", logid, err)
		}
		for _, c := range chunks {
			text, err := decodeChunk(c.method, c.content)
			if err != nil {
				return fmt.Errorf("read log %d chunk at line %d: %w", logid, c.first, err)
			}
			start := c.first
			if start < first {
				text = skipLines(text, first-start)
				start = first
			}
			if c.last > last {
				text = keepLines(text, last-start+1)
			}
			if err := fn(text); err != nil {
				return err
			}
			prev = c.first
		}
		if len(chunks) < chunkPage {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// skipLines drops the first n lines of text.
func skipLines(text []byte, n int) []byte {
	for ; n > 0; n-- {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			return text[:0]
		}
		text = text[i+1:]
	}
	return text
}

// keepLines keeps the first n lines of text (without the newline after the
// last one).
func keepLines(text []byte, n int) []byte {
	if n <= 0 {
		return text[:0]
	}
	off := 0
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(text[off:], '\n')
		if j < 0 {
			return text
		}
		if i == n-1 {
			return text[:off+j]
		}
		off += j + 1
	}
	return text
}

// getLogRaw answers a log's whole text as a download, streamed chunk by
// chunk. For stdio logs ('s') the channel letter that starts each line is
// removed and lines are joined without a final newline, as Buildbot's
// RawLogChunkEndpoint answers; other logs end with a newline.
func getLogRaw(ctx context.Context, a *API, args PathArgs) (*Raw, error) {
	l, err := a.logByPath(ctx, args)
	if err != nil || l == nil {
		return nil, err
	}
	ct := "text/plain; charset=utf-8"
	if l.Type == "h" {
		ct = "text/html; charset=utf-8"
	}
	last := max(0, l.NumLines-1)
	return &Raw{ContentType: ct, Filename: l.Slug, Stream: func(ctx context.Context, w io.Writer) error {
		lines := 0
		return a.readLogLines(ctx, l.LogID, 0, last, func(text []byte) error {
			if l.Type != "s" {
				if _, err := w.Write(text); err != nil {
					return err
				}
				_, err := w.Write([]byte{'\n'})
				return err
			}
			out := make([]byte, 0, len(text)+1)
			for {
				i := bytes.IndexByte(text, '\n')
				line := text
				if i >= 0 {
					line = text[:i]
				}
				if lines > 0 {
					out = append(out, '\n')
				}
				lines++
				if len(line) > 0 {
					out = append(out, line[1:]...)
				}
				if i < 0 {
					break
				}
				text = text[i+1:]
			}
			_, err := w.Write(out)
			return err
		})
	}}, nil
}
