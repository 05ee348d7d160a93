// Package pbmanager owns the listeners `remote` workers (Debian's
// buildbot-worker) dial into — Buildbot's PBManager and MsgManager, the
// `protocol "pb"` and `protocol "msgpack"` blocks — and hands each
// authenticated connection to the worker manager through the ConnProvider
// interface of host/workers.
//
// The wire protocols themselves are not implemented yet: the service exists
// with its name and lifecycle, notes the protocol blocks, and tells the
// worker manager that `remote` connections are pushed, so configured remote
// workers wait, without a goroutine each, for connections a protocol
// listener will hand over.
package pbmanager

import (
	"context"
	"sync"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/host/workers"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
)

// ServiceName is the service's name in the tree.
const ServiceName = "pbmanager"

// Manager is the pbmanager service.
type Manager struct {
	log hclog.Logger

	mu        sync.Mutex
	protocols []config.Protocol
	warned    bool
}

// New returns a stopped Manager.
func New(log hclog.Logger) *Manager { return &Manager{log: log.Named(ServiceName)} }

func (m *Manager) Name() string                { return ServiceName }
func (m *Manager) Start(context.Context) error { return nil }
func (m *Manager) Stop(context.Context) error  { return nil }

// Reconfigure records the protocol blocks. Listening on them is the job of
// the worker-protocol implementation; until it exists a configured protocol
// is reported once so nobody waits for workers that cannot connect.
func (m *Manager) Reconfigure(_ context.Context, cfg *config.Config) (service.Commit, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.protocols = append([]config.Protocol(nil), cfg.Protocols...)
	if len(m.protocols) > 0 && !m.warned {
		m.warned = true
		for _, p := range m.protocols {
			m.log.Warn("worker protocol not served by this bbhost version; remote workers cannot connect yet",
				"protocol", p.Type, "listen", p.Listen)
		}
	}
	return service.NoCommit, nil
}

// Pushes tells the worker manager that `remote` workers' connections are
// pushed (workers.Pusher): they arrive when a buildbot-worker dials in, and
// the protocol hands them over with workers.Manager.Attach, so no goroutine
// waits for each configured worker.
func (m *Manager) Pushes(kind string) bool { return kind == "remote" }

// Connect completes the ConnProvider interface; the manager never calls it
// for pushed kinds, and a caller that does waits until ctx ends, since
// connections only ever arrive through Attach.
func (m *Manager) Connect(ctx context.Context, block config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	<-ctx.Done()
	return nil, nil, ctx.Err()
}

var (
	_ service.Reconfigurable[*config.Config] = (*Manager)(nil)
	_ workers.Pusher                         = (*Manager)(nil)
)
