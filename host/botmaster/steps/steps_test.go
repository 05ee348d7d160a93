package steps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/interpolate"
	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// fakeContext is a unit-test Context: properties in a map, commands
// recorded and answered by reply.
type fakeContext struct {
	props   map[string]any
	sources []SourceStamp
	env     map[string]string
	cmds    []*RemoteCommand
	reply   func(c *RemoteCommand) error
	basedir string
}

func (f *fakeContext) vals() interpolate.Values { return interpolate.Values{Props: f.props} }
func (f *fakeContext) Render(s string) (string, error) {
	return interpolate.Render(s, f.vals())
}
func (f *fakeContext) RenderValue(v any) (any, error) {
	if s, ok := v.(string); ok {
		return f.Render(s)
	}
	return v, nil
}
func (f *fakeContext) Property(n string) (any, bool)         { v, ok := f.props[n]; return v, ok }
func (f *fakeContext) SetProperty(n string, v any, _ string) { f.props[n] = v }
func (f *fakeContext) SourceStamp(cb string) (SourceStamp, bool) {
	for _, s := range f.sources {
		if s.Codebase == cb {
			return s, true
		}
	}
	return SourceStamp{}, false
}
func (f *fakeContext) SourceStamps() []SourceStamp                 { return f.sources }
func (f *fakeContext) BuildID() int64                              { return 7 }
func (f *fakeContext) BuilderName() string                         { return "b" }
func (f *fakeContext) WorkerName() string                          { return "w" }
func (f *fakeContext) BuilderEnv() (map[string]string, error)      { return f.env, nil }
func (f *fakeContext) LogEncoding() string                         { return "" }
func (f *fakeContext) WorkerPathJoin(p ...string) string           { return filepath.Join(p...) }
func (f *fakeContext) BuilderDir() string                          { return "/wb/b" }
func (f *fakeContext) Workdir() string                             { return "build" }
func (f *fakeContext) MasterBasedir() string                       { return f.basedir }
func (f *fakeContext) WorkerEnviron() map[string]string            { return map[string]string{"HOME": "/home/w"} }
func (f *fakeContext) AddLog(string, string) (*logs.Writer, error) { return nil, nil }
func (f *fakeContext) AddCompleteLog(string, string) error         { return nil }
func (f *fakeContext) AddURL(string, string) error                 { return nil }
func (f *fakeContext) UpdateSummary()                              {}
func (f *fakeContext) Stopped() bool                               { return false }
func (f *fakeContext) Triggerer() Triggerer                        { return nil }
func (f *fakeContext) WaitBuildsetComplete() func(context.Context, int64) (int, error) {
	return nil
}
func (f *fakeContext) CancelBuildRequest(context.Context, int64, string) error { return nil }
func (f *fakeContext) RunCommand(_ context.Context, c *RemoteCommand) error {
	f.cmds = append(f.cmds, c)
	if f.reply != nil {
		return f.reply(c)
	}
	return c.Update(worker.Update{Key: "rc", RC: 0})
}

func TestCommandToString(t *testing.T) {
	for words, want := range map[string]string{"": "", "make": "'make'", "make all": "'make all'", "make -j4 all": "'make -j4 ...'"} {
		var w []string
		if words != "" {
			w = splitWords(words)
		}
		if got := CommandToString(w); got != want {
			t.Errorf("%q → %q, want %q", words, got, want)
		}
	}
}

func splitWords(s string) []string {
	var out []string
	cur := ""
	for _, r := range s + " " {
		if r == ' ' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(r)
	}
	return out
}

func TestRemoteCommandResults(t *testing.T) {
	c := &RemoteCommand{}
	if c.Results(nil) != results.Failure || !c.DidFail() {
		t.Error("no rc must be FAILURE")
	}
	_ = c.Update(worker.Update{Key: "rc", RC: 0})
	if c.Results(nil) != results.Success {
		t.Error("rc 0")
	}
	_ = c.Update(worker.Update{Key: "rc", RC: 3})
	decode := map[int]int{0: results.Success, 3: results.Warnings}
	if c.Results(decode) != results.Warnings || c.Results(nil) != results.Failure {
		t.Error("decode_rc")
	}
	c.Interrupted.Store(true)
	if c.Results(decode) != results.Cancelled {
		t.Error("interrupted must be CANCELLED")
	}
	if _, err := c.DownloadRead(10); !errors.Is(err, ErrNoTransfer) {
		t.Error("download without source")
	}
}

