package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// grandchild is a shell command that starts a background sleep, prints its
// pid and waits for it: killing only the shell would leave the sleep alive.
const grandchild = `sleep 100 & echo $!; wait`

// processGone reports whether pid no longer runs (it is gone, or a zombie
// waiting for its reaper), giving the kernel a few seconds.
func processGone(pid int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return true
		}
		// The state follows the command name in parentheses.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && !processGoneNow(pid) }

func processGoneNow(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

// firstPid returns the first line of stdout as a pid.
func firstPid(t *testing.T, rec *recorder) int {
	t.Helper()
	line, _, _ := strings.Cut(rec.text("stdout"), "\n")
	pid, err := strconv.Atoi(line)
	if err != nil {
		t.Fatalf("no pid on stdout: %q", rec.text("stdout"))
	}
	return pid
}

// waitFile waits for a marker file the command creates once it runs.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// start runs a command in the background; wait returns its error.
func start(r *Runner, id, name string, a map[string]any, rec *recorder, ctx context.Context) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, worker.Command{ID: id, Name: name, Args: a}, rec) }()
	return func() error { return <-done }
}

func TestTimeoutKillsProcessGroup(t *testing.T) {
	r := newTestRunner(t)
	wd := r.Basedir()
	rec, err := run(t, r, worker.CmdShell, shellArgs(wd, []any{"sh", "-c", grandchild}, map[string]any{"timeout": int64(1)}))
	if err != nil {
		t.Fatal(err)
	}
	pid := firstPid(t, rec)
	want := []string{
		"header:sh -c '" + grandchild + "'\n in dir " + wd + " (timeout 1 sec)\n watching logfiles {}\n argv: [b'sh', b'-c', b'" + grandchild + "']\n using PTY: False\n",
		fmt.Sprintf("stdout:%d\n", pid),
		"header:\ncommand timed out: 1 seconds without output running [b'sh', b'-c', b'" + grandchild + "'], attempting to kill\nprocess killed by signal 9\n",
		"rc:-1", "header:elapsedTime=*\n", "elapsed",
	}
	equalItems(t, withoutElapsedTime(rec.items()), want)
	if !processGone(pid) {
		t.Fatalf("grandchild %d survived the timeout", pid)
	}
}

func TestMaxTime(t *testing.T) {
	r := newTestRunner(t)
	rec, err := run(t, r, worker.CmdShell, shellArgs(r.Basedir(), "while true; do echo tick; sleep 0.1; done",
		map[string]any{"timeout": int64(10), "maxTime": int64(1)}))
	if err != nil {
		t.Fatal(err)
	}
	h := rec.text("header")
	if !strings.Contains(h, " (timeout 10 secs) (maxTime 1 sec)\n") {
		t.Errorf("header = %q", h)
	}
	if !strings.Contains(h, "\ncommand timed out: 1 seconds elapsed running b'while true; do echo tick; sleep 0.1; done', attempting to kill\nprocess killed by signal 9\n") {
		t.Errorf("header = %q", h)
	}
	if !strings.HasPrefix(rec.text("stdout"), "tick\n") || rec.rc(t) != -1 {
		t.Errorf("stdout %q rc %d", rec.text("stdout"), rec.rc(t))
	}
	rec.checkEnd(t)
}

func TestSigtermTime(t *testing.T) {
	r := newTestRunner(t)
	tests := []struct {
		name       string
		script     string
		wantHeader string
		wantStdout string
	}{{
		// TERM is handled and the shell exits 0: a killed command is still rc -1.
		name:       "TERM handled",
		script:     `trap 'echo got TERM; exit 0' TERM; echo started; while :; do sleep 0.1; done`,
		wantHeader: ", attempting to kill\nelapsedTime=",
		wantStdout: "started\ngot TERM\n",
	}, {
		// TERM is ignored: KILL follows sigtermTime later.
		name:       "TERM ignored",
		script:     `trap '' TERM; echo started; sleep 30`,
		wantHeader: ", attempting to kill\nprocess killed by signal 9\nelapsedTime=",
		wantStdout: "started\n",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := run(t, r, worker.CmdShell, shellArgs(r.Basedir(), tc.script,
				map[string]any{"maxTime": int64(1), "sigtermTime": int64(1)}))
			if err != nil {
				t.Fatal(err)
			}
			if h := rec.text("header"); !strings.Contains(h, tc.wantHeader) {
				t.Errorf("header = %q, want %q in it", h, tc.wantHeader)
			}
			if got := rec.text("stdout"); got != tc.wantStdout {
				t.Errorf("stdout = %q, want %q", got, tc.wantStdout)
			}
			if rc := rec.rc(t); rc != -1 {
				t.Errorf("rc = %d, want -1", rc)
			}
		})
	}
}

