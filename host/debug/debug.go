// Package debug owns the master's debugging services, after Buildbot's
// DebugServices: the manhole, an SSH server (`manhole { listen,
// authorized_keys }`) for inspecting a running master.
//
// The manhole's shell is not implemented yet: the service exists with its
// name and lifecycle and reports a configured manhole once.
package debug

import (
	"context"
	"sync"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/hashicorp/go-hclog"
)

// ServiceName is the service's name in the tree.
const ServiceName = "debug"

// Services is the debug service.
type Services struct {
	log    hclog.Logger
	mu     sync.Mutex
	warned bool
}

// New returns a stopped debug service.
func New(log hclog.Logger) *Services { return &Services{log: log.Named(ServiceName)} }

func (s *Services) Name() string                { return ServiceName }
func (s *Services) Start(context.Context) error { return nil }
func (s *Services) Stop(context.Context) error  { return nil }

// Reconfigure notes a configured manhole.
func (s *Services) Reconfigure(_ context.Context, cfg *config.Config) (service.Commit, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg.Manhole != nil && !s.warned {
		s.warned = true
		s.log.Warn("the manhole is not served by this bbhost version", "listen", cfg.Manhole.Listen)
	}
	return service.NoCommit, nil
}

var _ service.Reconfigurable[*config.Config] = (*Services)(nil)