func TestShellArgs(t *testing.T) {
	f := &fakeContext{props: map[string]any{"v": "x"}, env: map[string]string{"A": "builder", "B": "builder"}}
	args, err := ShellArgs(f, ShellOptions{Command: []string{"ls"}, Env: map[string]string{"B": "step-%(prop:v)s"},
		Timeout: 90 * time.Second, MaxTime: 1500 * time.Millisecond, WantStdout: true, LogFiles: map[string]string{"l": "%(prop:v)s.log"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"workdir": "/wb/b/build", "timeout": int64(90), "maxTime": 1.5, "sigtermTime": nil,
		"want_stdout": true, "want_stderr": false, "interruptSignal": "KILL",
		"env":      map[string]string{"A": "builder", "B": "step-x"},
		"logfiles": map[string]any{"l": "x.log"}}
	for k, v := range want {
		if !reflect.DeepEqual(args[k], v) {
			t.Errorf("%s = %#v, want %#v", k, args[k], v)
		}
	}
	args, _ = ShellArgs(f, ShellOptions{Command: "true", SigtermTime: time.Second, Workdir: "source"})
	if args["sigtermTime"] != int64(1) || args["interruptSignal"] != nil || args["workdir"] != "/wb/b/source" || args["timeout"] != nil {
		t.Errorf("git-style args %v", args)
	}
}

func TestShellStepDecodeRC(t *testing.T) {
	f := &fakeContext{props: map[string]any{"target": "all"}, reply: func(c *RemoteCommand) error {
		return c.Update(worker.Update{Key: "rc", RC: 2})
	}}
	s := &Shell{Cfg: config.ShellStep{Command: config.Command{Argv: []string{"make", "%(prop:target)s"}},
		DecodeRC: map[int]int{2: results.Warnings}, WantStdout: true, WantStderr: true}, Common: config.StepCommon{Timeout: time.Minute}}
	r, err := s.Run(context.Background(), f)
	if err != nil || r != results.Warnings {
		t.Fatalf("Run = %v, %v", r, err)
	}
	if got := f.cmds[0].Args["command"]; !reflect.DeepEqual(got, []string{"make", "all"}) {
		t.Errorf("command %v", got)
	}
	if sum, _ := s.ResultSummary(r); sum != "'make all' (warnings)" {
		t.Errorf("summary %q", sum)
	}
}

func TestTriggerSourceStamps(t *testing.T) {
	rev := "r1"
	f := &fakeContext{props: map[string]any{"got_revision": map[string]any{"b": "new"}},
		sources: []SourceStamp{{Codebase: "b", Revision: &rev}, {Codebase: "a", Revision: &rev}}}
	tr := &Trigger{Cfg: config.TriggerStep{UpdateSourceStamp: true}}
	ss := tr.sourceStamps(f)
	if len(ss) != 2 || ss[0].Codebase != "a" || *ss[0].Revision != "r1" || *ss[1].Revision != "new" {
		t.Errorf("stamps %+v", ss)
	}
	tr.Cfg.AlwaysUseLatest = true
	if tr.sourceStamps(f) != nil {
		t.Error("always_use_latest must send no stamps")
	}
}

func TestFileWriter(t *testing.T) {
	dir := t.TempDir()
	mode := 0o600
	w, err := newFileWriter(filepath.Join(dir, "sub", "out"), 5, &mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("hello world")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "sub", "out"))
	st, _ := os.Stat(filepath.Join(dir, "sub", "out"))
	if string(got) != "hello" || st.Mode().Perm() != 0o600 {
		t.Errorf("uploaded %q mode %v", got, st.Mode())
	}
	w2, _ := newFileWriter(filepath.Join(dir, "never"), 0, nil)
	w2.Write([]byte("x"))
	w2.cancel()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "sub" {
			t.Errorf("left behind %s", e.Name())
		}
	}
}