func TestInterruptFlushesAndKills(t *testing.T) {
	// A buffer timeout far away: "started" reaches the sink only because
	// the interrupt flushes it, as interrupt_command does.
	r := New(t.TempDir(), Options{Environ: []string{"PATH=/usr/bin:/bin"}, BufferTimeout: time.Hour})
	wd := r.Basedir()
	marker := filepath.Join(wd, "running")
	var aliveAtFlush atomic.Bool
	pidFile := filepath.Join(wd, "pid")
	rec := &recorder{onUpdate: func(u worker.Update) error {
		if u.Key == "stdout" {
			b, _ := os.ReadFile(pidFile)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			aliveAtFlush.Store(alive(pid))
		}
		return nil
	}}
	script := "echo started; sleep 100 & echo $! > pid; touch running; wait"
	wait := start(r, "int-1", worker.CmdShell, shellArgs(wd, []any{"sh", "-c", script}, nil), rec, context.Background())
	waitFile(t, marker)
	if n := len(rec.items()); n != 0 {
		t.Fatalf("updates before the interrupt: %d", n)
	}
	b, _ := os.ReadFile(filepath.Join(wd, "pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if !alive(pid) {
		t.Fatalf("grandchild %d not running before the interrupt", pid)
	}
	if err := r.Interrupt("int-1", "stopped by test"); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"header:sh -c '" + script + "'\n in dir " + wd + " (timeout 1200 secs)\n watching logfiles {}\n argv: [b'sh', b'-c', b'" + script + "']\n using PTY: False\n",
		"stdout:started\n",
		"header:\ncommand interrupted, attempting to kill\nprocess killed by signal 9\n",
		"rc:-1", "header:elapsedTime=*\n", "elapsed",
	}
	equalItems(t, withoutElapsedTime(rec.items()), want)
	// The buffered output was sent before the process was signalled.
	if !aliveAtFlush.Load() {
		t.Errorf("stdout was not flushed before the kill")
	}
	if !processGone(pid) {
		t.Fatalf("grandchild %d survived the interrupt", pid)
	}
	// Interrupting a finished or unknown command is ignored.
	if err := r.Interrupt("int-1", "again"); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionLost(t *testing.T) {
	r := New(t.TempDir(), Options{Environ: []string{"PATH=/usr/bin:/bin"}, BufferTimeout: time.Hour})
	wd := r.Basedir()
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := start(r, "lost-1", worker.CmdShell, shellArgs(wd, "echo started; sleep 100 & echo $! > pid; touch running; wait", nil), rec, ctx)
	waitFile(t, filepath.Join(wd, "running"))
	b, _ := os.ReadFile(filepath.Join(wd, "pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	cancel()
	err := wait()
	if !errors.Is(err, worker.ErrConnectionLost) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want connection lost", err)
	}
	if len(rec.updates) != 0 {
		t.Fatalf("updates after the connection was lost: %+v", rec.updates)
	}
	if !processGone(pid) {
		t.Fatalf("grandchild %d survived the lost connection", pid)
	}
}

func TestSinkErrorStopsCommand(t *testing.T) {
	r := newTestRunner(t)
	sinkErr := errors.New("step gone")
	var pid int
	rec := &recorder{onUpdate: func(u worker.Update) error {
		if u.Key == "stdout" {
			pid, _ = strconv.Atoi(strings.TrimSpace(u.Text))
			return sinkErr
		}
		return nil
	}}
	err := r.Run(context.Background(), worker.Command{ID: nextID(), Name: worker.CmdShell,
		Args: shellArgs(r.Basedir(), []any{"sh", "-c", grandchild}, nil)}, rec)
	if !errors.Is(err, sinkErr) {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if pid == 0 || !processGone(pid) {
		t.Fatalf("grandchild %d survived the sink error", pid)
	}
}

func TestDuplicateCommandID(t *testing.T) {
	r := newTestRunner(t)
	wd := r.Basedir()
	rec := &recorder{}
	wait := start(r, "dup", worker.CmdShell, shellArgs(wd, "touch running; sleep 30", nil), rec, context.Background())
	waitFile(t, filepath.Join(wd, "running"))
	if err := r.Conn().RunCommand(context.Background(), worker.Command{ID: "dup", Name: worker.CmdShell,
		Args: shellArgs(wd, "true", nil)}, &recorder{}); !errors.Is(err, ErrDuplicateCommand) {
		t.Errorf("second command with the same ID: err = %v", err)
	}
	if err := r.Conn().Interrupt(context.Background(), "dup", "done"); err != nil {
		t.Fatal(err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if rec.rc(t) != -1 {
		t.Fatalf("rc = %d", rec.rc(t))
	}
}
