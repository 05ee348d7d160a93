package steps

import (
	"context"

	"github.com/bbhost/bbhost/host/botmaster/logs"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
	"github.com/bbhost/bbhost/sdk/worker"
)

// MakeDirectory is `step "mkdir"` (Buildbot's MakeDirectory): creates dir,
// relative to the builder directory, with its parents.
type MakeDirectory struct{ Cfg config.DirStep }

// RemoveDirectory is `step "rmdir"` (Buildbot's RemoveDirectory).
type RemoveDirectory struct{ Cfg config.DirStep }

// Run implements Step.
func (s *MakeDirectory) Run(ctx context.Context, sc Context) (int, error) {
	return runDirCommand(ctx, sc, worker.CmdMkdir, s.Cfg.Dir)
}

// Run implements Step.
func (s *RemoveDirectory) Run(ctx context.Context, sc Context) (int, error) {
	return runDirCommand(ctx, sc, worker.CmdRmdir, s.Cfg.Dir)
}

func runDirCommand(ctx context.Context, sc Context, name, dir string) (int, error) {
	d, err := sc.Render(dir)
	if err != nil {
		return results.Exception, err
	}
	stdio, err := sc.AddLog("stdio", logs.TypeStdio)
	if err != nil {
		return results.Exception, err
	}
	cmd := &RemoteCommand{Name: name, Stdio: stdio, Args: map[string]any{
		"paths":      []string{sc.WorkerPathJoin(sc.BuilderDir(), d)},
		"logEnviron": true,
	}}
	if err := sc.RunCommand(ctx, cmd); err != nil {
		return results.Exception, err
	}
	if cmd.DidFail() {
		return results.Failure, nil
	}
	return results.Success, nil
}
