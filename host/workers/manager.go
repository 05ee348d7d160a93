package workers

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

// ServiceName is the WorkerManager's name in the service tree.
const ServiceName = "workers"

// ReconfigPriority is Buildbot's: workers reconfigure after the botmaster
// (128), so builders know their workers' new lists first.
const ReconfigPriority = 127

// Updates are the data-layer update methods for workers.
type Updates interface {
	// FindWorkerID finds or creates the workers row of a name.
	FindWorkerID(ctx context.Context, name string) (int64, error)
	// WorkerConfigured records the builders of this master that list the
	// worker (none when it is removed).
	WorkerConfigured(ctx context.Context, workerID, masterID int64, builderIDs []int64) error
	// WorkersConfigured does the same for many workers in one transaction
	// (worker id → builder ids), writing only the difference.
	WorkersConfigured(ctx context.Context, masterID int64, cfg map[int64][]int64) error
	// WorkerConnected records the connection and the worker's info and
	// publishes workers.<id>.connected.
	WorkerConnected(ctx context.Context, workerID, masterID int64, info map[string]any) error
	// WorkerDisconnected publishes workers.<id>.disconnected.
	WorkerDisconnected(ctx context.Context, workerID, masterID int64) error
	// SetWorkerState records paused/graceful and publishes
	// workers.<id>.state_updated.
	SetWorkerState(ctx context.Context, workerID int64, paused, graceful bool) error
}

// Listener is told about workers' connections; the botmaster implements it.
// Calls come from the workers' goroutines and must not block for long.
type Listener interface {
	// WorkerAttached: the worker connected; attach it to its builders.
	WorkerAttached(w *Worker)
	// WorkerDetached: the worker's connection is gone.
	WorkerDetached(w *Worker)
	// WorkerAvailable: the worker may take builds again (a build finished,
	// unpaused, quarantine over, reconfigured).
	WorkerAvailable(w *Worker)
	// BuilderIDsForWorker returns the ids of the builders listing a worker.
	BuilderIDsForWorker(name string) []int64
}

// Options configure a Manager.
type Options struct {
	Logger   hclog.Logger
	MQ       mq.MQ
	Updates  Updates
	Provider ConnProvider
	// MasterID returns the master's id (known once the master registered).
	MasterID func() int64
}

// Manager is the WorkerManager: a NamedManager of worker services keyed by
// name, plus the index the botmaster and the controls use.
type Manager struct {
	*service.NamedManager[*config.Config, config.PluginBlock]
	log      hclog.Logger
	wlog     hclog.Logger // the workers' logger, each adds its name
	mq       mq.MQ
	updates  Updates
	provider ConnProvider
	masterID func() int64

	mu       sync.RWMutex
	byName   map[string]*Worker
	byID     map[int64]*Worker
	listener Listener
	ctl      mq.Consumer
	// configured is what UpdateConfigured last wrote (worker id → builder
	// ids), so an unchanged worker costs no database work.
	configured map[int64][]int64
}

var (
	_ service.Service                        = (*Manager)(nil)
	_ service.Reconfigurable[*config.Config] = (*Manager)(nil)
)

// New returns a stopped WorkerManager.
func New(o Options) *Manager {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.MasterID == nil {
		o.MasterID = func() int64 { return 0 }
	}
	m := &Manager{log: o.Logger, wlog: o.Logger.Named("worker"), mq: o.MQ, updates: o.Updates, provider: o.Provider,
		masterID: o.MasterID, byName: map[string]*Worker{}, byID: map[int64]*Worker{}}
	m.NamedManager = service.NewNamedManager(service.ManagerOptions[*config.Config, config.PluginBlock]{
		Name:     ServiceName,
		Priority: ReconfigPriority,
		New:      m.newWorker,
		Equal:    func(a, b config.PluginBlock) bool { return a.Equal(b) },
		Select: func(c *config.Config) []service.Item[config.PluginBlock] {
			out := make([]service.Item[config.PluginBlock], len(c.Workers))
			for i, w := range c.Workers {
				out[i] = service.Item[config.PluginBlock]{Name: w.Name, Config: w}
			}
			return out
		},
	})
	return m
}

// SetListener sets who hears about connections (the botmaster).
func (m *Manager) SetListener(l Listener) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.listener = l
}

func (m *Manager) newWorker(_ context.Context, name string, cfg config.PluginBlock) (service.Service, error) {
	if m.provider == nil {
		return nil, fmt.Errorf("worker %s: no connection provider", name)
	}
	return &Worker{mgr: m, name: name, kind: cfg.Kind, cfg: cfg,
		log: m.wlog.With("worker", name)}, nil
}

// Start starts the manager and its control consumer.
func (m *Manager) Start(ctx context.Context) error {
	if err := m.NamedManager.Start(ctx); err != nil {
		return err
	}
	if m.mq != nil {
		m.ctl = m.mq.Consume(mq.Key{"control", "worker", "*", "*"}, m.onControl)
	}
	return nil
}

// Stop stops every worker.
func (m *Manager) Stop(ctx context.Context) error {
	if m.ctl != nil {
		m.ctl.Stop()
	}
	return m.NamedManager.Stop(ctx)
}

