package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

// Quarantine timings, as Buildbot's AbstractWorker.
const (
	quarantineInitial = 10 * time.Second
	quarantineMax     = time.Hour
)

// Connect retry backoff after a provider error.
const (
	connectBackoffMin = time.Second
	connectBackoffMax = 30 * time.Second
)

// Worker is the service of one `worker` block. Its methods are safe for
// concurrent use.
type Worker struct {
	mgr  *Manager
	name string
	kind string
	log  hclog.Logger

	mu       sync.Mutex
	cfg      config.PluginBlock
	id       int64
	conn     worker.Conn
	lost     <-chan struct{}
	info     worker.Info
	running  int
	paused   bool
	graceful bool
	// quarantine: builds may not start before quarantineUntil.
	quarantineUntil   time.Time
	quarantineTimeout time.Duration
	quarantineTimer   *time.Timer

	cancel context.CancelFunc
	lctx   context.Context // the worker's lifetime, until Stop
	// pushed: connections are handed over with Attach (no goroutine waits
	// for them); attaching is true while one is being attached or held.
	pushed    bool
	attaching bool
	wg        sync.WaitGroup // the connect loop or the attached connection's watcher
}

var (
	_ service.Service                     = (*Worker)(nil)
	_ service.InPlace[config.PluginBlock] = (*Worker)(nil)
)

// Name returns the worker's name.
func (w *Worker) Name() string { return w.name }

// Kind returns the worker's kind (the block's first label).
func (w *Worker) Kind() string { return w.kind }

// ID returns the worker's id in the workers table (0 before start).
func (w *Worker) ID() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.id
}

// Connection returns the worker's current connection and the channel closed
// when it is lost; conn is nil while the worker is not connected.
func (w *Worker) Connection() (conn worker.Conn, lost <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn, w.lost
}

// Connected reports whether the worker has a connection that is not lost.
func (w *Worker) Connected() bool {
	c, lost := w.Connection()
	if c == nil {
		return false
	}
	select {
	case <-lost:
		return false
	default:
		return true
	}
}

// Info returns what the worker reported when it connected (nil when not
// connected).
func (w *Worker) Info() worker.Info {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.info
}

// Properties returns the worker's configured properties (do not modify).
func (w *Worker) Properties() map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.Properties
}

// MaxBuilds returns max_builds (0 = unlimited).
func (w *Worker) MaxBuilds() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cfg.MaxBuilds
}

// Running returns the number of builds running on the worker.
func (w *Worker) Running() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.running
}

// Paused and Graceful report the worker's state.
func (w *Worker) Paused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.paused
}

// Graceful reports whether a graceful shutdown was requested.
func (w *Worker) Graceful() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.graceful
}

func (w *Worker) canStartLocked(now time.Time) bool {
	if w.lost != nil {
		select {
		case <-w.lost:
			return false // lost, not yet detached
		default:
		}
	}
	return w.conn != nil && !w.paused && !w.graceful && !now.Before(w.quarantineUntil) &&
		(w.cfg.MaxBuilds <= 0 || w.running < w.cfg.MaxBuilds)
}

// CanStartBuild is Buildbot's canStartBuild: connected, not paused, not
// shutting down, not quarantined, under max_builds.
func (w *Worker) CanStartBuild() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.canStartLocked(time.Now())
}

// TryStartBuild reserves a build slot when CanStartBuild; the caller must
// call BuildFinished once the build ends (or if it never starts).
func (w *Worker) TryStartBuild() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.canStartLocked(time.Now()) {
		return false
	}
	w.running++
	return true
}

// BuildFinished releases a build slot and lets the botmaster start what
// waited for this worker. A worker asked to stop gracefully shuts down once
// idle.
func (w *Worker) BuildFinished() {
	w.mu.Lock()
	if w.running > 0 {
		w.running--
	}
	idleGraceful := w.graceful && w.running == 0
	w.mu.Unlock()
	if idleGraceful {
		w.mgr.shutdownWorker(w, true)
	}
	w.mgr.available(w)
}

// PutInQuarantine keeps the worker from starting builds for a while, doubling
// each time (10 s up to an hour), after a build ended EXCEPTION or its
// preparation failed.
func (w *Worker) PutInQuarantine() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.quarantineTimeout == 0 {
		w.quarantineTimeout = quarantineInitial
	} else {
		w.quarantineTimeout = min(2*w.quarantineTimeout, quarantineMax)
	}
	w.quarantineUntil = time.Now().Add(w.quarantineTimeout)
	if w.quarantineTimer != nil {
		w.quarantineTimer.Stop()
	}
	w.quarantineTimer = time.AfterFunc(w.quarantineTimeout, func() { w.mgr.available(w) })
	w.log.Info("worker put in quarantine", "for", w.quarantineTimeout)
}

// ResetQuarantine ends the quarantine after a sane build.
func (w *Worker) ResetQuarantine() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.quarantineTimeout = 0
	w.quarantineUntil = time.Time{}
	if w.quarantineTimer != nil {
		w.quarantineTimer.Stop()
		w.quarantineTimer = nil
	}
}

