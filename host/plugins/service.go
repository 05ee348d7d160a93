package plugins

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/worker"
)

// InstanceConfig is what an instance manager compares on reconfiguration:
// the block (identity is its name; equality its decoded value and common
// attributes, config.PluginBlock.Equal) and the sha256 of the binary that
// provides its kind.
type InstanceConfig struct {
	Block  config.PluginBlock
	SHA256 string
}

// Equal reports whether a and b configure the same thing.
func (a InstanceConfig) Equal(b InstanceConfig) bool {
	return a.SHA256 == b.SHA256 && a.Block.Equal(b.Block)
}

// Items selects cfg's blocks of typ that plugins serve (not the kinds the
// master provides itself), for a NamedManager.
func (h *Host) Items(cfg *config.Config, typ config.PluginType) []service.Item[InstanceConfig] {
	var blocks []config.PluginBlock
	switch typ {
	case config.TypeWorker:
		blocks = cfg.Workers
	case config.TypeChangeSource:
		blocks = cfg.ChangeSources
	case config.TypeScheduler:
		blocks = cfg.Schedulers
	case config.TypeUserManager:
		blocks = cfg.UserManagers
	}
	idx := h.currentIndex(context.Background())
	var out []service.Item[InstanceConfig]
	for _, b := range blocks {
		if h.isHostProvided(typ, b.Kind) {
			continue
		}
		ic := InstanceConfig{Block: b}
		if name, ok := idx.providers[hostKind{base.ComponentType(typ), b.Kind}]; ok {
			ic.SHA256 = idx.bins[name].SHA256
		}
		out = append(out, service.Item[InstanceConfig]{Name: b.Name, Config: ic})
	}
	return out
}

// InstanceService runs one Instance as a service of an instance manager.
// Change sources and schedulers are claimed first (one master runs each,
// Buildbot's ClusteredBuildbotService): an instance another master runs
// waits, trying again every ClaimInterval.
type InstanceService struct {
	h     *Host
	inst  *Instance
	claim bool

	mu     sync.Mutex
	active bool
	cancel context.CancelFunc
	done   chan struct{}
}

var (
	_ service.Service                 = (*InstanceService)(nil)
	_ service.InPlace[InstanceConfig] = (*InstanceService)(nil)
)

// NewService is the Factory of the instance managers: it builds (without
// starting) the service of one block.
func (h *Host) NewService(ctx context.Context, name string, ic InstanceConfig) (service.Service, error) {
	inst, err := h.NewInstance(ic.Block)
	if err != nil {
		return nil, err
	}
	typ := ic.Block.Type
	claim := h.svc != nil && (typ == config.TypeChangeSource || typ == config.TypeScheduler)
	return &InstanceService{h: h, inst: inst, claim: claim}, nil
}

func (h *Host) newWorkerService(ctx context.Context, name string, ic InstanceConfig) (service.Service, error) {
	return h.NewService(ctx, name, ic)
}

// Name implements service.Service.
func (s *InstanceService) Name() string { return s.inst.Name() }

// Instance returns the plugin instance.
func (s *InstanceService) Instance() *Instance { return s.inst }

// Active reports whether this master runs the instance (it is claimed).
func (s *InstanceService) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Start claims the instance (change sources and schedulers) and starts it.
func (s *InstanceService) Start(ctx context.Context) error {
	if !s.claim {
		if err := s.inst.Start(ctx); err != nil {
			return err
		}
		s.mu.Lock()
		s.active = true
		s.mu.Unlock()
		return nil
	}
	ok, err := s.h.svc.Claim(ctx, s.inst.id.Type, s.inst.Name())
	if err != nil {
		return fmt.Errorf("claim %s %q: %w", s.inst.id.Type, s.inst.Name(), err)
	}
	if ok {
		if err := s.inst.Start(ctx); err != nil {
			_ = s.h.svc.Unclaim(context.Background(), s.inst.id.Type, s.inst.Name())
			return err
		}
		s.mu.Lock()
		s.active = true
		s.mu.Unlock()
		return nil
	}
	s.h.log.Info("another master runs this instance; waiting to take it over", "type", s.inst.id.Type, "instance", s.inst.Name())
	lctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.cancel, s.done = cancel, make(chan struct{})
	s.mu.Unlock()
	go s.claimLoop(lctx)
	return nil
}

func (s *InstanceService) claimLoop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.h.opts.ClaimInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := s.h.svc.Claim(ctx, s.inst.id.Type, s.inst.Name())
		if err != nil || !ok {
			if err != nil && ctx.Err() == nil {
				s.h.log.Warn("claiming an instance", "instance", s.inst.Name(), "error", err)
			}
			continue
		}
		if err := s.inst.Start(ctx); err != nil {
			s.h.log.Error("starting a claimed instance", "instance", s.inst.Name(), "error", err)
			_ = s.h.svc.Unclaim(context.Background(), s.inst.id.Type, s.inst.Name())
			continue
		}
		s.mu.Lock()
		s.active = true
		s.mu.Unlock()
		s.h.log.Info("took over the instance", "type", s.inst.id.Type, "instance", s.inst.Name())
		return
	}
}

// Stop stops the instance (draining it) and gives up the claim.
func (s *InstanceService) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel = nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	err := s.inst.Stop(ctx)
	s.mu.Lock()
	wasActive := s.active
	s.active = false
	s.mu.Unlock()
	if s.claim && wasActive {
		if uerr := s.h.svc.Unclaim(ctx, s.inst.id.Type, s.inst.Name()); uerr != nil {
			err = errors.Join(err, fmt.Errorf("unclaim %s %q: %w", s.inst.id.Type, s.inst.Name(), uerr))
		}
	}
	return err
}

// ReconfigureService applies a changed block (see Instance.Reconfigure).
func (s *InstanceService) ReconfigureService(ctx context.Context, ic InstanceConfig) error {
	return s.inst.Reconfigure(ctx, ic.Block)
}

// Connect implements the worker manager's ConnProvider for plugin workers:
// it waits until the worker instance configured by block runs and returns
// its connection (the same across hot swaps) and a channel closed when the
// connection is lost (the plugin crashed or the instance stopped).
func (h *Host) Connect(ctx context.Context, block config.PluginBlock) (worker.Conn, <-chan struct{}, error) {
	svc, ok := h.workers.Get(block.Name).(*InstanceService)
	if !ok || svc == nil {
		return nil, nil, fmt.Errorf("no plugin worker %q is configured", block.Name)
	}
	conn, lost, err := svc.inst.WaitRunning(ctx)
	if err != nil {
		return nil, nil, err
	}
	if conn == nil {
		return nil, nil, fmt.Errorf("%q is not a worker", block.Name)
	}
	return conn, lost, nil
}

// Disconnect drops a plugin worker's connection by restarting its
// instance (implements the worker manager's Disconnecter).
func (h *Host) Disconnect(ctx context.Context, name string, graceful bool) error {
	svc, ok := h.workers.Get(name).(*InstanceService)
	if !ok || svc == nil {
		return fmt.Errorf("no plugin worker %q is configured", name)
	}
	if err := svc.inst.Stop(ctx); err != nil {
		h.log.Warn("stopping a plugin worker to disconnect it", "worker", name, "error", err)
	}
	return svc.inst.Start(ctx)
}

// WorkerInstance returns the plugin worker instance called name.
func (h *Host) WorkerInstance(name string) (*Instance, bool) {
	svc, ok := h.workers.Get(name).(*InstanceService)
	if !ok || svc == nil {
		return nil, false
	}
	return svc.inst, true
}
