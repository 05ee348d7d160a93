package runner

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

func TestLineSplitter(t *testing.T) {
	tests := []struct {
		name   string
		maxLen int
		chunks []string
		want   string // emitted lines, then "|" and what flush adds
	}{
		{"whole lines", 4096, []string{"a\nb\n"}, "a\nb\n|"},
		{"partial held", 4096, []string{"a\nb", "c\nd"}, "a\nbc\n|d\n"},
		{"crlf and lone cr", 4096, []string{"a\rb\r\nc\n"}, "a\nb\nc\n|"},
		{"cr split from lf", 4096, []string{"a\r", "\nb\n"}, "a\nb\n|"},
		{"cr at the end", 4096, []string{"a\r"}, "|a\n"},
		{"escapes", 4096, []string{"a\x1b[2Jb\x1b[uc\x1b[12;3Hd\x1b[1;1fe\x1b[1mf\n"}, "a\nb\nc\nd\ne\x1b[1mf\n|"},
		{"escape split", 4096, []string{"a\x1b[1", "2;3Hb\n"}, "a\nb\n|"},
		{"backspaces", 4096, []string{"a\b\b\bb\n"}, "a\nb\n|"},
		{"long line cut", 4, []string{"abcdefgh\nij\n"}, "abc\ndef\ngh\nij\n|"},
		{"long partial cut", 4, []string{"abcdefg"}, "abc\ndef\n|g\n"},
		{"line of maxLen-1 kept", 4, []string{"abc\n"}, "abc\n|"},
		{"cut at rune boundary", 4, []string{"aé€\n"}, "aé\n€\n|"},
		{"invalid utf-8 replaced", 4096, []string{"a\xffb\n"}, "a\uFFFDb\n|"},
		{"rune split across chunks", 4096, []string{"\xe2\x82", "\xac\n"}, "€\n|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newLineSplitter(tc.maxLen)
			var out strings.Builder
			emit := func(b []byte) {
				if !bytes.HasSuffix(b, []byte("\n")) {
					t.Errorf("emitted %q without a newline", b)
				}
				out.Write(b)
			}
			for _, c := range tc.chunks {
				s.add([]byte(c), emit)
			}
			out.WriteString("|")
			s.flush(emit)
			if got := out.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEmitter(t *testing.T) {
	rec := &recorder{}
	e := &emitter{sink: rec, size: 10}
	e.text("stdout", "", []byte("ab\n"))
	e.text("stdout", "", []byte("cd\n")) // merged
	e.text("stderr", "", []byte("x\n"))
	e.text("stdout", "", []byte("ef\n")) // does not fit: flush first
	e.text("log", "l1", []byte("1\n"))
	e.text("log", "l2", []byte("2\n"))                // another log: not merged
	e.text("stdout", "", []byte("0123456\n789abc\n")) // bigger than the buffer: split at lines
	e.value(worker.Update{Key: "rc", RC: 0})
	e.flush()
	var got []string
	for _, u := range rec.updates {
		got = append(got, u.Key+u.LogName+":"+u.Text)
	}
	want := []string{"stdout:ab\ncd\n", "stderr:x\n", "stdout:ef\n", "logl1:1\n", "logl2:2\n", "stdout:0123456\n", "stdout:789abc\n", "rc:"}
	equalItems(t, got, want)
	if e.count != len(want) {
		t.Errorf("count = %d", e.count)
	}
}

// TestLargeOutput runs a command printing 50 MB: every byte arrives, in
// few updates, while the heap stays far below the output's size.
func TestLargeOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("prints 50 MB")
	}
	r := newTestRunner(t)
	const total = 50_000_000
	var (
		bytesSeen, updates int
		maxHeap            uint64
		badLine            bool
		ms                 runtime.MemStats
	)
	rec := &recorder{}
	sink := &countingSink{recorder: rec, onText: func(u worker.Update) {
		updates++
		bytesSeen += len(u.Text)
		if !badLine && strings.Trim(u.Text, "y\n") != "" {
			badLine = true
		}
		if updates%50 == 0 {
			runtime.ReadMemStats(&ms)
			maxHeap = max(maxHeap, ms.HeapAlloc)
		}
	}}
	err := r.Run(context.Background(), worker.Command{ID: nextID(), Name: worker.CmdShell,
		Args: shellArgs(r.Basedir(), "yes | head -c 50000000", nil)}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if bytesSeen != total {
		t.Fatalf("received %d bytes of stdout, want %d", bytesSeen, total)
	}
	if badLine {
		t.Fatal("stdout is not all y lines")
	}
	// 64 KiB per update: about 763; lines are 2 bytes, so one update per
	// read or per line would be thousands or millions.
	if updates > 1000 {
		t.Errorf("%d stdout updates for %d bytes", updates, total)
	}
	if maxHeap > 24<<20 {
		t.Errorf("heap reached %d MiB while streaming 50 MB", maxHeap>>20)
	}
	if rec.rc(t) != 0 {
		t.Errorf("rc = %d", rec.rc(t))
	}
	t.Logf("%d updates, max heap %.1f MiB", updates, float64(maxHeap)/(1<<20))
}

// countingSink hands stdout updates to onText and keeps only the others.
type countingSink struct {
	*recorder
	onText func(worker.Update)
}

func (s *countingSink) Update(u worker.Update) error {
	if u.Key == "stdout" {
		s.onText(u)
		return nil
	}
	return s.recorder.Update(u)
}
