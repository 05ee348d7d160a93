package steps

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bbhost/bbhost/host/botmaster/interpolate"
	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// SetProperty is `step "set_property"` (Buildbot's steps.master.SetProperty):
// sets a rendered property, with the step's name as its source.
type SetProperty struct {
	Cfg  config.SetPropertyStep
	Name string
}

// Run implements Step.
func (s *SetProperty) Run(ctx context.Context, sc Context) (int, error) {
	name, err := sc.Render(s.Cfg.Property)
	if err != nil {
		return results.Exception, err
	}
	if name == "" {
		return results.Exception, fmt.Errorf("set_property: empty property name")
	}
	value, err := sc.RenderValue(s.Cfg.Value)
	if err != nil {
		return results.Exception, err
	}
	sc.SetProperty(name, value, s.Name)
	return results.Success, nil
}

// SetPropertyFromCommand is `step "set_property_from_command"`: runs a
// command and sets a property to its stdout (stripped by default).
type SetPropertyFromCommand struct {
	Cfg    config.SetPropertyFromCommandStep
	Common config.StepCommon
	done   string
}

var _ Summarizer = (*SetPropertyFromCommand)(nil)

// Run implements Step.
func (s *SetPropertyFromCommand) Run(ctx context.Context, sc Context) (int, error) {
	command, _, err := RenderCommand(sc, s.Cfg.Command)
	if err != nil {
		return results.Exception, err
	}
	prop, err := sc.Render(s.Cfg.Property)
	if err != nil {
		return results.Exception, err
	}
	args, err := ShellArgs(sc, ShellOptions{Command: command, Env: s.Common.Env,
		Timeout: s.Common.Timeout, MaxTime: s.Common.MaxTime, WantStdout: true, WantStderr: true})
	if err != nil {
		return results.Exception, err
	}
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	cmd := &RemoteCommand{Name: worker.CmdShell, Args: args, Stdio: stdio, CollectStdout: true}
	if err := sc.RunCommand(ctx, cmd); err != nil {
		return results.Exception, err
	}
	if err := stdio.Finish(); err != nil {
		return results.Exception, err
	}
	if cmd.DidFail() {
		return results.Failure, nil
	}
	out := cmd.Stdout.String()
	if s.Cfg.Strip {
		out = strings.TrimSpace(out)
	}
	sc.SetProperty(prop, out, "SetPropertyFromCommand Step")
	changes := map[string]any{prop: out}
	lines := make([]string, 0, len(changes))
	for _, k := range sortedAnyKeys(changes) {
		lines = append(lines, fmt.Sprintf("%s: %s", k, interpolate.PyRepr(changes[k])))
	}
	if err := sc.AddCompleteLog("property changes", strings.Join(lines, "\n")); err != nil {
		return results.Exception, err
	}
	s.done = fmt.Sprintf("property '%s' set", prop)
	return results.Success, nil
}

// CurrentSummary implements Summarizer.
func (s *SetPropertyFromCommand) CurrentSummary() (string, bool) { return "", false }

// ResultSummary implements Summarizer: "property 'NAME' set".
func (s *SetPropertyFromCommand) ResultSummary(r int) (string, bool) {
	if s.done == "" || s.Common.DescriptionDone != "" {
		return "", false
	}
	summ := s.done
	if r != results.Success {
		summ += " (" + results.Name(r) + ")"
	}
	return summ, true
}

func sortedAnyKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
