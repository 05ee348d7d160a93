package runner

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// logWatcher follows one `logfiles` entry of a shell command, as the
// worker's LogFileWatcher: it remembers the file's state when the command is
// set up, starts reading once the file changes (from the beginning, or with
// follow from where it stood at set-up), and sends what was appended as
// "log" updates at each poll and once more at the end.
type logWatcher struct {
	name   string
	path   string
	follow bool

	old     *fileStamp
	started bool
	f       *os.File
	buf     []byte
}

type fileStamp struct {
	ctime, mtime syscall.Timespec
	size         int64
}

func stampOf(path string) *fileStamp {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil
	}
	return &fileStamp{ctime: st.Ctim, mtime: st.Mtim, size: st.Size}
}

func sameStamp(a, b *fileStamp) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// newLogWatchers builds the watchers of a logfiles argument (name → path
// relative to dir, or name → {"filename": path, "follow": bool}), sorted by
// name.
func newLogWatchers(logfiles any, dir string) ([]*logWatcher, error) {
	var entries map[string]any
	switch m := logfiles.(type) {
	case nil:
		return nil, nil
	case map[string]string:
		entries = make(map[string]any, len(m))
		for k, v := range m {
			entries[k] = v
		}
	case map[string]any:
		entries = m
	default:
		return nil, fmt.Errorf("'logfiles' must be a mapping, got %T", logfiles)
	}
	var out []*logWatcher
	for _, name := range sortedKeys(entries) {
		w := &logWatcher{name: name}
		switch v := entries[name].(type) {
		case string:
			w.path = v
		case map[string]any:
			fn, ok := v["filename"].(string)
			if !ok {
				return nil, fmt.Errorf("logfile %q: 'filename' must be a string", name)
			}
			w.path = fn
			w.follow = truthy(v["follow"])
		default:
			return nil, fmt.Errorf("logfile %q: want a file name, got %T", name, v)
		}
		if !filepath.IsAbs(w.path) {
			w.path = filepath.Join(dir, w.path)
		}
		w.old = stampOf(w.path)
		out = append(out, w)
	}
	return out, nil
}

// pollLimit bounds what one periodic poll reads, so that a file growing
// faster than it is read cannot stall the command's loop; the last poll
// reads to the end.
const pollLimit = 4 << 20

// poll sends what the file gained since the last poll, up to limit bytes
// (0: to the end); it reports whether there was anything.
func (w *logWatcher) poll(x *execution, limit int) bool {
	if !w.started {
		s := stampOf(w.path)
		if sameStamp(s, w.old) {
			return false
		}
		if s == nil {
			// Deleted since we looked: wait for the new one.
			w.old = nil
			return false
		}
		f, err := os.Open(w.path)
		if err != nil {
			return false
		}
		if w.follow && w.old != nil && w.old.size <= s.size {
			// Only what was appended since the command was set up. (The
			// worker seeks to the size it sees at this poll instead, which
			// loses what was written before the first poll.)
			if _, err := f.Seek(w.old.size, io.SeekStart); err != nil {
				_ = f.Close()
				return false
			}
		}
		w.f, w.started = f, true
		w.buf = make([]byte, 16*1024)
	}
	read := 0
	for limit == 0 || read < limit {
		n, err := w.f.Read(w.buf)
		if n > 0 {
			read += n
			x.write("log", w.name, w.buf[:n])
		}
		if err != nil || n == 0 {
			break
		}
	}
	return read > 0
}

func (w *logWatcher) close() {
	if w.f != nil {
		_ = w.f.Close()
		w.f = nil
	}
}
