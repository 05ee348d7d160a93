package runner

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// execution is one running command: its arguments, its output path to the
// sink (line splitters feeding the emitter) and its interrupt requests. Only
// the goroutine running the command uses it, except interrupts and
// interrupted, which Interrupt sets.
type execution struct {
	r     *Runner
	cmd   worker.Command
	args  args
	sink  worker.Sink
	out   *emitter
	start time.Time

	streams map[string]*lineSplitter // "stdout", "stderr", "header", "log\x00<name>"

	interrupts  chan string
	interrupted atomic.Bool
}

func (r *Runner) newExecution(cmd worker.Command, a args, sink worker.Sink) *execution {
	return &execution{
		r:    r,
		cmd:  cmd,
		args: a,
		sink: sink,
		out: &emitter{
			sink:    sink,
			size:    r.opts.BufferSize,
			timeout: r.opts.BufferTimeout,
		},
		start:      time.Now(),
		streams:    make(map[string]*lineSplitter),
		interrupts: make(chan string, 1),
	}
}

const logKeyPrefix = "log\x00"

// write feeds text of a stream ("stdout", "stderr", "header", or "log" with
// logName) through its line splitter into the update buffer.
func (x *execution) write(key, logName string, b []byte) {
	id := key
	if key == "log" {
		id = logKeyPrefix + logName
	}
	s := x.streams[id]
	if s == nil {
		s = newLineSplitter(x.r.opts.MaxLineLength)
		x.streams[id] = s
	}
	s.add(b, func(line []byte) { x.out.text(key, logName, line) })
}

// header writes header text.
func (x *execution) header(s string) { x.write("header", "", []byte(s)) }

// value buffers a non-text update.
func (x *execution) value(u worker.Update) { x.out.value(u) }

// flushPartialLines ends every pending partial line with "\n" and buffers it,
// in the worker's order (sorted by stream or logfile name).
func (x *execution) flushPartialLines() {
	type entry struct{ sortKey, id string }
	var entries []entry
	for id, s := range x.streams {
		if len(s.partial) == 0 {
			continue
		}
		k := id
		if len(id) > len(logKeyPrefix) && id[:len(logKeyPrefix)] == logKeyPrefix {
			k = id[len(logKeyPrefix):]
		}
		entries = append(entries, entry{k, id})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].sortKey < entries[j].sortKey })
	for _, e := range entries {
		key, logName := e.id, ""
		if len(e.id) > len(logKeyPrefix) && e.id[:len(logKeyPrefix)] == logKeyPrefix {
			key, logName = "log", e.id[len(logKeyPrefix):]
		}
		x.streams[e.id].flush(func(line []byte) { x.out.text(key, logName, line) })
	}
}
