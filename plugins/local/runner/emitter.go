package runner

import (
	"bytes"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// emitter is the worker's BufferManager: it holds a command's updates and
// delivers them to the sink in order, merging consecutive text of one stream
// (or one logfile) into one Update. It sends when the next item would not
// fit in size bytes (text counts its length, other items 20), when the
// owner's timer set by dueIn fires, and at the end. It is used by one
// goroutine, the command's.
type emitter struct {
	sink    worker.Sink
	size    int
	timeout time.Duration

	items []pending
	n     int
	since time.Time // when the first pending item was added
	free  [][]byte  // text buffers of sent items, reused
	err   error     // first error from the sink; nothing is sent after it
	count int       // Update calls made, for tests and metrics
}

// maxFreeBuffers bounds the text buffers kept for reuse.
const maxFreeBuffers = 8

type pending struct {
	u    worker.Update
	text []byte
}

func isText(key string) bool {
	return key == "stdout" || key == "stderr" || key == "header" || key == "log"
}

// text buffers whole lines of a stream ("stdout", "stderr", "header", or
// "log" with logName).
func (e *emitter) text(key, logName string, b []byte) {
	if e.err != nil || len(b) == 0 {
		return
	}
	if len(b) <= e.size-e.n {
		e.merge(key, logName, b)
		return
	}
	e.flush()
	if len(b) <= e.size {
		e.merge(key, logName, b)
		return
	}
	// Larger than a whole buffer: send it in pieces of whole lines.
	for len(b) > 0 && e.err == nil {
		k := len(b)
		if k > e.size {
			k = bytes.LastIndexByte(b[:e.size], '\n') + 1
			if k == 0 {
				k = bytes.IndexByte(b, '\n') + 1
			}
		}
		e.send(worker.Update{Key: key, LogName: logName, Text: string(b[:k])})
		b = b[k:]
	}
}

func (e *emitter) merge(key, logName string, b []byte) {
	if l := len(e.items); l > 0 {
		last := &e.items[l-1]
		if last.u.Key == key && last.u.LogName == logName && isText(key) {
			last.text = append(last.text, b...)
			e.n += len(b)
			return
		}
	}
	var buf []byte
	if l := len(e.free); l > 0 {
		buf, e.free = e.free[l-1][:0], e.free[:l-1]
	}
	e.add(pending{u: worker.Update{Key: key, LogName: logName}, text: append(buf, b...)}, len(b))
}

// value buffers a non-text update (rc, elapsed, files, stat).
func (e *emitter) value(u worker.Update) {
	if e.err != nil {
		return
	}
	const weight = 20
	if weight > e.size-e.n {
		e.flush()
	}
	e.add(pending{u: u}, weight)
}

func (e *emitter) add(p pending, weight int) {
	if len(e.items) == 0 {
		e.since = time.Now()
	}
	e.items = append(e.items, p)
	e.n += weight
}

// dueIn returns how long until the buffer must be sent, and false when
// nothing is pending.
func (e *emitter) dueIn(now time.Time) (time.Duration, bool) {
	if len(e.items) == 0 || e.err != nil {
		return 0, false
	}
	return e.timeout - now.Sub(e.since), true
}

// flushIfDue sends the buffer if its timeout has passed.
func (e *emitter) flushIfDue(now time.Time) {
	if d, ok := e.dueIn(now); ok && d <= 0 {
		e.flush()
	}
}

// flush sends everything pending.
func (e *emitter) flush() {
	items := e.items
	e.items = e.items[:0]
	e.n = 0
	for i := range items {
		p := &items[i]
		if p.text != nil {
			p.u.Text = string(p.text)
			if len(e.free) < maxFreeBuffers && cap(p.text) <= 2*e.size {
				e.free = append(e.free, p.text)
			}
			p.text = nil
		}
		if e.err == nil {
			e.send(p.u)
		}
		p.u = worker.Update{}
	}
}

func (e *emitter) send(u worker.Update) {
	e.count++
	if err := e.sink.Update(u); err != nil {
		e.err = err
	}
}
