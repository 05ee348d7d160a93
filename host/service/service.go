// Package service owns the master's service tree primitives, after Buildbot's
// util/service.py: a Service with a name and a start/stop lifecycle, a
// MultiService that starts its children in order and stops them in reverse, and
// a NamedManager that reconfigures a set of named children by diffing their
// configuration (added → started, removed → stopped, changed → reconfigured in
// place, unchanged → untouched).
//
// Lifecycle contract: Start(ctx) uses ctx only for the start itself (a service
// that needs a lifetime context makes its own and cancels it in Stop); every
// goroutine a service starts is stopped by its Stop. Stop is called at most once
// after a successful Start and must not be called when Start failed.
package service

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Service is a named node of the service tree.
type Service interface {
	Name() string
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Commit finishes a successful reconfiguration: it stops what the new
// configuration removed. It is called once every service of the tree has been
// reconfigured, so a later failure can still roll back without having lost
// anything.
type Commit func(ctx context.Context)

// NoCommit is the Commit of a reconfiguration that has nothing to finish.
func NoCommit(context.Context) {}

// Reconfigurable is a service that takes a new configuration of type C while
// running. Reconfigure must leave the service as it was when it returns an
// error. Calling Reconfigure again with the previous configuration before the
// returned Commit runs is how a caller rolls back.
type Reconfigurable[C any] interface {
	Reconfigure(ctx context.Context, cfg C) (Commit, error)
}

// Prioritized orders reconfiguration among siblings: higher first, ties keep
// creation order (Buildbot's reconfig_priority; the default is 128).
type Prioritized interface {
	ReconfigPriority() int
}

// DefaultReconfigPriority is the priority of a service that does not say.
const DefaultReconfigPriority = 128

// Base is an embeddable Service with a name and no behaviour, for services that
// only need to exist in the tree.
type Base struct{ ServiceName string }

func (b *Base) Name() string                    { return b.ServiceName }
func (b *Base) Start(ctx context.Context) error { return nil }
func (b *Base) Stop(ctx context.Context) error  { return nil }

// MultiService runs children in order: Start starts them one after the other
// and stops those already started if one fails; Stop stops them in reverse
// order and returns every error joined.
type MultiService struct {
	name     string
	mu       sync.Mutex
	children []Service
	started  int // number of children started, from the front
	running  bool
}

// NewMultiService returns an empty MultiService called name.
func NewMultiService(name string) *MultiService { return &MultiService{name: name} }

func (m *MultiService) Name() string { return m.name }

// AddService appends a child. Adding to a running MultiService starts the child.
func (m *MultiService) AddService(ctx context.Context, s Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.children {
		if c.Name() == s.Name() {
			return fmt.Errorf("service %q already has a child named %q", m.name, s.Name())
		}
	}
	if m.running {
		if err := s.Start(ctx); err != nil {
			return fmt.Errorf("start %s: %w", s.Name(), err)
		}
		m.children = append(m.children, s)
		m.started = len(m.children)
		return nil
	}
	m.children = append(m.children, s)
	return nil
}

// Children returns the children in creation order.
func (m *MultiService) Children() []Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Service(nil), m.children...)
}

// Child returns the child called name, or nil.
func (m *MultiService) Child(name string) Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.children {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

func (m *MultiService) Start(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running {
		return fmt.Errorf("service %q already started", m.name)
	}
	for i, c := range m.children {
		if err := c.Start(ctx); err != nil {
			m.started = i
			stopErr := m.stopLocked(ctx)
			return errors.Join(fmt.Errorf("start %s: %w", c.Name(), err), stopErr)
		}
	}
	m.started = len(m.children)
	m.running = true
	return nil
}

func (m *MultiService) Stop(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.running = false
	return m.stopLocked(ctx)
}

func (m *MultiService) stopLocked(ctx context.Context) error {
	var errs []error
	for i := m.started - 1; i >= 0; i-- {
		c := m.children[i]
		if err := c.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", c.Name(), err))
		}
	}
	m.started = 0
	return errors.Join(errs...)
}

// ReconfigureChildren reconfigures every child that implements
// Reconfigurable[C], in descending ReconfigPriority (ties in creation order).
// When one fails, the children already reconfigured are reconfigured back to
// old and their rollback commits run, so the tree is left as it was; when all
// succeed, the returned Commit runs every child's commit.
func ReconfigureChildren[C any](ctx context.Context, children []Service, old, cfg C) (Commit, error) {
	type entry struct {
		idx int
		svc Reconfigurable[C]
		pri int
	}
	var todo []entry
	for i, c := range children {
		r, ok := c.(Reconfigurable[C])
		if !ok {
			continue
		}
		pri := DefaultReconfigPriority
		if p, ok := c.(Prioritized); ok {
			pri = p.ReconfigPriority()
		}
		todo = append(todo, entry{i, r, pri})
	}
	sort.SliceStable(todo, func(a, b int) bool { return todo[a].pri > todo[b].pri })
	var commits []Commit
	for n, e := range todo {
		commit, err := e.svc.Reconfigure(ctx, cfg)
		if err != nil {
			err = fmt.Errorf("reconfigure %s: %w", children[e.idx].Name(), err)
			var rbErrs []error
			for i := n - 1; i >= 0; i-- {
				rb, rbErr := todo[i].svc.Reconfigure(ctx, old)
				if rbErr != nil {
					rbErrs = append(rbErrs, fmt.Errorf("roll back %s: %w", children[todo[i].idx].Name(), rbErr))
					continue
				}
				rb(ctx)
			}
			return nil, errors.Join(append([]error{err}, rbErrs...)...)
		}
		commits = append(commits, commit)
	}
	return func(ctx context.Context) {
		for _, c := range commits {
			c(ctx)
		}
	}, nil
}
