package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bbhost/bbhost/plugins/local/runner"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

// Config is the block `worker "local" "NAME" { ... }`; max_builds and
// properties are common attributes the master reads itself.
type Config struct {
	Basedir string `hcl:"basedir,optional" doc:"the worker's base directory; default workers/NAME in the master's base directory (the plugin's working directory)"`
}

// Local is one local worker instance.
type Local struct {
	mu     sync.Mutex
	name   string
	cfg    Config
	log    hclog.Logger
	runner *runner.Runner
}

var _ worker.Worker = (*Local)(nil)

// Configure takes the configuration; a changed base directory needs a
// restart (commands may be running in the old one).
func (l *Local) Configure(ctx context.Context, req base.ConfigureRequest) error {
	var cfg Config
	if err := req.Decode(&cfg); err != nil {
		return err
	}
	if cfg.Basedir == "" {
		cfg.Basedir = filepath.Join("workers", req.Ref.Name)
	}
	abs, err := filepath.Abs(cfg.Basedir)
	if err != nil {
		return base.Diagnostics{base.AttrError("basedir", "Bad base directory", err.Error())}.Err()
	}
	cfg.Basedir = abs
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runner != nil && l.cfg.Basedir != cfg.Basedir {
		return base.ErrRestartRequired
	}
	l.name, l.cfg = req.Ref.Name, cfg
	l.log = req.Logger
	if l.log == nil {
		l.log = hclog.NewNullLogger()
	}
	return nil
}

// Start creates the base directory and the command runner.
func (l *Local) Start(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := os.MkdirAll(l.cfg.Basedir, 0o755); err != nil {
		return fmt.Errorf("create worker base directory: %w", err)
	}
	l.runner = runner.New(l.cfg.Basedir, runner.Options{Logger: l.log, Environ: buildEnviron(os.Environ())})
	l.log.Info("local worker ready", "basedir", l.cfg.Basedir)
	return nil
}

// Stop waits for running commands until the drain deadline, then kills them
// (their builds end RETRY on the master).
func (l *Local) Stop(ctx context.Context, drainDeadline time.Time) error {
	l.mu.Lock()
	r := l.runner
	l.runner = nil
	l.mu.Unlock()
	if r == nil {
		return nil
	}
	dctx, cancel := context.WithDeadline(ctx, drainDeadline)
	defer cancel()
	if !r.Drain(dctx) {
		l.log.Warn("commands still running at the drain deadline", "running", r.Running())
	}
	return nil
}

func (l *Local) current() (*runner.Runner, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.runner == nil {
		return nil, fmt.Errorf("local worker %q is not started", l.name)
	}
	return l.runner, nil
}

// Info reports the worker's description (get_worker_info).
func (l *Local) Info(ctx context.Context) (worker.Info, error) {
	r, err := l.current()
	if err != nil {
		return nil, err
	}
	return r.Info(), nil
}

// RunCommand runs one remote command.
func (l *Local) RunCommand(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	return r.Run(ctx, cmd, sink)
}

// Interrupt stops a running command.
func (l *Local) Interrupt(ctx context.Context, commandID, why string) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	return r.Interrupt(commandID, why)
}

// buildEnviron is the environment builds start from: the plugin's own,
// without what go-plugin put there for the handshake (the magic cookie, the
// client certificate, socket and port settings), which builds must not see.
func buildEnviron(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PLUGIN_") || name == transport.Handshake.MagicCookieKey {
			continue
		}
		out = append(out, kv)
	}
	return out
}
