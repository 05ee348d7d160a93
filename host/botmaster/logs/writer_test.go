package logs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is an in-memory Appender for unit tests.
type recorder struct {
	mu       sync.Mutex
	appends  []string
	finished bool
	failOn   int // fail the n-th append (1-based), 0 = never
	appended chan struct{}
}

func newRecorder() *recorder { return &recorder{appended: make(chan struct{}, 100)} }

func (r *recorder) AppendLog(_ context.Context, _ int64, content string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !strings.HasSuffix(content, "\n") {
		panic("append without final newline: " + content)
	}
	if r.failOn > 0 && len(r.appends)+1 == r.failOn {
		return errors.New("disk full")
	}
	r.appends = append(r.appends, content)
	select {
	case r.appended <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) FinishLog(context.Context, int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = true
	return nil
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.appends, "")
}

func newW(t *testing.T, r *recorder, typ string, o Options) *Writer {
	t.Helper()
	if o.FlushDelay == 0 {
		o.FlushDelay = time.Hour // only explicit flushes unless a test wants the timer
	}
	w, err := NewWriter(context.Background(), r, 1, typ, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestStdioPrefixesAndAssembly(t *testing.T) {
	r := newRecorder()
	w := newW(t, r, TypeStdio, Options{})
	steps := []func() error{
		func() error { return w.AddHeader("cmd line\n in dir /x\n") },
		func() error { return w.AddStdout("hel") },
		func() error { return w.AddStderr("warn") },
		func() error { return w.AddStdout("lo\nwor") },
		func() error { return w.AddStderr("ing\n") },
		func() error { return w.AddStdout("ld\n\n") },
		func() error { return w.AddStdout("no newline at end") },
		func() error { return w.AddHeader("elapsedTime=0.1\n") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	want := "hcmd line\nh in dir /x\nohello\newarning\noworld\no\nhelapsedTime=0.1\nono newline at end\n"
	if got := r.text(); got != want {
		t.Fatalf("log =\n%q\nwant\n%q", got, want)
	}
	if !r.finished {
		t.Fatal("FinishLog not called")
	}
	if lines, _ := w.Stats(); lines != 8 {
		t.Fatalf("lines = %d, want 8", lines)
	}
	if err := w.AddStdout("late\n"); !errors.Is(err, ErrFinished) {
		t.Fatalf("add after finish: %v", err)
	}
	if err := w.Finish(); err != nil {
		t.Fatal("second Finish failed:", err)
	}
}

func TestTextLogHasNoPrefix(t *testing.T) {
	r := newRecorder()
	w := newW(t, r, TypeText, Options{})
	_ = w.AddText("a\nb")
	_ = w.Finish()
	if got := r.text(); got != "a\nb\n" {
		t.Fatalf("text log = %q", got)
	}
}

func TestBoundedBatches(t *testing.T) {
	r := newRecorder()
	const flush, maxLine = 1024, 256
	w := newW(t, r, TypeStdio, Options{FlushBytes: flush, MaxLine: maxLine})
	line := strings.Repeat("x", 99) + "\n"
	var total int
	for i := 0; i < 1000; i++ {
		if err := w.AddStdout(line); err != nil {
			t.Fatal(err)
		}
		total += len(line) + 1
	}
	// One big update and one very long line without a newline.
	big := strings.Repeat(line, 300)
	_ = w.AddStdout(big)
	total += len(big) + 300
	_ = w.AddStderr(strings.Repeat("y", 1000))
	_ = w.Finish()
	for i, a := range r.appends {
		if len(a) > 2*flush+maxLine {
			t.Fatalf("append %d has %d bytes, above the bound", i, len(a))
		}
	}
	got := r.text()
	if !strings.HasPrefix(got, "o"+line) {
		t.Fatal("first line wrong")
	}
	// The long stderr line is cut into lines of at most MaxLine.
	tail := got[total:]
	want := "e" + strings.Repeat("y", 256) + "\ne" + strings.Repeat("y", 256) + "\ne" +
		strings.Repeat("y", 256) + "\ne" + strings.Repeat("y", 232) + "\n"
	if tail != want {
		t.Fatalf("long line split as %q", tail)
	}
}

func TestTimedFlush(t *testing.T) {
	r := newRecorder()
	w := newW(t, r, TypeStdio, Options{FlushDelay: 5 * time.Millisecond})
	_ = w.AddStdout("one\n")
	select {
	case <-r.appended:
	case <-time.After(10 * time.Second):
		t.Fatal("assembled line never appended by the timer")
	}
	if r.text() != "oone\n" {
		t.Fatalf("got %q", r.text())
	}
	_ = w.Finish()
}

func TestAppendErrorIsKept(t *testing.T) {
	r := newRecorder()
	r.failOn = 1
	w := newW(t, r, TypeStdio, Options{FlushBytes: 8})
	err := w.AddStdout("0123456789\n")
	if err == nil {
		t.Fatal("append error not returned")
	}
	if err2 := w.AddStdout("more\n"); err2 == nil {
		t.Fatal("later add after a failed append succeeded")
	}
	if err := w.Finish(); err == nil {
		t.Fatal("Finish hid the append error")
	}
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		enc, in, want string
	}{
		{"utf-8", "ok é\n", "ook é\n"},
		{"utf-8", "bad \xff\n", "obad \uFFFD\n"},
		{"latin-1", "caf\xe9\n", "ocafé\n"},
		{"ascii", "caf\xe9\n", "ocaf\uFFFD\n"},
	}
	for _, tt := range tests {
		r := newRecorder()
		w := newW(t, r, TypeStdio, Options{Encoding: tt.enc})
		_ = w.AddStdout(tt.in)
		_ = w.Finish()
		if got := r.text(); got != tt.want {
			t.Errorf("%s: %q → %q, want %q", tt.enc, tt.in, got, tt.want)
		}
	}
	if _, err := NewWriter(context.Background(), newRecorder(), 1, TypeStdio, Options{Encoding: "ebcdic"}); err == nil {
		t.Error("unknown encoding accepted")
	}
}

type discard struct{}

func (discard) AppendLog(context.Context, int64, string) error { return nil }
func (discard) FinishLog(context.Context, int64) error         { return nil }

// BenchmarkAssembleYes measures line assembly of `yes` output (2-byte lines),
// the worst case for per-line work, in 64 KiB updates.
func BenchmarkAssembleYes(b *testing.B) {
	chunk := strings.Repeat("y\n", 32<<10)
	w, _ := NewWriter(context.Background(), discard{}, 1, TypeStdio, Options{FlushDelay: time.Hour})
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = w.AddStdout(chunk)
	}
	_ = w.Finish()
}
