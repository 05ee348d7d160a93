package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Item is one named entry of a configuration, such as one scheduler block.
type Item[C any] struct {
	Name   string
	Config C
}

// Factory builds a service for a named configuration entry without starting
// it. It is the place to reject an entry that cannot run, before anything is
// touched.
type Factory[C any] func(ctx context.Context, name string, cfg C) (Service, error)

// InPlace is implemented by a managed service that can take a changed
// configuration while running. Returning ErrRestartRequired makes the manager
// replace the service instead (stop the old one, start a new one).
type InPlace[C any] interface {
	ReconfigureService(ctx context.Context, cfg C) error
}

// ErrRestartRequired tells the NamedManager that a changed configuration must
// be applied by replacing the service.
var ErrRestartRequired = errors.New("configuration change requires a restart")

// NamedManager is Buildbot's BuildbotServiceManager: it owns a set of services
// identified by name and reconfigures them by diffing configurations. Identity
// is the name; equality is the Equal function on the decoded configuration.
// R is the whole configuration handed to Reconfigure; Select extracts the
// manager's entries from it.
type NamedManager[R any, C any] struct {
	name     string
	priority int
	newSvc   Factory[C]
	equal    func(a, b C) bool
	sel      func(R) []Item[C]

	mu      sync.Mutex
	running bool
	entries map[string]*namedEntry[C]
	order   []string // start order of entries, for a reverse stop
	applied map[string]bool
}

type namedEntry[C any] struct {
	svc Service
	cfg C
}

// ManagerOptions configures a NamedManager.
type ManagerOptions[R any, C any] struct {
	Name     string
	Priority int // 0 means DefaultReconfigPriority
	New      Factory[C]
	Equal    func(a, b C) bool
	Select   func(R) []Item[C]
}

// NewNamedManager returns a stopped manager with no entries.
func NewNamedManager[R any, C any](o ManagerOptions[R, C]) *NamedManager[R, C] {
	pri := o.Priority
	if pri == 0 {
		pri = DefaultReconfigPriority
	}
	return &NamedManager[R, C]{name: o.Name, priority: pri, newSvc: o.New, equal: o.Equal, sel: o.Select,
		entries: map[string]*namedEntry[C]{}}
}

func (m *NamedManager[R, C]) Name() string          { return m.name }
func (m *NamedManager[R, C]) ReconfigPriority() int { return m.priority }

// Start marks the manager running; entries arrive with the first Reconfigure.
func (m *NamedManager[R, C]) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = true
	return nil
}

// Stop stops every entry in reverse start order.
func (m *NamedManager[R, C]) Stop(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = false
	var errs []error
	for i := len(m.order) - 1; i >= 0; i-- {
		name := m.order[i]
		if err := m.entries[name].svc.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", name, err))
		}
	}
	m.entries = map[string]*namedEntry[C]{}
	m.order = nil
	return errors.Join(errs...)
}

// Get returns the running service called name, or nil.
func (m *NamedManager[R, C]) Get(name string) Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[name]; ok {
		return e.svc
	}
	return nil
}

// Names returns the names of the running entries in start order.
func (m *NamedManager[R, C]) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.order...)
}

