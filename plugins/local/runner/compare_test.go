package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/worker"
)

// The differential test runs each scenario through the real buildbot-worker
// 3.7 command classes (testdata/realworker.py, with Debian's
// python3-buildbot-worker) and through Runner, in two base directories with
// the same content, and compares what a master would see: the updates with
// consecutive text of one stream merged, the transfer calls, and whether the
// command failed. Known, intended differences are normalised (see
// normalise): the worker flushes incomplete lines after "elapsed", omits
// "elapsed" after an interrupt, and its gzip archive differs in bytes.

const realPython = "/usr/bin/python3"

var compareEnv = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/worker", "LANG=C.UTF-8"}

type scenario struct {
	name      string
	cmd       string
	args      map[string]any // "BASEDIR" in strings is replaced by the base directory
	download  string
	interrupt time.Duration // interrupt the command this long after it starts
}

// compareTree is the base directory content of every scenario.
func compareTree(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"g/a.txt":           "a\n",
		"g/b.log":           "b\n",
		"g/.hidden.txt":     "h\n",
		"g/sub/c.txt":       "c\n",
		"g/sub/deep/d.txt":  "d\n",
		"g/.hid/e.txt":      "e\n",
		"file":              "x",
		"up.bin":            strings.Repeat("0123456789", 4000),
		"empty":             "",
		"rmme/inner/f.txt":  "f",
		"rmfile.txt":        "r",
		"wd/seed.txt":       "seed\n",
		"copyme/one.txt":    "1\n",
		"copyme/sub/two.tx": "2\n",
	}
	// Created in a fixed order: small directories list in creation order.
	for _, name := range sortedKeys(files) {
		content := files[name]
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixed := time.Unix(1700000000, 0)
	_ = os.Chtimes(filepath.Join(dir, "up.bin"), fixed, fixed)
}

func withBasedir(v any, dir string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, "BASEDIR", dir)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withBasedir(e, dir)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withBasedir(e, dir)
		}
		return out
	default:
		return v
	}
}

type outcome struct {
	items  []string
	events []string
	failed bool
}

// realWorkerOutcomes runs every scenario through the real worker, in one
// Python process, scenario i in dirs[i].
func realWorkerOutcomes(t *testing.T, scs []scenario, dirs []string) []outcome {
	t.Helper()
	var reqs []map[string]any
	for i, sc := range scs {
		req := map[string]any{
			"name":     sc.cmd,
			"basedir":  dirs[i],
			"args":     withBasedir(sc.args, dirs[i]),
			"download": sc.download,
		}
		if sc.interrupt > 0 {
			req["interrupt_after"] = sc.interrupt.Seconds()
		}
		reqs = append(reqs, req)
	}
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs("testdata/realworker.py")
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(realPython, script)
	c.Env = compareEnv
	c.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("real worker: %v\n%s", err, stderr.String())
	}
	var all [][][]any
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatalf("real worker output: %v\n%s", err, out)
	}
	if len(all) != len(scs) {
		t.Fatalf("real worker ran %d of %d scenarios\n%s", len(all), len(scs), stderr.String())
	}
	outcomes := make([]outcome, len(scs))
	for i := range scs {
		outcomes[i] = realOutcome(scs[i], all[i])
	}
	return outcomes
}

