package plugins

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sync"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/zclconf/go-cty/cty"
)

// ErrInstanceDown is returned by calls to an instance whose plugin process
// is down (restarting after a crash) or that is not running.
var ErrInstanceDown = errors.New("plugin instance is not running")

// Instance is one configured plugin instance, `<type> "<kind>" "<name>"`,
// as the master runs it: configured and started in its plugin's current
// process, brought back after a crash, reconfigured in place, and moved to
// a new process when its binary changes. Its methods are safe for
// concurrent use.
type Instance struct {
	h      *Host
	id     base.ID
	plugin string // name of the providing plugin

	mu      sync.Mutex
	block   config.PluginBlock
	want    bool // Start was called and Stop was not
	proc    *process
	handle  base.Component
	gen     int64
	lastErr error
	changed chan struct{} // closed and replaced on every state change

	// Workers only: the stable connection handed to the build engine and
	// the channel closed when it is lost.
	wconn *workerConn
	lost  chan struct{}
}

// NewInstance returns an unstarted instance for block, whose kind a plugin
// must provide.
func (h *Host) NewInstance(block config.PluginBlock) (*Instance, error) {
	typ := base.ComponentType(block.Type)
	name := h.providerOf(typ, block.Kind)
	if name == "" {
		return nil, fmt.Errorf("%s %q %q: no plugin provides this kind", block.Type, block.Kind, block.Name)
	}
	i := &Instance{h: h, id: base.ID{Type: typ, Name: block.Name}, plugin: name, block: block, changed: make(chan struct{})}
	if typ == base.TypeWorker {
		i.wconn = newWorkerConn()
	}
	return i, nil
}

// Name returns the instance's name.
func (i *Instance) Name() string { return i.id.Name }

// Plugin returns the name of the plugin that provides the instance.
func (i *Instance) Plugin() string { return i.plugin }

// Block returns the instance's configuration block.
func (i *Instance) Block() config.PluginBlock {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.block
}

// Running reports whether the instance runs in a live process.
func (i *Instance) Running() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.handle != nil
}

// Ref returns the instance's current ref.
func (i *Instance) Ref() base.Ref {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.refLocked()
}

func (i *Instance) refLocked() base.Ref {
	return base.Ref{Type: i.id.Type, Kind: i.block.Kind, Name: i.id.Name, Generation: i.gen}
}

// Component returns the component's description (schema, capabilities)
// in its current process.
func (i *Instance) Component() (base.ComponentInfo, bool) {
	i.mu.Lock()
	p := i.proc
	kind := i.block.Kind
	i.mu.Unlock()
	if p == nil {
		return base.ComponentInfo{}, false
	}
	return p.component(i.id.Type, kind)
}

func (i *Instance) notifyLocked() {
	close(i.changed)
	i.changed = make(chan struct{})
}

func (i *Instance) common() base.Common {
	return base.Common{Builders: i.block.Builders, MaxBuilds: i.block.MaxBuilds, Properties: i.block.Properties}
}

func (i *Instance) slot() *slot { return i.h.slot(i.plugin) }

// Start configures and starts the instance in its plugin's process,
// starting the process when needed. While the plugin is restarting after a
// crash, Start records the wish and the restart brings the instance up.
func (i *Instance) Start(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.want {
		return nil
	}
	s := i.slot()
	s.addMember(i)
	i.want = true
	p := s.current()
	if p == nil {
		bin, err := i.h.binaryFor(i.id.Type, i.block.Kind)
		if err != nil {
			i.want = false
			s.removeMember(i)
			return err
		}
		if p, err = s.processFor(ctx, bin); err != nil {
			s.mu.Lock()
			restarting := s.restarting
			s.mu.Unlock()
			if restarting {
				i.h.log.Warn("plugin is restarting; the instance starts when it is back", "plugin", i.plugin, "instance", i.id.Name)
				return nil
			}
			i.want = false
			s.removeMember(i)
			return err
		}
	}
	if err := i.bringUpLocked(ctx, p); err != nil {
		i.want = false
		s.removeMember(i)
		return err
	}
	return nil
}