// Reconfigure applies the worker blocks, then records which builders list
// each worker (workerConfigured), as Buildbot's updateWorker.
func (m *Manager) Reconfigure(ctx context.Context, cfg *config.Config) (service.Commit, error) {
	commit, err := m.NamedManager.Reconfigure(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.UpdateConfigured(ctx)
	return commit, nil
}

// UpdateConfigured writes every worker's builder list (configured_workers).
func (m *Manager) UpdateConfigured(ctx context.Context) {
	m.mu.RLock()
	l := m.listener
	ws := make([]*Worker, 0, len(m.byName))
	for _, w := range m.byName {
		ws = append(ws, w)
	}
	m.mu.RUnlock()
	if l == nil {
		return
	}
	want := make(map[int64][]int64, len(ws))
	for _, w := range ws {
		want[w.ID()] = l.BuilderIDsForWorker(w.name) // outside m.mu: it takes the botmaster's lock
	}
	cfg := make(map[int64][]int64, len(ws))
	m.mu.Lock()
	if m.configured == nil {
		m.configured = map[int64][]int64{}
	}
	for id, ids := range want {
		if prev, ok := m.configured[id]; ok && sameIDs(prev, ids) {
			continue
		}
		cfg[id] = ids
	}
	m.mu.Unlock()
	if len(cfg) == 0 {
		return
	}
	if err := m.updates.WorkersConfigured(ctx, m.masterID(), cfg); err != nil {
		m.log.Error("recording configured workers", "error", err)
		return
	}
	m.mu.Lock()
	for id, ids := range cfg {
		m.configured[id] = ids
	}
	m.mu.Unlock()
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Worker returns the worker called name, or nil.
func (m *Manager) Worker(name string) *Worker {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.byName[name]
}

// WorkerByID returns the worker with a workers-table id, or nil.
func (m *Manager) WorkerByID(id int64) *Worker {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.byID[id]
}

// Connected returns the workers that have a connection.
func (m *Manager) Connected() []*Worker {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []*Worker
	for _, w := range m.byName {
		if w.Connected() {
			out = append(out, w)
		}
	}
	return out
}

// pushes reports whether the provider pushes the connections of kind.
func (m *Manager) pushes(kind string) bool {
	pu, ok := m.provider.(Pusher)
	return ok && pu.Pushes(kind)
}

// Attach hands over a connection of the worker called name, for providers
// whose connections are pushed (see Pusher): a worker protocol calls it when
// an authenticated buildbot-worker connected. lost is closed when the
// connection ends.
func (m *Manager) Attach(name string, conn worker.Conn, lost <-chan struct{}) error {
	w := m.Worker(name)
	if w == nil {
		return fmt.Errorf("attach %q: %w", name, ErrUnknownWorker)
	}
	return w.attach(conn, lost)
}

func (m *Manager) register(w *Worker) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byName[w.name] = w
	m.byID[w.ID()] = w
}

func (m *Manager) unregister(w *Worker) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.configured, w.ID())
	if m.byName[w.name] == w {
		delete(m.byName, w.name)
	}
	if m.byID[w.ID()] == w {
		delete(m.byID, w.ID())
	}
}

func (m *Manager) getListener() Listener {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.listener
}

func (m *Manager) attached(w *Worker) {
	if l := m.getListener(); l != nil {
		l.WorkerAttached(w)
	}
}

func (m *Manager) detached(w *Worker) {
	if l := m.getListener(); l != nil {
		l.WorkerDetached(w)
	}
}

func (m *Manager) available(w *Worker) {
	if l := m.getListener(); l != nil {
		l.WorkerAvailable(w)
	}
}

func (m *Manager) shutdownWorker(w *Worker, graceful bool) {
	d, ok := m.provider.(Disconnecter)
	if !ok {
		m.log.Warn("worker kind cannot be shut down from the master", "worker", w.name)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.Disconnect(ctx, w.name, graceful); err != nil {
			m.log.Warn("shutting down worker", "worker", w.name, "error", err)
		}
	}()
}

// onControl handles control.worker.<id>.<pause|unpause|stop|kill>.
func (m *Manager) onControl(key mq.Key, _ any) {
	if len(key) != 4 {
		return
	}
	id, err := strconv.ParseInt(key[2], 10, 64)
	if err != nil {
		return
	}
	w := m.WorkerByID(id)
	if w == nil {
		return
	}
	go m.control(w, key[3])
}

func (m *Manager) control(w *Worker, action string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t, f := true, false
	var err error
	switch action {
	case "pause":
		err = w.setState(ctx, &t, nil)
	case "unpause":
		err = w.setState(ctx, &f, nil)
		m.available(w)
	case "stop":
		err = w.setState(ctx, nil, &t)
		if w.Running() == 0 {
			m.shutdownWorker(w, true)
		}
	case "kill":
		m.shutdownWorker(w, false)
	}
	if err != nil {
		m.log.Error("worker control", "worker", w.name, "action", action, "error", err)
	}
}

var _ Updates = (*data.Connector)(nil)
