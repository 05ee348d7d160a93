package runner

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

// recorder is a worker.Sink that keeps what a command sends, as the
// master's step receives it: updates, upload blocks and download reads.
type recorder struct {
	mu      sync.Mutex
	updates []worker.Update
	events  []string // "write N", "close", "utime", "unpack", "read N", "read_close"
	upload  bytes.Buffer
	atime   float64
	mtime   float64
	source  []byte // what DownloadRead serves
	nread   int

	onUpdate func(worker.Update) error // optional hook, called before recording
}

func (s *recorder) Update(u worker.Update) error {
	if s.onUpdate != nil {
		if err := s.onUpdate(u); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, u)
	return nil
}

func (s *recorder) UploadWrite(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.upload.Write(p)
	s.events = append(s.events, fmt.Sprintf("write %d", len(p)))
	return nil
}

func (s *recorder) UploadClose() error  { s.event("close"); return nil }
func (s *recorder) UploadUnpack() error { s.event("unpack"); return nil }

func (s *recorder) UploadUtime(atime, mtime float64) error {
	s.event("utime")
	s.mu.Lock()
	s.atime, s.mtime = atime, mtime
	s.mu.Unlock()
	return nil
}

func (s *recorder) DownloadRead(n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, fmt.Sprintf("read %d", n))
	k := min(n, len(s.source)-s.nread)
	b := s.source[s.nread : s.nread+k]
	s.nread += k
	return b, nil
}

func (s *recorder) DownloadClose() error { s.event("read_close"); return nil }

func (s *recorder) event(e string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

// items returns the updates with consecutive text of one stream merged, as
// "key" for values and "key:text" (or "log:name:text") for text, so tests
// compare what a master would log whatever the batching was.
func (s *recorder) items() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	lastKey := ""
	for _, u := range s.updates {
		switch u.Key {
		case "stdout", "stderr", "header", "log":
			k := u.Key
			if u.Key == "log" {
				k = "log:" + u.LogName
			}
			if lastKey == k {
				out[len(out)-1] += u.Text
				continue
			}
			out = append(out, k+":"+u.Text)
			lastKey = k
			continue
		case "rc":
			out = append(out, fmt.Sprintf("rc:%d", u.RC))
		case "files":
			out = append(out, "files:"+strings.Join(u.Files, ","))
		case "stat":
			out = append(out, "stat")
		default:
			out = append(out, u.Key)
		}
		lastKey = ""
	}
	return out
}

// text returns all text of one stream ("stdout", "stderr", "header",
// "log:NAME").
func (s *recorder) text(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, u := range s.updates {
		k := u.Key
		if k == "log" {
			k = "log:" + u.LogName
		}
		if k == key {
			b.WriteString(u.Text)
		}
	}
	return b.String()
}

// rc returns the rc update, or fails the test when there is none.
func (s *recorder) rc(t *testing.T) int {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.updates {
		if u.Key == "rc" {
			return u.RC
		}
	}
	t.Fatalf("no rc update in %v", s.updates)
	return 0
}

// checkEnd fails the test unless "elapsed" is the last update and every
// text update holds whole lines.
func (s *recorder) checkEnd(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.updates); n == 0 || s.updates[n-1].Key != "elapsed" {
		t.Fatalf("last update is not elapsed: %+v", s.updates)
	}
	for _, u := range s.updates {
		if isText(u.Key) && !strings.HasSuffix(u.Text, "\n") {
			t.Errorf("%s update %q does not end with a newline", u.Key, u.Text)
		}
	}
}

var commandSeq struct {
	sync.Mutex
	n int
}

func nextID() string {
	commandSeq.Lock()
	defer commandSeq.Unlock()
	commandSeq.n++
	return fmt.Sprint(commandSeq.n)
}

// newTestRunner returns a Runner in a fresh base directory with a small,
// fixed environment and quick logfile polls.
func newTestRunner(t testing.TB) *Runner {
	t.Helper()
	return New(t.TempDir(), Options{
		Environ:             []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/worker", "LANG=C.UTF-8"},
		LogfilePollInterval: 100_000_000, // 0.1s
	})
}

// run runs one command and returns what it sent.
func run(t testing.TB, r *Runner, name string, a map[string]any) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	err := r.Run(context.Background(), worker.Command{ID: nextID(), Name: name, Builder: "b", Args: a}, rec)
	return rec, err
}
