package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/bbhost/bbhost/sdk/worker"
)

// Errors Run returns before a command starts (the worker refuses the
// start_command, no update is sent).
var (
	// ErrUnknownCommand: the command name is not one the worker implements.
	ErrUnknownCommand = errors.New("unrecognized WorkerCommand")
	// ErrMissingArgs: a required argument is absent.
	ErrMissingArgs = errors.New("missing args")
	// ErrDuplicateCommand: a command with the same ID is already running.
	ErrDuplicateCommand = errors.New("command ID already running")
)

// Options configures a Runner. The zero value gives buildbot-worker's
// defaults except BufferTimeout, which is short because a local worker has no
// network round trip to save.
type Options struct {
	// Logger receives debug logs of commands; nil discards them.
	Logger hclog.Logger
	// Environ is the worker's environment, the base of every shell command's
	// environment and the "environ" of Info; nil means os.Environ() at New.
	Environ []string
	// NumCPUs is reported in Info; 0 means runtime.NumCPU().
	NumCPUs int
	// Version is reported in Info; "" means DefaultVersion.
	Version string
	// OSReleaseFile is read for the os_* keys of Info; "" means
	// /etc/os-release.
	OSReleaseFile string
	// BufferSize is the worker's buffer_size: updates are held until this
	// many bytes are pending (default 65536).
	BufferSize int
	// BufferTimeout is the worker's buffer_timeout: the longest an update is
	// held (default 50ms; buildbot-worker uses 5s).
	BufferTimeout time.Duration
	// MaxLineLength is the worker's max_line_length (default 4096 bytes).
	MaxLineLength int
	// LogfilePollInterval is how often shell logfiles are read (default 2s,
	// the worker's LogFileWatcher.POLL_INTERVAL); they are read once more
	// when the command ends.
	LogfilePollInterval time.Duration
	// BackupTimeout is how long a killed process may take to exit before
	// the command gives up on it with rc -1 (default 5s, RunProcess's
	// BACKUP_TIMEOUT).
	BackupTimeout time.Duration
	// DeleteLeftoverDirs is reported in Info as delete_leftover_dirs.
	DeleteLeftoverDirs bool
}

// DefaultVersion is the version a Runner reports unless Options.Version is
// set: the buildbot-worker release whose behaviour it follows.
const DefaultVersion = "3.7.0-bbhost"

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Environ == nil {
		o.Environ = os.Environ()
	}
	if o.NumCPUs <= 0 {
		o.NumCPUs = runtime.NumCPU()
	}
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.OSReleaseFile == "" {
		o.OSReleaseFile = "/etc/os-release"
	}
	if o.BufferSize <= 0 {
		o.BufferSize = 64 * 1024
	}
	if o.BufferTimeout <= 0 {
		o.BufferTimeout = 50 * time.Millisecond
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = 4096
	}
	if o.LogfilePollInterval <= 0 {
		o.LogfilePollInterval = 2 * time.Second
	}
	if o.BackupTimeout <= 0 {
		o.BackupTimeout = 5 * time.Second
	}
	return o
}

// Runner runs remote commands in a worker base directory on this machine.
// It is safe for concurrent use: commands run in parallel, each in its own
// call to Run.
type Runner struct {
	basedir string
	opts    Options
	log     hclog.Logger
	environ map[string]string
	bufs    sync.Pool // 64 KiB read buffers for process output

	mu      sync.Mutex
	running map[string]*execution
}

// New returns a Runner for the worker base directory basedir (made absolute;
// relative paths in commands are resolved against it, as the worker runs in
// its base directory).
func New(basedir string, opts Options) *Runner {
	if abs, err := filepath.Abs(basedir); err == nil {
		basedir = abs
	}
	opts = opts.withDefaults()
	environ := make(map[string]string, len(opts.Environ))
	for _, kv := range opts.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			environ[k] = v
		}
	}
	return &Runner{
		basedir: basedir,
		opts:    opts,
		log:     opts.Logger,
		environ: environ,
		bufs:    sync.Pool{New: func() any { b := make([]byte, readBufferSize); return &b }},
		running: make(map[string]*execution),
	}
}

