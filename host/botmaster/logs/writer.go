// Package logs owns the master side of step logs (Buildbot's process/log.py):
// line assembly per output channel (a LineBoundaryFinder for stdout, stderr
// and header), the stdio channel prefixes of `s` logs (o, e, h), decoding of
// worker output, and batched, bounded appends through the data layer so a log
// of hundreds of megabytes streams through a fixed amount of memory while
// every append publishes its event for /ws consumers.
package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Log types, as stored in logs.type.
const (
	TypeStdio = "s" // stdio: every line prefixed with its channel
	TypeText  = "t"
	TypeHTML  = "h"
)

// Channel prefixes of stdio logs.
const (
	ChanStdout byte = 'o'
	ChanStderr byte = 'e'
	ChanHeader byte = 'h'
)

// Appender is what a log needs of the data layer: AppendLog takes complete
// lines (content ends with "\n"), stores them as log chunks and publishes
// logs.<id>.append; FinishLog marks the log complete.
type Appender interface {
	AppendLog(ctx context.Context, logID int64, content string) error
	FinishLog(ctx context.Context, logID int64) error
}

// Options tune a Writer. Zero values take the defaults.
type Options struct {
	// FlushBytes is the size of assembled text that triggers an append
	// (default 1 MiB). It bounds the writer's memory with MaxLine.
	FlushBytes int
	// FlushDelay is how long assembled text may wait for more before it is
	// appended anyway, so watchers see output while a step runs (default
	// 100 ms).
	FlushDelay time.Duration
	// MaxLine is the longest partial line kept waiting for its newline; a
	// longer one is cut into lines of this size (default 64 KiB).
	MaxLine int
	// Encoding decodes worker output: "utf-8" (default; invalid bytes become
	// U+FFFD as Python's errors="replace"), "latin-1"/"iso-8859-1", or
	// "ascii".
	Encoding string
}

const (
	defaultFlushBytes = 1 << 20
	defaultFlushDelay = 100 * time.Millisecond
	defaultMaxLine    = 64 << 10
)

// ErrFinished is returned when text arrives after Finish.
var ErrFinished = errors.New("log already finished")

// Writer is one log of a step. Its methods may be called from several
// goroutines; appends happen in the order text was added.
type Writer struct {
	ctx   context.Context
	app   Appender
	id    int64
	typ   string
	opts  Options
	dec   func([]byte) []byte
	mu    sync.Mutex
	part  [3][]byte // partial line per channel: stdout, stderr, header
	buf   []byte    // assembled lines waiting for an append
	timer *time.Timer
	armed bool
	done  bool
	err   error // the first append error; later text is dropped
	lines int64
	bytes int64
}

// NewWriter returns a writer appending to log logID of type typ (TypeStdio,
// TypeText or TypeHTML). ctx bounds the appends.
func NewWriter(ctx context.Context, app Appender, logID int64, typ string, o Options) (*Writer, error) {
	if o.FlushBytes <= 0 {
		o.FlushBytes = defaultFlushBytes
	}
	if o.FlushDelay <= 0 {
		o.FlushDelay = defaultFlushDelay
	}
	if o.MaxLine <= 0 {
		o.MaxLine = defaultMaxLine
	}
	dec, err := decoder(o.Encoding)
	if err != nil {
		return nil, err
	}
	w := &Writer{ctx: ctx, app: app, id: logID, typ: typ, opts: o, dec: dec}
	w.timer = time.AfterFunc(time.Hour, w.timedFlush)
	w.timer.Stop()
	return w, nil
}

// ID returns the log's id.
func (w *Writer) ID() int64 { return w.id }

// Type returns the log's type.
func (w *Writer) Type() string { return w.typ }

// AddStdout adds stdout text (any split; lines are assembled here).
func (w *Writer) AddStdout(text string) error { return w.add(0, ChanStdout, text) }

// AddStderr adds stderr text.
func (w *Writer) AddStderr(text string) error { return w.add(1, ChanStderr, text) }

// AddHeader adds header text (the command description, elapsedTime…).
func (w *Writer) AddHeader(text string) error { return w.add(2, ChanHeader, text) }

// AddText adds text to a text or HTML log (stdout channel, no prefix).
func (w *Writer) AddText(text string) error { return w.add(0, ChanStdout, text) }

// Stats returns the lines and bytes appended so far (prefixes included).
func (w *Writer) Stats() (lines, bytes int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lines, w.bytes
}