// value is the block's decoded configuration.
func (i *Instance) value() (cty.Value, error) {
	if i.block.Value == cty.NilVal {
		return cty.NilVal, fmt.Errorf("%s %q %q: the configuration was not decoded against the plugin's schema", i.block.Type, i.block.Kind, i.block.Name)
	}
	return i.block.Value, nil
}

// configureIn configures a new handle for the instance in p under a new
// generation, bound in p; the caller starts or discards it.
func (i *Instance) configureInLocked(ctx context.Context, p *process) (base.Component, base.Ref, error) {
	ci, ok := p.component(i.id.Type, i.block.Kind)
	if !ok {
		return nil, base.Ref{}, fmt.Errorf("plugin %q (version %s) provides no %s of kind %q", p.bin.Name, p.info.Version, i.id.Type, i.block.Kind)
	}
	val, err := i.value()
	if err != nil {
		return nil, base.Ref{}, err
	}
	i.gen++
	ref := i.refLocked()
	hd := p.handle(i.id.Type, ci.Schema)
	p.bind(i.id, ref.Kind, ref.Generation)
	cctx, cancel := i.h.callCtx(ctx)
	defer cancel()
	if err := hd.Configure(cctx, base.ConfigureRequest{Ref: ref, Config: val, Common: i.common()}); err != nil {
		p.unbind(i.id)
		p.suspect(err)
		return nil, ref, fmt.Errorf("configure %s in plugin %q: %w", ref, p.bin.Name, err)
	}
	p.accept(i.id, ref.Generation)
	return hd, ref, nil
}

// bringUpLocked configures and starts the instance in p.
func (i *Instance) bringUpLocked(ctx context.Context, p *process) error {
	hd, ref, err := i.configureInLocked(ctx, p)
	if err != nil {
		i.lastErr = err
		return err
	}
	cctx, cancel := i.h.callCtx(ctx)
	defer cancel()
	if err := hd.Start(cctx); err != nil {
		p.suspect(err)
		_ = hd.Stop(cctx, time.Now())
		p.unbind(i.id)
		i.lastErr = err
		return fmt.Errorf("start %s in plugin %q: %w", ref, p.bin.Name, err)
	}
	i.setRunningLocked(p, hd)
	return nil
}

func (i *Instance) setRunningLocked(p *process, hd base.Component) {
	i.proc, i.handle, i.lastErr = p, hd, nil
	p.instances.Add(1)
	if i.wconn != nil {
		i.wconn.set(hd.(worker.Instance))
		if i.lost == nil {
			i.lost = make(chan struct{})
		}
	}
	i.notifyLocked()
}

// clearLocked forgets the process; for workers the connection is lost.
func (i *Instance) clearLocked() {
	if i.proc != nil {
		i.proc.instances.Add(-1)
	}
	i.proc, i.handle = nil, nil
	if i.wconn != nil {
		i.wconn.set(nil)
		if i.lost != nil {
			close(i.lost)
			i.lost = nil
		}
	}
	i.notifyLocked()
}

// down is called when p crashed.
func (i *Instance) down(p *process, reason error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.proc != p {
		return
	}
	p.unbind(i.id)
	i.lastErr = reason
	i.clearLocked()
}

// revive brings the instance up in p after a restart.
func (i *Instance) revive(ctx context.Context, p *process) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.want || i.proc != nil {
		return nil
	}
	return i.bringUpLocked(ctx, p)
}

