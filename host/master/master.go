// Package master owns the BuildMaster, after Buildbot's master.py: it loads
// the configuration, opens the database and the message queue, builds the
// service tree in Buildbot's order (metrics, caches, pbmanager, workers,
// change_svc, botmaster, scheduler_manager, user_manager, db, mq, data, www,
// debug), registers the master in the masters table and heartbeats, and
// applies reconfigurations as a validated diff (a configuration with an error
// never replaces a running one).
package master

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/service"
	"github.com/hashicorp/go-hclog"
)

// Version is the host's version, printed by `bbhost version` and reported to
// workers and plugins.
const Version = "0.1.0"

// Options configures a BuildMaster.
type Options struct {
	// ConfigPath is the configuration file or directory.
	ConfigPath string
	Logger     hclog.Logger
	// HeartbeatInterval is how often the master refreshes masters.last_active
	// and expires dead masters; default 60 s (Buildbot's).
	HeartbeatInterval time.Duration
	// Hostname overrides os.Hostname for the default master name.
	Hostname string
	// ReleaseDelay is how long after the last reconfig the memory it used
	// is given back to the system; default 2 s (a burst of reconfigs reuses
	// it rather than faulting it in again each time).
	ReleaseDelay time.Duration
}

// BuildMaster is the root of the service tree.
type BuildMaster struct {
	opts Options
	log  hclog.Logger

	// initMu is Buildbot's initLock: held during start, reconfig and stop.
	initMu  sync.Mutex
	cfg     *config.Config
	basedir string
	name    string // the master's name, fixed for the life of the process

	db       *db.DB
	parts    *parts
	tree     *service.MultiService
	masterID int64

	// cache keeps what a reconfig decoded from unchanged builder files.
	cache *config.Cache

	running   bool
	stopHB    context.CancelFunc
	hbDone    chan struct{}
	reconfigs int
	// release gives memory back once reconfigs have stopped for a while
	// (see scheduleRelease); nil when none is pending. Under initMu.
	release *time.Timer
}

// New returns a BuildMaster that will load opts.ConfigPath when started.
func New(opts Options) *BuildMaster {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 60 * time.Second
	}
	if opts.ReleaseDelay <= 0 {
		opts.ReleaseDelay = 2 * time.Second
	}
	return &BuildMaster{opts: opts, log: opts.Logger, cache: config.NewCache()}
}

// ConfigError is returned when the configuration has errors; Diagnostics have
// already been written to the log.
type ConfigError struct {
	Text string // the rendered diagnostics
}

func (e *ConfigError) Error() string { return "configuration has errors:\n" + e.Text }

// MasterID returns the master's id in the masters table (0 before start).
func (m *BuildMaster) MasterID() int64 {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	return m.masterID
}

// Config returns the running configuration.
func (m *BuildMaster) Config() *config.Config {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	return m.cfg
}

// Basedir returns the master's base directory (known after a config load).
func (m *BuildMaster) Basedir() string {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	return m.basedir
}

// Start runs Buildbot's start-up sequence (§1.3 of the reference) and returns
// once the master serves. On error everything started is stopped again.
func (m *BuildMaster) Start(ctx context.Context) (err error) {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	if m.running {
		return errors.New("master already running")
	}
	m.log.Info("Starting BuildMaster", "version", Version)

	cfg, err := m.loadConfig(nil, nil)
	if err != nil {
		return err
	}
	if err := m.diagnosticsError(cfg, unsupported(cfg)); err != nil {
		return err
	}
	m.cfg, m.basedir, m.name = cfg, cfg.Master.Basedir, cfg.Master.Name
	if err := os.MkdirAll(m.basedir, 0o755); err != nil {
		return fmt.Errorf("create base directory: %w", err)
	}
	if err := writePIDFile(m.basedir); err != nil {
		return err
	}
	var cleanup []func()
	defer func() {
		if err != nil {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
			removePIDFile(m.basedir)
			m.log.Error("BuildMaster startup failed", "error", err)
		}
	}()

	if err := m.openDB(ctx, cfg); err != nil {
		return err
	}
	cleanup = append(cleanup, func() { m.db.Close() })

	p, err := m.buildParts(ctx, cfg)
	if err != nil {
		return err
	}
	m.parts = p
	cleanup = append(cleanup, func() { p.close() })

	// The plugin catalog is known now: decode the plugin blocks against their
	// plugins' schemas and let the plugins check them.
	if err := m.diagnosticsError(cfg, config.DecodePlugins(cfg, p.schemas())); err != nil {
		return err
	}
	if err := m.diagnosticsError(cfg, p.validate(ctx, cfg)); err != nil {
		return err
	}
	cfg.ReleaseSyntax()
	cfg = cfg.Compact() // the services keep this copy; the loaded one is garbage
	m.cfg = cfg

	if m.masterID, err = p.data.FindMasterID(ctx, cfg.Master.Name); err != nil {
		return fmt.Errorf("register master %q: %w", cfg.Master.Name, err)
	}
	// A master that crashed left its row active: clean up after it.
	if err := p.data.MasterStopped(ctx, cfg.Master.Name, m.masterID); err != nil {
		return fmt.Errorf("housekeeping after previous run: %w", err)
	}
	p.setMasterID(m.masterID)

	m.tree = p.tree()
	if err := m.tree.Start(ctx); err != nil {
		return err
	}
	cleanup = append(cleanup, func() { _ = m.tree.Stop(context.Background()) })

	if err := p.data.ExpireMasters(ctx, true); err != nil {
		m.log.Warn("expiring dead masters failed", "error", err)
	}
	commit, err := service.ReconfigureChildren(ctx, m.tree.Children(), emptyConfig(cfg), cfg)
	if err != nil {
		return fmt.Errorf("configure services: %w", err)
	}
	commit(ctx)
	if err := p.data.MasterActive(ctx, cfg.Master.Name, m.masterID); err != nil {
		return fmt.Errorf("mark master active: %w", err)
	}
	m.startHeartbeat()
	m.running = true
	m.releaseMemory(ctx)
	m.log.Info("BuildMaster is running", "name", cfg.Master.Name, "masterid", m.masterID,
		"basedir", m.basedir, "www", p.wwwAddr())
	return nil
}