func (w *Writer) add(ch int, prefix byte, text string) error {
	if text == "" {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return ErrFinished
	}
	if w.err != nil {
		return w.err
	}
	p := append(w.part[ch], text...)
	if last := bytes.LastIndexByte(p, '\n'); last >= 0 {
		block := p[:last+1]
		p = p[last+1:]
		// Emit and append in pieces of about FlushBytes, so one large update
		// does not hold a second copy of itself.
		for len(block) > 0 {
			piece := block
			if len(piece) > w.opts.FlushBytes {
				cut := bytes.LastIndexByte(piece[:w.opts.FlushBytes], '\n')
				if cut < 0 {
					cut = bytes.IndexByte(piece, '\n')
				}
				piece = piece[:cut+1]
			}
			block = block[len(piece):]
			if len(w.buf) > 0 && len(w.buf)+len(piece) > w.opts.FlushBytes {
				if err := w.flushLocked(); err != nil {
					w.part[ch] = w.part[ch][:0]
					return err
				}
			}
			w.emitBlock(prefix, piece)
			if len(w.buf) >= w.opts.FlushBytes {
				if err := w.flushLocked(); err != nil {
					w.part[ch] = w.part[ch][:0]
					return err
				}
			}
		}
	}
	for len(p) >= w.opts.MaxLine {
		cut := cutAt(p, w.opts.MaxLine)
		w.emitBlock(prefix, append(p[:cut:cut], '\n'))
		p = p[cut:]
	}
	// Keep the partial line in the channel's own buffer (moved to its front,
	// so the buffer does not grow from there).
	w.part[ch] = append(w.part[ch][:0], p...)
	if len(w.buf) >= w.opts.FlushBytes {
		return w.flushLocked()
	}
	if len(w.buf) > 0 && !w.armed {
		w.armed = true
		w.timer.Reset(w.opts.FlushDelay)
	}
	return nil
}

// cutAt returns a cut ≤ n that does not split a UTF-8 sequence.
func cutAt(p []byte, n int) int {
	for cut := n; cut > 0 && cut > n-utf8.UTFMax; cut-- {
		if utf8.RuneStart(p[cut]) {
			return cut
		}
	}
	return n
}

// emitBlock adds complete lines (block ends with a newline) to the batch,
// decoded, each prefixed with its channel in a stdio log.
func (w *Writer) emitBlock(prefix byte, block []byte) {
	block = w.dec(block)
	n := bytes.Count(block, []byte{'\n'})
	w.lines += int64(n)
	if w.typ != TypeStdio {
		w.buf = append(w.buf, block...)
		return
	}
	start := len(w.buf)
	w.buf = slices.Grow(w.buf, len(block)+n)[:start+len(block)+n]
	dst := w.buf[start:]
	j := 0
	for len(block) > 0 {
		i := bytes.IndexByte(block, '\n')
		dst[j] = prefix
		j++
		j += copy(dst[j:], block[:i+1])
		block = block[i+1:]
	}
}

func (w *Writer) timedFlush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	if w.done || w.err != nil {
		return
	}
	_ = w.flushLocked()
}

// Flush appends what is assembled now (complete lines only).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if len(w.buf) == 0 {
		return nil
	}
	// The batch is handed over as a string without a copy: the buffer is
	// never written again (the next batch starts a new one), so the
	// appender may keep the string.
	buf := w.buf
	content := unsafe.String(unsafe.SliceData(buf), len(buf))
	w.bytes += int64(len(buf))
	w.buf = make([]byte, 0, min(cap(buf), w.opts.FlushBytes+w.opts.MaxLine))
	if err := w.app.AppendLog(w.ctx, w.id, content); err != nil {
		w.err = fmt.Errorf("append to log %d: %w", w.id, err)
		return w.err
	}
	return nil
}

// Finish completes the partial lines (as Buildbot flushes its line
// boundary finders), appends everything and marks the log finished. It is
// idempotent; it returns the first append error, if any.
func (w *Writer) Finish() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return w.err
	}
	w.done = true
	w.timer.Stop()
	prefixes := [3]byte{ChanStdout, ChanStderr, ChanHeader}
	for ch := range w.part {
		if len(w.part[ch]) > 0 {
			w.emitBlock(prefixes[ch], append(w.part[ch], '\n'))
			w.part[ch] = nil
		}
	}
	if w.err == nil {
		_ = w.flushLocked()
	}
	if err := w.app.FinishLog(w.ctx, w.id); err != nil && w.err == nil {
		w.err = fmt.Errorf("finish log %d: %w", w.id, err)
	}
	return w.err
}

func decoder(enc string) (func([]byte) []byte, error) {
	switch strings.ToLower(strings.ReplaceAll(enc, "_", "-")) {
	case "", "utf-8", "utf8":
		return func(b []byte) []byte {
			if utf8.Valid(b) {
				return b
			}
			return bytes.ToValidUTF8(b, []byte("\uFFFD"))
		}, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1":
		return func(b []byte) []byte {
			ascii := true
			for _, c := range b {
				if c >= 0x80 {
					ascii = false
					break
				}
			}
			if ascii {
				return b
			}
			out := make([]byte, 0, len(b)+8)
			for _, c := range b {
				out = utf8.AppendRune(out, rune(c))
			}
			return out
		}, nil
	case "ascii", "us-ascii":
		return func(b []byte) []byte {
			for i, c := range b {
				if c >= 0x80 {
					out := append([]byte(nil), b[:i]...)
					for _, c := range b[i:] {
						if c >= 0x80 {
							out = append(out, "\uFFFD"...)
						} else {
							out = append(out, c)
						}
					}
					return out
				}
			}
			return b
		}, nil
	}
	return nil, fmt.Errorf("unsupported log encoding %q (want utf-8, latin-1 or ascii)", enc)
}
