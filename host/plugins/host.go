package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
)

// ServiceName is the Host's name in the service tree.
const ServiceName = "plugins"

// ReconfigPriority makes the Host reconfigure before the managers of
// plugin instances (change_svc, scheduler_manager, user_manager, workers),
// so new plugin processes are ready when they move their instances.
const ReconfigPriority = 1000

// Options configure a Host.
type Options struct {
	// Basedir is the master's base directory: <basedir>/plugins,
	// <basedir>/.bbhost.lock.hcl and <basedir>/run/plugins live there.
	Basedir string
	// BinaryDir is searched after <basedir>/plugins; "" means the
	// directory of the running executable, "-" none.
	BinaryDir string
	Logger    hclog.Logger
	// Registry receives the Host's metrics (nil: not registered).
	Registry *prometheus.Registry
	// Services is what plugins may ask of the master. Nil is allowed for
	// tools that only describe plugins: every Host call then fails.
	Services HostServices
	// MQ delivers the events Subscribe streams.
	MQ mq.MQ

	// RestartBackoff is the first delay before restarting a crashed
	// plugin; it doubles up to MaxRestartBackoff (defaults 1 s and 1 min)
	// and starts over after a process has run for BackoffReset (5 min).
	RestartBackoff    time.Duration
	MaxRestartBackoff time.Duration
	BackoffReset      time.Duration
	// PingInterval and PingTimeout drive the health check (5 s, 5 s).
	PingInterval time.Duration
	PingTimeout  time.Duration
	// CallTimeout bounds lifecycle calls to plugins (30 s).
	CallTimeout time.Duration
	// StartTimeout bounds a plugin's start-up handshake (1 min).
	StartTimeout time.Duration
	// DrainTimeout bounds an instance's drain on stop (30 s).
	DrainTimeout time.Duration
	// ClaimInterval is how often an instance another master runs tries to
	// take it over (Buildbot's 5 min).
	ClaimInterval time.Duration
	// ExtraEnv is added to the allowed part of the master's environment in
	// every plugin process ("K=V").
	ExtraEnv []string
}

func (o *Options) defaults() error {
	if o.Basedir == "" {
		return errors.New("plugins: no base directory")
	}
	abs, err := filepath.Abs(o.Basedir)
	if err != nil {
		return err
	}
	o.Basedir = abs
	switch o.BinaryDir {
	case "":
		if exe, err := os.Executable(); err == nil {
			o.BinaryDir = filepath.Dir(exe)
		}
	case "-":
		o.BinaryDir = ""
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.RestartBackoff, time.Second)
	def(&o.MaxRestartBackoff, time.Minute)
	def(&o.BackoffReset, 5*time.Minute)
	def(&o.PingInterval, 5*time.Second)
	def(&o.PingTimeout, 5*time.Second)
	def(&o.CallTimeout, 30*time.Second)
	def(&o.StartTimeout, time.Minute)
	def(&o.DrainTimeout, 30*time.Second)
	def(&o.ClaimInterval, 5*time.Minute)
	return nil
}

var errNoServices = errors.New("this bbhost process serves no master services to plugins")

// Host runs the master's plugin processes. It is a service of the tree
// (ServiceName) that reconfigures before the instance managers: it swaps
// changed plugin binaries and runs plugin workers (see ConnProvider).
type Host struct {
	opts      Options
	log       hclog.Logger
	svc       HostServices
	mq        mq.MQ
	catalog   *Catalog
	metrics   *metrics
	spawner   *spawner
	socketDir string

	mu        sync.Mutex
	slots     map[string]*slot
	hostKinds map[hostKind]base.Block
	index     *kindIndex
	stopped   atomic.Bool
	pending   *pendingSwap
	workers   *service.NamedManager[*config.Config, InstanceConfig]
	wg        sync.WaitGroup
	stopCh    chan struct{}
}

type hostKind struct {
	typ  base.ComponentType
	kind string
}