// Basedir returns the worker base directory.
func (r *Runner) Basedir() string { return r.basedir }

// Run executes cmd to completion, reporting to sink, and returns after the
// last update ("elapsed") was delivered. A non-nil error is a failure of the
// command itself, as when buildbot-worker's command raises (the master ends
// the step with EXCEPTION): updates up to "elapsed" were still sent. If ctx
// is cancelled (the connection is lost) the command's process group is
// killed and Run returns an error wrapping worker.ErrConnectionLost without
// sending anything more. An error from the sink also stops the command
// (its process is killed) and is returned wrapped.
func (r *Runner) Run(ctx context.Context, cmd worker.Command, sink worker.Sink) error {
	spec, ok := lookupCommand(cmd.Name)
	if !ok {
		return fmt.Errorf("run command %s: %w '%s'", cmd.ID, ErrUnknownCommand, cmd.Name)
	}
	a := args(cmd.Args)
	if miss := a.missing(spec.required...); len(miss) > 0 {
		return fmt.Errorf("run command %s: %s is %w: %s", cmd.ID, spec.class, ErrMissingArgs, strings.Join(miss, ", "))
	}
	x := r.newExecution(cmd, a, sink)
	if err := r.register(x); err != nil {
		return err
	}
	defer r.unregister(x)
	if err := ctx.Err(); err != nil {
		return connectionLost(cmd, err)
	}
	r.log.Debug("command started", "command", cmd.Name, "id", cmd.ID, "builder", cmd.Builder)

	err := spec.run(ctx, x)
	if errors.Is(err, worker.ErrConnectionLost) {
		return err
	}
	if ctx.Err() != nil {
		return connectionLost(cmd, ctx.Err())
	}
	if x.out.err != nil {
		return fmt.Errorf("%s command %s: send update: %w", cmd.Name, cmd.ID, x.out.err)
	}
	x.flushPartialLines()
	x.out.value(worker.Update{Key: "elapsed", Elapsed: time.Since(x.start).Seconds()})
	x.out.flush()
	if x.out.err != nil {
		return fmt.Errorf("%s command %s: send update: %w", cmd.Name, cmd.ID, x.out.err)
	}
	r.log.Debug("command finished", "command", cmd.Name, "id", cmd.ID, "error", err)
	if err != nil {
		return fmt.Errorf("%s command %s: %w", cmd.Name, cmd.ID, err)
	}
	return nil
}

func connectionLost(cmd worker.Command, cause error) error {
	return fmt.Errorf("%s command %s: %w (%w)", cmd.Name, cmd.ID, worker.ErrConnectionLost, cause)
}

// Interrupt stops a running command as buildbot-worker's interrupt_command
// does: a shell command's buffered output is sent, its process group is
// signalled (interruptSignal, or TERM then the signal after sigtermTime) and
// the command completes with rc -1; a transfer stops at its next block with
// rc 1; the file-system commands finish on their own. An unknown ID is
// ignored.
func (r *Runner) Interrupt(commandID, why string) error {
	r.mu.Lock()
	x := r.running[commandID]
	r.mu.Unlock()
	if x == nil {
		r.log.Debug("interrupt of an unknown command ignored", "id", commandID, "why", why)
		return nil
	}
	r.log.Debug("interrupting command", "id", commandID, "why", why)
	x.interrupted.Store(true)
	select {
	case x.interrupts <- why:
	default: // one pending interrupt is enough
	}
	return nil
}

func (r *Runner) register(x *execution) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.running[x.cmd.ID]; dup {
		return fmt.Errorf("run command %s: %w", x.cmd.ID, ErrDuplicateCommand)
	}
	r.running[x.cmd.ID] = x
	return nil
}

func (r *Runner) unregister(x *execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[x.cmd.ID] == x {
		delete(r.running, x.cmd.ID)
	}
}

// abs resolves a command path against the base directory, where the worker
// process runs.
func (r *Runner) abs(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(r.basedir, path)
}

// Running returns the number of commands running.
func (r *Runner) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.running)
}

// Drain waits until no command runs or ctx ends, and reports whether it
// drained. It does not stop new commands from starting.
func (r *Runner) Drain(ctx context.Context) bool {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for r.Running() > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
