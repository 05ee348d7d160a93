package steps

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// Shell is `step "shell"` (Buildbot's ShellCommand).
type Shell struct {
	Cfg    config.ShellStep
	Common config.StepCommon
	// words is the rendered command, for the summary.
	words []string
}

var _ Summarizer = (*Shell)(nil)

// Run implements Step.
func (s *Shell) Run(ctx context.Context, sc Context) (int, error) {
	command, words, err := RenderCommand(sc, s.Cfg.Command)
	if err != nil {
		return results.Exception, err
	}
	s.words = words
	sc.UpdateSummary()
	args, err := ShellArgs(sc, ShellOptions{
		Command:    command,
		Env:        s.Common.Env,
		Timeout:    s.Common.Timeout,
		MaxTime:    s.Common.MaxTime,
		LogFiles:   s.Cfg.LogFiles,
		UsePTY:     s.Cfg.Usepty,
		WantStdout: s.Cfg.WantStdout,
		WantStderr: s.Cfg.WantStderr,
	})
	if err != nil {
		return results.Exception, err
	}
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	cmd := &RemoteCommand{Name: worker.CmdShell, Args: args, Stdio: stdio}
	if len(s.Cfg.LogFiles) > 0 {
		cmd.Logs = map[string]*logs.Writer{}
		for _, name := range sortedNames(s.Cfg.LogFiles) {
			// Buildbot adds logfiles' logs with addLog(name): stdio type.
			w, err := sc.AddLog(name, logs.TypeStdio)
			if err != nil {
				return results.Exception, err
			}
			cmd.Logs[name] = w
		}
	}
	if err := sc.RunCommand(ctx, cmd); err != nil {
		return results.Exception, err
	}
	return cmd.Results(s.Cfg.DecodeRC), nil
}

// CurrentSummary implements Summarizer: the description, else "running".
func (s *Shell) CurrentSummary() (string, bool) { return "", false }

// ResultSummary implements Summarizer: Buildbot's ShellMixin summary, the
// quoted command (first two words and "..." when longer), unless
// description_done is set.
func (s *Shell) ResultSummary(r int) (string, bool) {
	if s.Common.DescriptionDone != "" {
		return "", false
	}
	words := s.words
	if words == nil {
		// Not run (skipped): Buildbot renders the command before do_step_if;
		// the configured words stand in for it.
		words = s.Cfg.Command.Argv
		if words == nil {
			words = strings.Fields(s.Cfg.Command.Shell)
		}
	}
	summ := CommandToString(words)
	if summ == "" {
		return "", false
	}
	if r != results.Success {
		summ += " (" + results.Name(r) + ")"
	}
	return summ, true
}

// CommandToString is Buildbot's command_to_string: "'a b'" for up to two
// words, "'a b ...'" for more.
func CommandToString(words []string) string {
	if len(words) == 0 {
		return ""
	}
	if len(words) < 3 {
		return "'" + strings.Join(words, " ") + "'"
	}
	return "'" + strings.Join(words[:2], " ") + " ...'"
}

// RenderCommand renders a configured command: a list renders element by
// element into []string; a string renders into a string run by the
// worker's shell. words are the command's words for summaries.
func RenderCommand(sc Context, c config.Command) (command any, words []string, err error) {
	if c.Argv != nil {
		argv := make([]string, len(c.Argv))
		for i, a := range c.Argv {
			if argv[i], err = sc.Render(a); err != nil {
				return nil, nil, err
			}
		}
		return argv, argv, nil
	}
	s, err := sc.Render(c.Shell)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil, fmt.Errorf("empty command")
	}
	return s, strings.Fields(s), nil
}

// ShellOptions are the arguments of a shell remote command before they are
// rendered and made absolute.
type ShellOptions struct {
	Command any // []string or string, rendered
	// Workdir is relative to the builder directory; "" is the step's workdir.
	Workdir    string
	Env        map[string]string // the step's env (rendered here)
	Timeout    time.Duration     // 0 = no timeout
	MaxTime    time.Duration     // 0 = none
	LogFiles   map[string]string
	UsePTY     bool
	WantStdout bool
	WantStderr bool
	// SigtermTime sends TERM that long before KILL (Git uses 1 s); 0 = KILL at once.
	SigtermTime  time.Duration
	InitialStdin *string
	LogEnviron   *bool // nil = true
}

// ShellArgs builds a shell command's arguments as Buildbot's master sends
// them (worker-protocol §8): absolute workdir, builder env overlaid with the
// step env, timeouts in seconds.
func ShellArgs(sc Context, o ShellOptions) (map[string]any, error) {
	env, err := sc.BuilderEnv()
	if err != nil {
		return nil, err
	}
	merged := make(map[string]string, len(env)+len(o.Env))
	for k, v := range env {
		merged[k] = v
	}
	for k, v := range o.Env {
		r, err := sc.Render(v)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", k, err)
		}
		merged[k] = r
	}
	workdir := o.Workdir
	if workdir == "" {
		workdir = sc.Workdir()
	}
	logfiles := map[string]any{}
	for k, v := range o.LogFiles {
		r, err := sc.Render(v)
		if err != nil {
			return nil, fmt.Errorf("logfiles %s: %w", k, err)
		}
		logfiles[k] = r
	}
	logEnviron := true
	if o.LogEnviron != nil {
		logEnviron = *o.LogEnviron
	}
	args := map[string]any{
		"workdir":       sc.WorkerPathJoin(sc.BuilderDir(), workdir),
		"command":       o.Command,
		"env":           merged,
		"want_stdout":   o.WantStdout,
		"want_stderr":   o.WantStderr,
		"logfiles":      logfiles,
		"timeout":       seconds(o.Timeout),
		"maxTime":       seconds(o.MaxTime),
		"sigtermTime":   seconds(o.SigtermTime),
		"usePTY":        o.UsePTY,
		"logEnviron":    logEnviron,
		"initial_stdin": nil,
	}
	if o.InitialStdin != nil {
		args["initial_stdin"] = *o.InitialStdin
	}
	if o.SigtermTime == 0 {
		args["interruptSignal"] = "KILL"
	}
	return args, nil
}

// seconds renders a duration as Buildbot's seconds: nil for 0, an int64
// when whole, else a float64.
func seconds(d time.Duration) any {
	if d <= 0 {
		return nil
	}
	if d%time.Second == 0 {
		return int64(d / time.Second)
	}
	return d.Seconds()
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
