package runner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/sdk/worker"
)

// shellArgs returns the arguments Buildbot 3.7's ShellCommand sends
// (worker-protocol.md §8), with overrides.
func shellArgs(workdir any, command any, extra map[string]any) map[string]any {
	a := map[string]any{
		"workdir": workdir, "command": command, "env": map[string]any{},
		"want_stdout": true, "want_stderr": true, "logfiles": map[string]any{},
		"timeout": int64(1200), "maxTime": nil, "sigtermTime": nil, "usePTY": false,
		"logEnviron": false, "initial_stdin": nil, "interruptSignal": "KILL",
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func equalItems(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("updates differ\n got: %q\nwant: %q", got, want)
	}
}

// withoutElapsedTime replaces the elapsedTime header's value.
func withoutElapsedTime(items []string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = elapsedTimeRE.ReplaceAllString(it, "elapsedTime=*")
	}
	return out
}

func TestShellUpdates(t *testing.T) {
	r := newTestRunner(t)
	wd := filepath.Join(r.Basedir(), "build")
	tests := []struct {
		name    string
		command any
		extra   map[string]any
		want    []string
	}{{
		// worker-protocol.md §8: the shell.jsonl example, with logEnviron
		// (its stderr line is left to the next case: stdout and stderr are
		// two pipes, only the order within one is certain).
		name:    "argv with env and logEnviron",
		command: []any{"sh", "-c", `echo "FOO=$FOO"; pwd`},
		extra:   map[string]any{"env": map[string]any{"FOO": "bar"}, "logEnviron": true, "timeout": int64(30)},
		want: []string{
			"header:sh -c 'echo \"FOO=$FOO\"; pwd'\n" +
				" in dir " + wd + " (timeout 30 secs)\n" +
				" watching logfiles {}\n" +
				" argv: [b'sh', b'-c', b'echo \"FOO=$FOO\"; pwd']\n" +
				" environment:\n  FOO=bar\n  HOME=/home/worker\n  LANG=C.UTF-8\n  PATH=/usr/local/bin:/usr/bin:/bin\n  PWD=" + wd + "\n" +
				" using PTY: False\n",
			"stdout:FOO=bar\n" + wd + "\n",
			"rc:0", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "stderr",
		command: []any{"sh", "-c", "echo to-stderr >&2; echo more >&2; exit 1"},
		extra:   map[string]any{"timeout": nil},
		want: []string{
			"header:sh -c 'echo to-stderr >&2; echo more >&2; exit 1'\n in dir " + wd + "\n watching logfiles {}\n argv: [b'sh', b'-c', b'echo to-stderr >&2; echo more >&2; exit 1']\n using PTY: False\n",
			"stderr:to-stderr\nmore\n",
			"rc:1", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		// The failing step of worker-protocol.md §8.
		name:    "string command exit status",
		command: "echo failing now; exit 3",
		want: []string{
			"header:echo failing now; exit 3\n in dir " + wd + " (timeout 1200 secs)\n watching logfiles {}\n argv: b'echo failing now; exit 3'\n using PTY: False\n",
			"stdout:failing now\n", "rc:3", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "partial line completed before rc",
		command: []any{"printf", "a\nno newline"},
		extra:   map[string]any{"timeout": int64(1), "maxTime": int64(2)},
		want: []string{
			"header:printf 'a\nno newline'\n in dir " + wd + " (timeout 1 sec) (maxTime 2 secs)\n watching logfiles {}\n argv: [b'printf', b'a\\nno newline']\n using PTY: False\n",
			"stdout:a\nno newline\n", "rc:0", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "stdin, obfuscated word, want_stdout false",
		command: []any{"sh", "-c", "cat; cat >&2; echo $0", []any{"obfuscated", "s3cret", "XXXX"}},
		extra:   map[string]any{"initial_stdin": "in\n", "want_stdout": false, "timeout": nil},
		want: []string{
			"header:sh -c 'cat; cat >&2; echo $0' XXXX\n in dir " + wd + "\n watching logfiles {}\n argv: [b'sh', b'-c', b'cat; cat >&2; echo $0', b'XXXX']\n writing 3 bytes to stdin\n using PTY: False\n",
			"rc:0", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "usePTY is refused with the worker's warning",
		command: []any{"true"},
		extra:   map[string]any{"usePTY": true, "timeout": 2.5},
		want: []string{
			"header:WARNING: disabling usePTY for this command\ntrue\n in dir " + wd + " (timeout 2.5 secs)\n watching logfiles {}\n argv: [b'true']\n using PTY: False\n",
			"rc:0", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "program not found",
		command: []any{"no-such-program-here", "x"},
		want: []string{
			"header:no-such-program-here x\n in dir " + wd + " (timeout 1200 secs)\n watching logfiles {}\n argv: [b'no-such-program-here', b'x']\n using PTY: False\n",
			"stderr:Upon execvpe b'no-such-program-here' [b'no-such-program-here', b'x'] in environment\n:[Errno 2] No such file or directory: 'no-such-program-here'\n",
			"rc:1", "header:elapsedTime=*\n", "elapsed",
		},
	}, {
		name:    "killed by a signal",
		command: []any{"sh", "-c", "kill -SEGV $$"},
		want: []string{
			"header:sh -c 'kill -SEGV $$'\n in dir " + wd + " (timeout 1200 secs)\n watching logfiles {}\n argv: [b'sh', b'-c', b'kill -SEGV $$']\n using PTY: False\n" +
				"process killed by signal 11\n", "rc:-1", "header:elapsedTime=*\n", "elapsed",
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := run(t, r, worker.CmdShell, shellArgs(wd, tc.command, tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			rec.checkEnd(t)
			equalItems(t, withoutElapsedTime(rec.items()), tc.want)
		})
	}
}

func TestShellEnvironment(t *testing.T) {
	r := New(t.TempDir(), Options{Environ: []string{
		"PATH=/usr/bin:/bin", "HOME=/home/worker", "DROPME=1", "PYTHONPATH=/site",
	}})
	env := map[string]any{
		"FOO":        "bar",
		"LIST":       []any{"/a", "/b"},
		"DROPME":     nil,
		"REF":        "${HOME}/x:${UNSET}:${PATH}",
		"PYTHONPATH": "/mine",
	}
	rec, err := run(t, r, worker.CmdShell, shellArgs(r.Basedir(), []any{"env"}, map[string]any{"env": env}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(rec.text("stdout")), "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	want := map[string]string{
		"FOO":        "bar",
		"LIST":       "/a:/b",
		"REF":        "/home/worker/x::/usr/bin:/bin",
		"PYTHONPATH": "/mine:/site",
		"HOME":       "/home/worker",
		"PATH":       "/usr/bin:/bin",
		"PWD":        r.Basedir(),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["DROPME"]; ok {
		t.Errorf("DROPME still set: a None value must delete the variable")
	}

	_, err = run(t, r, worker.CmdShell, shellArgs(r.Basedir(), []any{"true"}, map[string]any{"env": map[string]any{"N": int64(3)}}))
	if err == nil || !strings.Contains(err.Error(), "'env' values must be strings or lists; key 'N' is incorrect") {
		t.Fatalf("non-string env value: err = %v", err)
	}
}

func TestShellWorkdir(t *testing.T) {
	r := newTestRunner(t)
	wd := filepath.Join(r.Basedir(), "a", "b", "c")
	rec, err := run(t, r, worker.CmdShell, shellArgs(wd, "pwd", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.text("stdout"); got != wd+"\n" {
		t.Fatalf("pwd = %q, want %q (the worker creates a missing workdir)", got, wd)
	}
	// A relative workdir is relative to the base directory.
	rec, err = run(t, r, worker.CmdShell, shellArgs("rel", "pwd", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.text("stdout"), filepath.Join(r.Basedir(), "rel")+"\n"; got != want {
		t.Fatalf("pwd = %q, want %q", got, want)
	}
	// A workdir that is a file cannot be used: the worker fails the command.
	file := filepath.Join(r.Basedir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err = run(t, r, worker.CmdShell, shellArgs(file, "pwd", nil))
	if err == nil {
		t.Fatal("shell in a file: no error")
	}
	if got := rec.text("stderr"); !strings.Contains(got, "error in RunProcess._startCommand ([Errno 17] File exists: ") {
		t.Fatalf("stderr = %q", got)
	}
	rec.checkEnd(t)
}

func TestShellLogfiles(t *testing.T) {
	r := newTestRunner(t)
	wd := r.Basedir()
	if err := os.WriteFile(filepath.Join(wd, "old.log"), []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `echo one > my.log; sleep 0.3; echo two >> my.log; echo out; sleep 0.3; printf three >> my.log; echo after >> old.log`
	rec, err := run(t, r, worker.CmdShell, shellArgs(wd, script, map[string]any{
		"logfiles": map[string]any{
			"mylog":  "my.log",
			"follow": map[string]any{"filename": "old.log", "follow": true},
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.text("log:mylog"); got != "one\ntwo\nthree\n" {
		t.Errorf("mylog = %q", got)
	}
	if got := rec.text("log:follow"); got != "after\n" {
		t.Errorf("followed log = %q, want only what was appended", got)
	}
	if h := rec.text("header"); !strings.Contains(h, " watching logfiles {'follow': {'filename': 'old.log', 'follow': True}, 'mylog': 'my.log'}\n") {
		t.Errorf("header = %q", h)
	}
	// The file grew while the command ran: it was sent in more than one
	// poll, before the end.
	n := 0
	for _, u := range rec.updates {
		if u.Key == "log" && u.LogName == "mylog" {
			n++
		}
	}
	if n < 2 {
		t.Errorf("mylog came in %d updates, want it followed while the command ran", n)
	}
	rec.checkEnd(t)
}

func TestShellRefusals(t *testing.T) {
	r := newTestRunner(t)
	tests := []struct {
		name string
		cmd  string
		args map[string]any
		want error
	}{
		{"unknown command", "frobnicate", map[string]any{}, ErrUnknownCommand},
		{"shell without command", worker.CmdShell, map[string]any{"workdir": r.Basedir()}, ErrMissingArgs},
		{"upload without maxsize", worker.CmdUploadFile, map[string]any{"path": "x", "blocksize": int64(1)}, ErrMissingArgs},
		{"mkdir without paths", worker.CmdMkdir, map[string]any{}, ErrMissingArgs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := run(t, r, tc.cmd, tc.args)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if len(rec.updates) != 0 {
				t.Fatalf("a refused command sent %v", rec.updates)
			}
		})
	}
	// Bad argument types fail the command (after "elapsed") without panicking.
	for _, a := range []map[string]any{
		shellArgs(r.Basedir(), map[string]any{"x": 1}, nil),
		shellArgs(r.Basedir(), []any{"true"}, map[string]any{"timeout": "soon"}),
		shellArgs(int64(3), []any{"true"}, nil),
		shellArgs(r.Basedir(), []any{}, nil),
	} {
		rec, err := run(t, r, worker.CmdShell, a)
		if err == nil {
			t.Errorf("args %v: no error", a)
			continue
		}
		rec.checkEnd(t)
	}
}