// Start registers the worker (workers row) and starts waiting for its
// connection.
func (w *Worker) Start(ctx context.Context) error {
	id, err := w.mgr.updates.FindWorkerID(ctx, w.name)
	if err != nil {
		return fmt.Errorf("worker %s: find id: %w", w.name, err)
	}
	w.mu.Lock()
	w.id = id
	w.mu.Unlock()
	lctx, cancel := context.WithCancel(context.Background())
	w.mu.Lock()
	w.cancel, w.lctx = cancel, lctx
	w.pushed = w.mgr.pushes(w.kind)
	w.mu.Unlock()
	w.mgr.register(w)
	if !w.pushed {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.connectLoop(lctx)
		}()
	}
	return nil
}

// attach takes a connection its provider pushed (see Pusher): the worker
// attaches to its builders until the connection is lost or the worker
// stops. A second connection while one is held is refused, as Buildbot
// refuses a second login of a connected worker.
func (w *Worker) attach(conn worker.Conn, lost <-chan struct{}) error {
	w.mu.Lock()
	switch {
	case !w.pushed:
		w.mu.Unlock()
		return fmt.Errorf("worker %s: its connections are not pushed", w.name)
	case w.lctx == nil || w.lctx.Err() != nil:
		w.mu.Unlock()
		return fmt.Errorf("worker %s: %w", w.name, ErrNotRunning)
	case w.attaching:
		w.mu.Unlock()
		return fmt.Errorf("worker %s: %w", w.name, ErrAlreadyConnected)
	}
	w.attaching = true
	ctx := w.lctx
	w.wg.Add(1)
	w.mu.Unlock()
	go func() {
		defer w.wg.Done()
		w.attached(ctx, conn, lost)
		select {
		case <-lost:
		case <-ctx.Done():
		}
		w.detached()
		// Only now, with the loss recorded, may a new connection come.
		w.mu.Lock()
		w.attaching = false
		w.mu.Unlock()
	}()
	return nil
}

// Stop stops waiting for connections and detaches the worker; its running
// builds see the connection as lost.
func (w *Worker) Stop(ctx context.Context) error {
	w.cancel()
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	w.mu.Lock()
	if w.quarantineTimer != nil {
		w.quarantineTimer.Stop()
	}
	id := w.id
	w.mu.Unlock()
	w.mgr.unregister(w)
	if err := w.mgr.updates.WorkerConfigured(ctx, id, w.mgr.masterID(), nil); err != nil {
		return fmt.Errorf("worker %s: deconfigure: %w", w.name, err)
	}
	return nil
}

// ReconfigureService applies a changed block in place: max_builds and
// properties change, the connection stays. A change of kind needs a new
// service.
func (w *Worker) ReconfigureService(ctx context.Context, cfg config.PluginBlock) error {
	if cfg.Kind != w.kind {
		return service.ErrRestartRequired
	}
	w.mu.Lock()
	w.cfg = cfg
	w.mu.Unlock()
	w.mgr.available(w)
	return nil
}

func (w *Worker) connectLoop(ctx context.Context) {
	backoff := connectBackoffMin
	for ctx.Err() == nil {
		w.mu.Lock()
		cfg := w.cfg
		w.mu.Unlock()
		conn, lost, err := w.mgr.provider.Connect(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.log.Warn("worker connection failed", "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, connectBackoffMax)
			continue
		}
		backoff = connectBackoffMin
		w.attached(ctx, conn, lost)
		select {
		case <-lost:
		case <-ctx.Done():
		}
		w.detached()
	}
}

func (w *Worker) attached(ctx context.Context, conn worker.Conn, lost <-chan struct{}) {
	info := conn.Info()
	w.mu.Lock()
	w.conn, w.lost, w.info = conn, lost, info
	id := w.id
	w.mu.Unlock()
	if err := w.mgr.updates.WorkerConnected(ctx, id, w.mgr.masterID(), info); err != nil {
		w.log.Error("recording worker connection", "error", err)
	}
	w.log.Info("worker connected")
	w.mgr.attached(w)
}

func (w *Worker) detached() {
	w.mu.Lock()
	wasConnected := w.conn != nil
	w.conn, w.lost = nil, nil
	id := w.id
	w.mu.Unlock()
	if !wasConnected {
		return
	}
	w.mgr.detached(w)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.mgr.updates.WorkerDisconnected(ctx, id, w.mgr.masterID()); err != nil && !errors.Is(err, context.Canceled) {
		w.log.Error("recording worker disconnection", "error", err)
	}
	w.log.Info("worker disconnected")
}

func (w *Worker) setState(ctx context.Context, paused, graceful *bool) error {
	w.mu.Lock()
	if paused != nil {
		w.paused = *paused
	}
	if graceful != nil {
		w.graceful = *graceful
	}
	p, g, id := w.paused, w.graceful, w.id
	w.mu.Unlock()
	return w.mgr.updates.SetWorkerState(ctx, id, p, g)
}