// Reconfigure applies the entries Select finds in root: new names are built
// and started, changed ones reconfigured in place (or replaced), unchanged ones
// left alone. Names that disappeared keep running until the returned Commit
// stops them. On error every entry is as it was before the call.
func (m *NamedManager[R, C]) Reconfigure(ctx context.Context, root R) (Commit, error) {
	items := m.sel(root)
	m.mu.Lock()
	defer m.mu.Unlock()

	want := make(map[string]C, len(items))
	var added, changed []Item[C]
	for _, it := range items {
		if _, dup := want[it.Name]; dup {
			return nil, fmt.Errorf("%s: duplicate name %q", m.name, it.Name)
		}
		want[it.Name] = it.Config
		e, ok := m.entries[it.Name]
		switch {
		case !ok:
			added = append(added, it)
		case !m.equal(e.cfg, it.Config):
			changed = append(changed, it)
		}
	}

	// Build every added service before touching anything.
	built := make([]Service, len(added))
	for i, it := range added {
		svc, err := m.newSvc(ctx, it.Name, it.Config)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", m.name, it.Name, err)
		}
		built[i] = svc
	}

	var undo []func()
	rollback := func(cause error) error {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		return cause
	}
	for i, it := range added {
		svc := built[i]
		if err := svc.Start(ctx); err != nil {
			return nil, rollback(fmt.Errorf("%s: start %q: %w", m.name, it.Name, err))
		}
		m.entries[it.Name] = &namedEntry[C]{svc: svc, cfg: it.Config}
		m.order = append(m.order, it.Name)
		name := it.Name
		undo = append(undo, func() {
			_ = m.entries[name].svc.Stop(ctx)
			m.remove(name)
		})
	}
	for _, it := range changed {
		e := m.entries[it.Name]
		oldSvc, oldCfg := e.svc, e.cfg
		err := ErrRestartRequired
		if ip, ok := oldSvc.(InPlace[C]); ok {
			err = ip.ReconfigureService(ctx, it.Config)
		}
		switch {
		case err == nil:
			e.cfg = it.Config
			undo = append(undo, func() {
				_ = oldSvc.(InPlace[C]).ReconfigureService(ctx, oldCfg)
				e.cfg = oldCfg
			})
		case errors.Is(err, ErrRestartRequired):
			newSvc, err := m.replace(ctx, it.Name, oldSvc, it.Config)
			if err != nil {
				return nil, rollback(fmt.Errorf("%s: replace %q: %w", m.name, it.Name, err))
			}
			e.svc, e.cfg = newSvc, it.Config
			name := it.Name
			undo = append(undo, func() {
				if back, err := m.replace(ctx, name, newSvc, oldCfg); err == nil {
					e.svc, e.cfg = back, oldCfg
				}
			})
		default:
			return nil, rollback(fmt.Errorf("%s: reconfigure %q: %w", m.name, it.Name, err))
		}
	}

	m.applied = make(map[string]bool, len(want))
	for name := range want {
		m.applied[name] = true
	}
	applied := m.applied
	return func(ctx context.Context) {
		m.mu.Lock()
		defer m.mu.Unlock()
		if !sameSet(applied, m.applied) {
			return // a later Reconfigure (a rollback) superseded this one
		}
		for i := len(m.order) - 1; i >= 0; i-- {
			name := m.order[i]
			if applied[name] {
				continue
			}
			_ = m.entries[name].svc.Stop(ctx)
			m.remove(name)
		}
	}, nil
}

// replace stops old and starts a fresh service for cfg; if the new one fails
// to build or start, old's configuration is started again in a fresh service so
// the entry keeps running.
func (m *NamedManager[R, C]) replace(ctx context.Context, name string, old Service, cfg C) (Service, error) {
	svc, err := m.newSvc(ctx, name, cfg)
	if err != nil {
		return nil, err
	}
	if err := old.Stop(ctx); err != nil {
		return nil, fmt.Errorf("stop old: %w", err)
	}
	if err := svc.Start(ctx); err != nil {
		if restartErr := m.restartOld(ctx, name, old); restartErr != nil {
			return nil, errors.Join(err, restartErr)
		}
		return nil, err
	}
	return svc, nil
}

func (m *NamedManager[R, C]) restartOld(ctx context.Context, name string, old Service) error {
	e := m.entries[name]
	svc, err := m.newSvc(ctx, name, e.cfg)
	if err != nil {
		return fmt.Errorf("rebuild old %q: %w", name, err)
	}
	if err := svc.Start(ctx); err != nil {
		return fmt.Errorf("restart old %q: %w", name, err)
	}
	e.svc = svc
	return nil
}

func (m *NamedManager[R, C]) remove(name string) {
	delete(m.entries, name)
	for i, n := range m.order {
		if n == name {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