// New returns a Host. It starts no process until asked for a schema, a
// validation or an instance.
func New(o Options) (*Host, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	m, err := newMetrics(o.Registry)
	if err != nil {
		return nil, fmt.Errorf("plugins: metrics: %w", err)
	}
	socketDir := filepath.Join(o.Basedir, "run", "plugins")
	if err := os.MkdirAll(socketDir, 0o700); err != nil {
		return nil, fmt.Errorf("plugins: create %s: %w", socketDir, err)
	}
	if err := os.Chmod(socketDir, 0o700); err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	h := &Host{opts: o, log: o.Logger, svc: o.Services, mq: o.MQ, metrics: m, spawner: newSpawner(), socketDir: socketDir,
		catalog: NewCatalog(o.Basedir, o.BinaryDir, o.Logger.Named("plugins")), slots: map[string]*slot{},
		hostKinds: map[hostKind]base.Block{}, stopCh: make(chan struct{})}
	h.workers = service.NewNamedManager(service.ManagerOptions[*config.Config, InstanceConfig]{
		Name:   "plugin workers",
		New:    h.newWorkerService,
		Equal:  InstanceConfig.Equal,
		Select: func(cfg *config.Config) []service.Item[InstanceConfig] { return h.Items(cfg, config.TypeWorker) },
	})
	return h, nil
}

// Catalog returns the Host's catalog.
func (h *Host) Catalog() *Catalog { return h.catalog }

// Name implements service.Service.
func (h *Host) Name() string { return ServiceName }

// ReconfigPriority implements service.Prioritized.
func (h *Host) ReconfigPriority() int { return ReconfigPriority }

// Start implements service.Service; plugin workers arrive with the first
// Reconfigure.
func (h *Host) Start(ctx context.Context) error { return h.workers.Start(ctx) }

// Stop stops the plugin workers and every plugin process (instances are
// drained until ctx's deadline or DrainTimeout), and the restart loops.
func (h *Host) Stop(ctx context.Context) error {
	err := h.workers.Stop(ctx)
	h.Close()
	return err
}

// Close kills every plugin process at once (after a short drain) and stops
// the Host; it is what tools such as `bbhost validate` call when done.
func (h *Host) Close() {
	if h.stopped.Swap(true) {
		return
	}
	close(h.stopCh)
	h.mu.Lock()
	slots := make([]*slot, 0, len(h.slots))
	for _, s := range h.slots {
		slots = append(slots, s)
	}
	h.mu.Unlock()
	var procs []*process
	for _, s := range slots {
		procs = append(procs, s.allProcesses()...)
	}
	drain := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func(p *process) {
			defer wg.Done()
			p.kill(drain)
		}(p)
	}
	wg.Wait()
	h.wg.Wait()
	h.spawner.close()
	// A start that raced with Close has failed or installed its process by
	// now: sweep again (kill is idempotent).
	for _, s := range slots {
		for _, p := range s.allProcesses() {
			p.kill(time.Now())
		}
	}
}

func (h *Host) isStopped() bool { return h.stopped.Load() }

// slot returns the slot of plugin name, creating it.
func (h *Host) slot(name string) *slot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.slots[name]
	if !ok {
		s = &slot{h: h, name: name, members: map[base.ID]*Instance{}}
		h.slots[name] = s
	}
	return s
}

// RegisterHostKind declares a kind the master serves itself (such as the
// `remote` worker of the pbmanager), with its configuration struct, so its
// blocks get a schema and validate like plugin blocks. The Host runs no
// instance of it.
func (h *Host) RegisterHostKind(typ config.PluginType, kind string, cfg any) error {
	schema, err := base.SchemaOf(cfg)
	if err != nil {
		return fmt.Errorf("host kind %s %q: %w", typ, kind, err)
	}
	h.mu.Lock()
	h.hostKinds[hostKind{base.ComponentType(typ), kind}] = schema
	h.mu.Unlock()
	return nil
}

func (h *Host) hostKind(typ base.ComponentType, kind string) (base.Block, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.hostKinds[hostKind{typ, kind}]
	return b, ok
}

// isHostProvided reports whether blocks of (typ, kind) are served by the
// master itself (registered with RegisterHostKind, or built into the
// configuration loader) rather than a plugin.
func (h *Host) isHostProvided(typ config.PluginType, kind string) bool {
	if _, ok := h.hostKind(base.ComponentType(typ), kind); ok {
		return true
	}
	if h.providerOf(base.ComponentType(typ), kind) != "" {
		return false
	}
	_, builtin := config.BuiltinSpec(typ, kind)
	return builtin
}

// drainDeadline is when a stop started now must be over.
func (h *Host) drainDeadline(ctx context.Context) time.Time {
	d := time.Now().Add(h.opts.DrainTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

func (h *Host) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, h.opts.CallTimeout)
}