// releaseMemory gives back what starting left behind (loading a large
// configuration leaves garbage, registering its builders fills SQLite's page
// caches) now rather than whenever the runtime's scavenger gets to it.
// Reconfigs schedule it for when they have stopped (scheduleRelease).
func (m *BuildMaster) releaseMemory(ctx context.Context) {
	if err := m.db.ReleaseMemory(ctx); err != nil {
		m.log.Warn("releasing database memory failed", "error", err)
	}
	debug.FreeOSMemory()
}

// scheduleRelease arranges for releaseMemory to run Options.ReleaseDelay after the
// last of a series of reconfigs: loading a large configuration leaves the
// heap grown, and the runtime's scavenger gives it back only slowly. Called
// under initMu.
func (m *BuildMaster) scheduleRelease() {
	if m.release != nil {
		m.release.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(m.opts.ReleaseDelay, func() {
		m.initMu.Lock()
		defer m.initMu.Unlock()
		if m.release != t || !m.running {
			return // stopped, or a later reconfig scheduled its own
		}
		m.release = nil
		m.releaseMemory(context.Background())
		m.log.Debug("memory given back after reconfig")
	})
	m.release = t
}

// emptyConfig is the configuration services are reconfigured from at start: no
// entries of anything, with cfg's infrastructure settings.
func emptyConfig(cfg *config.Config) *config.Config {
	return &config.Config{
		Files: cfg.Files, Dir: cfg.Dir, Sources: cfg.Sources, EvalContext: cfg.EvalContext,
		Master: cfg.Master, Database: cfg.Database, MQ: cfg.MQ,
	}
}

func (m *BuildMaster) openDB(ctx context.Context, cfg *config.Config) error {
	d, err := db.Open(ctx, cfg.Database.URL, db.Options{Basedir: m.basedir, Logger: m.log.Named("db"),
		CommitDelay: cfg.Database.CommitDelay})
	if err != nil {
		return err
	}
	m.log.Info("database", "url", d.URL())
	from, to, err := d.Upgrade(ctx)
	if err != nil {
		d.Close()
		return fmt.Errorf("database %s: %w", d.URL(), err)
	}
	switch {
	case from == 0:
		m.log.Info("created a fresh database", "schema", to)
	case from != to:
		m.log.Info("upgraded the database schema", "from", from, "to", to)
	}
	m.db = d
	return nil
}

// Stop runs Buildbot's stop sequence. With clean, running builds finish first
// and no new build starts; otherwise they end RETRY and run again on the next
// start.
func (m *BuildMaster) Stop(ctx context.Context, clean bool) error {
	m.initMu.Lock()
	defer m.initMu.Unlock()
	if !m.running {
		return nil
	}
	m.running = false
	m.log.Info("stopping BuildMaster", "clean", clean)
	if m.release != nil {
		m.release.Stop()
		m.release = nil
	}
	m.stopHeartbeat()
	var errs []error
	if err := m.parts.shutdownBuilds(ctx, clean); err != nil {
		errs = append(errs, fmt.Errorf("shut down builds: %w", err))
	}
	if err := m.parts.data.MasterStopped(ctx, m.name, m.masterID); err != nil {
		errs = append(errs, fmt.Errorf("mark master stopped: %w", err))
	}
	if err := m.tree.Stop(ctx); err != nil {
		errs = append(errs, err)
	}
	m.parts.close()
	if err := m.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close database: %w", err))
	}
	removePIDFile(m.basedir)
	m.log.Info("BuildMaster is stopped")
	return errors.Join(errs...)
}

func (m *BuildMaster) startHeartbeat() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopHB, m.hbDone = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		t := time.NewTicker(m.opts.HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.heartbeat(ctx)
			}
		}
	}(m.hbDone)
}

func (m *BuildMaster) stopHeartbeat() {
	if m.stopHB != nil {
		m.stopHB()
		<-m.hbDone
		m.stopHB = nil
	}
}

// heartbeat refreshes this master's last_active and expires dead masters
// (Buildbot's masterHeartbeatService).
func (m *BuildMaster) heartbeat(ctx context.Context) {
	name, id := m.name, m.masterID
	if err := m.parts.data.MasterActive(ctx, name, id); err != nil && ctx.Err() == nil {
		m.log.Warn("heartbeat failed", "error", err)
	}
	if err := m.parts.data.ExpireMasters(ctx, false); err != nil && ctx.Err() == nil {
		m.log.Warn("expiring dead masters failed", "error", err)
	}
}