// realOutcome turns the real worker's events into an outcome.
func realOutcome(sc scenario, events [][]any) outcome {
	var o outcome
	var updates []worker.Update
	for _, e := range events {
		switch e[0] {
		case "update":
			key := e[1].(string)
			u := worker.Update{Key: key}
			switch key {
			case "stdout", "stderr", "header":
				u.Text = e[2].(string)
			case "log":
				pair := e[2].([]any)
				u.LogName, u.Text = pair[0].(string), pair[1].(string)
			case "rc":
				u.RC = int(e[2].(float64))
			case "files":
				for _, f := range e[2].([]any) {
					u.Files = append(u.Files, f.(string))
				}
			}
			updates = append(updates, u)
		case "complete", "refused":
			o.failed = e[1] != nil
		case "upload_write":
			o.events = append(o.events, fmt.Sprintf("write %v", e[1]))
		case "read":
			o.events = append(o.events, fmt.Sprintf("read %v", e[1]))
		case "upload_close":
			o.events = append(o.events, "close")
		case "upload_unpack":
			o.events = append(o.events, "unpack")
		case "upload_utime":
			o.events = append(o.events, "utime")
		case "read_close":
			o.events = append(o.events, "read_close")
		}
	}
	// The worker sends incomplete lines after "elapsed" (and no "elapsed"
	// after an interrupt). Runner sends them just before "elapsed" and,
	// for a shell command, before its rc: move them there.
	var before, after []worker.Update
	seen := false
	for _, u := range updates {
		switch {
		case u.Key == "elapsed":
			seen = true
		case seen:
			after = append(after, u)
		default:
			before = append(before, u)
		}
	}
	at := len(before)
	if sc.cmd == "shell" {
		for i, u := range before {
			if u.Key == "rc" {
				at = i
			}
		}
	}
	merged := append(append(append([]worker.Update{}, before[:at]...), after...), before[at:]...)
	rec := &recorder{updates: append(merged, worker.Update{Key: "elapsed"})}
	o.items = rec.items()
	return o
}

func runnerOutcome(t *testing.T, sc scenario, dir string) outcome {
	t.Helper()
	r := New(dir, Options{Environ: compareEnv, LogfilePollInterval: 2 * time.Second})
	rec := &recorder{source: []byte(sc.download)}
	id := nextID()
	done := make(chan error, 1)
	go func() {
		done <- r.Run(context.Background(), worker.Command{ID: id, Name: sc.cmd, Args: withBasedir(sc.args, dir).(map[string]any)}, rec)
	}()
	if sc.interrupt > 0 {
		time.Sleep(sc.interrupt)
		if err := r.Interrupt(id, "test"); err != nil {
			t.Fatal(err)
		}
	}
	err := <-done
	return outcome{items: rec.items(), events: rec.events, failed: err != nil}
}

var elapsedTimeRE = regexp.MustCompile(`elapsedTime=[0-9.]+`)

// normalise makes the outcomes of two base directories comparable. Both
// sides list directories in directory order, which may differ between two
// directories with the same content: file lists and cp's lines are sorted.
// mergeLogfiles gathers the `log` updates of each followed log file into one,
// placed just before the rc: both workers poll the files on their own timer,
// so where their lines fall among the command's output, and in how many
// updates, is a matter of timing, not of behaviour.
func mergeLogfiles(items []string) []string {
	var out []string
	logs := map[string]*strings.Builder{}
	var names []string
	flush := func() {
		for _, n := range names {
			out = append(out, "log:"+n+":"+logs[n].String())
		}
		names, logs = nil, map[string]*strings.Builder{}
	}
	for _, it := range items {
		if rest, ok := strings.CutPrefix(it, "log:"); ok {
			name, text, _ := strings.Cut(rest, ":")
			if logs[name] == nil {
				logs[name] = &strings.Builder{}
				names = append(names, name)
			}
			logs[name].WriteString(text)
			continue
		}
		if strings.HasPrefix(it, "rc:") {
			flush()
		}
		out = append(out, it)
	}
	flush()
	return out
}

func normalise(o outcome, dir string, tarWrites bool) outcome {
	var items []string
	for _, it := range o.items {
		it = strings.ReplaceAll(it, dir, "BASEDIR")
		it = elapsedTimeRE.ReplaceAllString(it, "elapsedTime=*")
		if text, ok := strings.CutPrefix(it, "stdout:"); ok && strings.HasPrefix(text, "'") {
			lines := strings.SplitAfter(text, "\n") // cp -v: one line per file
			sort.Strings(lines)
			it = "stdout:" + strings.Join(lines, "")
		}
		items = append(items, it)
	}
	o.items = sortedFiles(mergeLogfiles(items))
	if tarWrites {
		// Archive bytes differ (gzip, PAX records): compare the calls only.
		var ev []string
		for _, e := range o.events {
			if strings.HasPrefix(e, "write ") {
				e = "write"
				if len(ev) > 0 && ev[len(ev)-1] == "write" {
					continue
				}
			}
			ev = append(ev, e)
		}
		o.events = ev
	}
	return o
}

func TestCompareWithRealWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real worker's Python code")
	}
	if err := exec.Command(realPython, "-c", "import buildbot_worker.commands.registry").Run(); err != nil {
		t.Skipf("buildbot-worker not importable by %s: %v", realPython, err)
	}
	shell := func(command any, extra map[string]any) map[string]any {
		a := map[string]any{"workdir": "BASEDIR/wd", "command": command, "env": map[string]any{},
			"want_stdout": true, "want_stderr": true, "logfiles": map[string]any{}, "timeout": int64(30),
			"maxTime": nil, "sigtermTime": nil, "usePTY": false, "logEnviron": false, "initial_stdin": nil,
			"interruptSignal": "KILL"}
		for k, v := range extra {
			a[k] = v
		}
		return a
	}
	scenarios := []scenario{
		{name: "shell argv env", cmd: "shell", args: shell([]any{"sh", "-c", `echo "FOO=$FOO L=$L S=$S H=${HOME-unset}"; pwd`}, map[string]any{
			"logEnviron": true, "workdir": "BASEDIR/new/dir",
			"env": map[string]any{"FOO": "bar", "L": []any{"a", "b"}, "HOME": nil, "S": "${LANG}-${NOPE}x", "PYTHONPATH": "lib"}})},
		{name: "shell string rc", cmd: "shell", args: shell("echo failing now; exit 3", nil)},
		{name: "shell quoting", cmd: "shell", args: shell([]any{"printf", `%s|%s\n`, "it's", ""}, map[string]any{"timeout": int64(1)})},
		{name: "shell newlines", cmd: "shell", args: shell([]any{"printf", `a\rb\r\nc\033[2Jd\b\be\n`}, nil)},
		{name: "shell timeout", cmd: "shell", args: shell([]any{"sh", "-c", "echo start; sleep 30"}, map[string]any{"timeout": int64(1)})},
		{name: "shell maxTime sigterm", cmd: "shell", args: shell([]any{"sleep", "30"}, map[string]any{"timeout": 1.5, "maxTime": int64(1), "sigtermTime": int64(1)})},
		{name: "shell interrupt", cmd: "shell", args: shell([]any{"sh", "-c", "echo started; sleep 30"}, nil), interrupt: 500 * time.Millisecond},
		{name: "shell interrupt TERM", cmd: "shell", args: shell([]any{"sleep", "30"}, map[string]any{"interruptSignal": "TERM"}), interrupt: 300 * time.Millisecond},
		{name: "shell stdin", cmd: "shell", args: shell([]any{"cat"}, map[string]any{"initial_stdin": "one\ntwo\n"})},
		{name: "shell no stdout", cmd: "shell", args: shell("echo out; echo err >&2", map[string]any{"want_stdout": false})},
		{name: "shell logfile", cmd: "shell", args: shell("echo a > my.log; echo out; sleep 0.2; printf 'b\\nc' >> my.log", map[string]any{"logfiles": map[string]any{"mylog": "my.log"}})},
		{name: "shell partial line", cmd: "shell", args: shell("printf 'no newline'", nil)},
		{name: "mkdir", cmd: "mkdir", args: map[string]any{"paths": []any{"BASEDIR/m/a/b", "BASEDIR/g"}}},
		{name: "mkdir under file", cmd: "mkdir", args: map[string]any{"paths": []any{"BASEDIR/file/x"}}},
		{name: "mkdir on file", cmd: "mkdir", args: map[string]any{"paths": []any{"BASEDIR/file"}}},
		{name: "rmdir", cmd: "rmdir", args: map[string]any{"paths": []any{"BASEDIR/rmme", "BASEDIR/nope"}, "logEnviron": false}},
		{name: "cpdir", cmd: "cpdir", args: map[string]any{"from_path": "BASEDIR/copyme", "to_path": "BASEDIR/cp/to", "logEnviron": false}},
		{name: "cpdir missing", cmd: "cpdir", args: map[string]any{"from_path": "BASEDIR/nope", "to_path": "BASEDIR/cp2/to", "logEnviron": false, "timeout": int64(5)}},
		{name: "stat", cmd: "stat", args: map[string]any{"path": "BASEDIR/file"}},
		{name: "stat missing", cmd: "stat", args: map[string]any{"path": "BASEDIR/nope"}},
		{name: "glob recursive", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/**"}},
		{name: "glob recursive txt", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/**/*.txt"}},
		{name: "glob set", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/[ab].*"}},
		{name: "glob hidden", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/.*"}},
		{name: "glob dirs", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/*/"}},
		{name: "glob literal", cmd: "glob", args: map[string]any{"path": "BASEDIR/g/a.txt"}},
		{name: "glob missing", cmd: "glob", args: map[string]any{"path": "BASEDIR/nope/*"}},
		{name: "listdir", cmd: "listdir", args: map[string]any{"path": "BASEDIR/g"}},
		{name: "listdir missing", cmd: "listdir", args: map[string]any{"path": "BASEDIR/nope"}},
		{name: "listdir file", cmd: "listdir", args: map[string]any{"path": "BASEDIR/file"}},
		{name: "rmfile", cmd: "rmfile", args: map[string]any{"path": "BASEDIR/rmfile.txt"}},
		{name: "rmfile missing", cmd: "rmfile", args: map[string]any{"path": "BASEDIR/nope"}},
		{name: "rmfile dir", cmd: "rmfile", args: map[string]any{"path": "BASEDIR/g"}},
		{name: "upload", cmd: "uploadFile", args: map[string]any{"path": "BASEDIR/up.bin", "blocksize": int64(16384), "maxsize": nil, "keepstamp": true}},
		{name: "upload maxsize", cmd: "upload_file", args: map[string]any{"path": "BASEDIR/up.bin", "blocksize": int64(16384), "maxsize": int64(20000), "keepstamp": false}},
		{name: "upload maxsize exact", cmd: "uploadFile", args: map[string]any{"path": "BASEDIR/up.bin", "blocksize": int64(16384), "maxsize": int64(40000)}},
		{name: "upload empty", cmd: "uploadFile", args: map[string]any{"path": "BASEDIR/empty", "blocksize": int64(16384), "maxsize": nil}},
		{name: "upload missing", cmd: "uploadFile", args: map[string]any{"path": "BASEDIR/nope", "blocksize": int64(16384), "maxsize": nil}},
		{name: "upload directory", cmd: "uploadDirectory", args: map[string]any{"path": "BASEDIR/g", "blocksize": int64(16384), "maxsize": nil, "compress": "gz"}},
		{name: "upload directory missing", cmd: "upload_directory", args: map[string]any{"path": "BASEDIR/nope", "blocksize": int64(16384), "maxsize": nil, "compress": nil}},
		{name: "download", cmd: "downloadFile", args: map[string]any{"path": "BASEDIR/dl/x/f", "blocksize": int64(4), "maxsize": nil, "mode": int64(0o600)}, download: "hello world"},
		{name: "download maxsize", cmd: "download_file", args: map[string]any{"path": "BASEDIR/dl/f", "blocksize": int64(4), "maxsize": int64(6), "mode": nil}, download: "hello world"},
		{name: "download to dir", cmd: "downloadFile", args: map[string]any{"path": "BASEDIR/g", "blocksize": int64(4), "maxsize": nil, "mode": nil}, download: "hello"},
	}
	realDirs := make([]string, len(scenarios))
	for i := range scenarios {
		realDirs[i] = t.TempDir()
		compareTree(t, realDirs[i])
	}
	wants := realWorkerOutcomes(t, scenarios, realDirs)
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			oursDir := t.TempDir()
			compareTree(t, oursDir)
			tarWrites := sc.cmd == "uploadDirectory"
			want := normalise(wants[i], realDirs[i], tarWrites)
			got := normalise(runnerOutcome(t, sc, oursDir), oursDir, tarWrites)
			if strings.Join(got.items, "\x00") != strings.Join(want.items, "\x00") {
				t.Errorf("updates differ\n got: %q\nwant: %q", got.items, want.items)
			}
			if strings.Join(got.events, ",") != strings.Join(want.events, ",") {
				t.Errorf("transfer calls differ\n got: %q\nwant: %q", got.events, want.events)
			}
			if got.failed != want.failed {
				t.Errorf("failed = %v, real worker %v", got.failed, want.failed)
			}
		})
	}
}