// Reconfigure applies a changed block: in place in the plugin (a new
// generation) when it can, else by stopping and starting the instance in
// the same process. A changed kind, or a kind now provided by another
// plugin, answers service.ErrRestartRequired. On error the instance keeps
// its previous configuration.
func (i *Instance) Reconfigure(ctx context.Context, block config.PluginBlock) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if block.Kind != i.block.Kind || block.Type != i.block.Type {
		return service.ErrRestartRequired
	}
	if name := i.h.providerOf(i.id.Type, block.Kind); name != i.plugin {
		return service.ErrRestartRequired
	}
	old := i.block
	i.block = block
	if i.handle == nil || old.Equal(block) {
		return nil // applied when the instance comes up
	}
	p, hd := i.proc, i.handle
	val, err := i.value()
	if err != nil {
		i.block = old
		return err
	}
	i.gen++
	ref := i.refLocked()
	p.bind(i.id, ref.Kind, ref.Generation)
	cctx, cancel := i.h.callCtx(ctx)
	err = hd.Configure(cctx, base.ConfigureRequest{Ref: ref, Config: val, Common: i.common()})
	cancel()
	switch {
	case err == nil:
		p.accept(i.id, ref.Generation)
		return nil
	case errors.Is(err, base.ErrRestartRequired):
		if err := i.stopHandleLocked(ctx); err != nil {
			i.h.log.Warn("stopping an instance for a restart", "instance", i.id.Name, "error", err)
		}
		if err := i.bringUpLocked(ctx, p); err != nil {
			// Bring the old configuration back rather than nothing.
			i.block = old
			if err2 := i.bringUpLocked(ctx, p); err2 != nil {
				return errors.Join(err, fmt.Errorf("restoring the previous configuration: %w", err2))
			}
			return err
		}
		return nil
	default:
		i.block = old
		return fmt.Errorf("reconfigure %s: %w", ref, err)
	}
}

// stopHandleLocked stops the plugin side of the instance (draining until
// the deadline) and unbinds it.
func (i *Instance) stopHandleLocked(ctx context.Context) error {
	if i.handle == nil {
		return nil
	}
	p, hd := i.proc, i.handle
	deadline := i.h.drainDeadline(ctx)
	sctx, cancel := context.WithDeadline(context.Background(), deadline.Add(i.h.opts.CallTimeout))
	defer cancel()
	err := hd.Stop(sctx, deadline)
	p.unbind(i.id)
	i.clearLocked()
	return err
}

// Stop stops the instance (draining until ctx's deadline or DrainTimeout).
func (i *Instance) Stop(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.want = false
	i.slot().removeMember(i)
	return i.stopHandleLocked(ctx)
}

func (i *Instance) current() (base.Component, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.handle == nil {
		if i.lastErr != nil {
			return nil, fmt.Errorf("%s %q: %w (%v)", i.id.Type, i.id.Name, ErrInstanceDown, i.lastErr)
		}
		return nil, fmt.Errorf("%s %q: %w", i.id.Type, i.id.Name, ErrInstanceDown)
	}
	return i.handle, nil
}

// ChangeSource returns the running change source, or ErrInstanceDown.
func (i *Instance) ChangeSource() (changesource.ChangeSource, error) {
	hd, err := i.current()
	if err != nil {
		return nil, err
	}
	cs, ok := hd.(changesource.ChangeSource)
	if !ok {
		return nil, fmt.Errorf("%s %q is not a change source", i.id.Type, i.id.Name)
	}
	return cs, nil
}

// Scheduler returns the running scheduler, or ErrInstanceDown.
func (i *Instance) Scheduler() (scheduler.Instance, error) {
	hd, err := i.current()
	if err != nil {
		return nil, err
	}
	s, ok := hd.(scheduler.Instance)
	if !ok {
		return nil, fmt.Errorf("%s %q is not a scheduler", i.id.Type, i.id.Name)
	}
	return s, nil
}

// Worker returns the running worker's handle, or ErrInstanceDown.
func (i *Instance) Worker() (worker.Instance, error) {
	hd, err := i.current()
	if err != nil {
		return nil, err
	}
	w, ok := hd.(worker.Instance)
	if !ok {
		return nil, fmt.Errorf("%s %q is not a worker", i.id.Type, i.id.Name)
	}
	return w, nil
}

// WaitRunning waits until the instance runs and returns, for a worker, its
// connection and the channel closed when that connection is lost.
func (i *Instance) WaitRunning(ctx context.Context) (worker.Conn, <-chan struct{}, error) {
	for {
		i.mu.Lock()
		if i.handle != nil {
			var conn worker.Conn
			var lost <-chan struct{}
			if i.wconn != nil {
				conn, lost = i.wconn, i.lost
			}
			i.mu.Unlock()
			return conn, lost, nil
		}
		ch := i.changed
		i.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-ch:
		}
	}
}
