package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/hostservice"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/bbhost/bbhost/sdk/usermanager"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// process is one running plugin process: the go-plugin client, the gRPC
// clients of its services, and the Host service it is offered.
type process struct {
	h      *Host
	bin    Binary
	log    hclog.Logger
	client *plugin.Client
	conn   *transport.Conn
	base   base.Plugin
	info   base.PluginInfo
	hostID uint32
	pid    int

	cs *changesource.Client
	sc *scheduler.Client
	wk *worker.Client
	um *usermanager.Client

	startedAt time.Time
	// exited is closed when the process is gone, for whatever reason.
	exited    chan struct{}
	exitOnce  sync.Once
	killing   atomic.Bool
	stopSup   chan struct{}
	supDone   chan struct{}
	checkNow  chan struct{} // a call failed with Unavailable: ping at once
	killOnce  sync.Once
	bindMu    sync.Mutex
	bindings  map[base.ID]*binding
	instances atomic.Int64 // instances configured in the process
}

// binding says which instance may call the Host service from this process,
// and from which generation on. Write calls hold mu for reading while they
// run; moving the instance away takes it for writing, so no write of the
// old process lands after the move.
type binding struct {
	kind   string
	mu     sync.RWMutex
	minGen int64
	gone   bool
}

// startProcess verifies bin, starts it on the spawner's thread, dispenses
// the plugin, offers it the Host service and asks it to describe itself.
func (h *Host) startProcess(ctx context.Context, bin Binary) (*process, error) {
	if err := h.catalog.Verify(bin); err != nil {
		return nil, err
	}
	sum, err := hex.DecodeString(bin.SHA256)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: bad sha256 %q", bin.Name, bin.SHA256)
	}
	log := h.log.Named("plugins").With("plugin", bin.Name)
	cmd := exec.Command(bin.Path)
	cmd.Env = pluginEnv(append([]string{plugin.EnvUnixSocketDir + "=" + h.socketDir}, h.opts.ExtraEnv...))
	cmd.Dir = h.opts.Basedir
	cmd.SysProcAttr = procAttr()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  transport.Handshake,
		VersionedPlugins: transport.ClientPlugins(),
		Cmd:              cmd,
		// A fresh hash per start: SecureConfig.Check does not reset it.
		SecureConfig:     &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		Managed:          false,
		Logger:           log,
		StartTimeout:     h.opts.StartTimeout,
		SyncStdout:       log.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Info}),
		SyncStderr:       log.StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}),
		GRPCDialOptions:  []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(hostservice.MaxMessageSize))},
	})
	p := &process{h: h, bin: bin, log: log, client: client, exited: make(chan struct{}), stopSup: make(chan struct{}),
		supDone: make(chan struct{}), checkNow: make(chan struct{}, 1), bindings: map[base.ID]*binding{}}
	fail := func(err error) (*process, error) {
		p.killing.Store(true)
		client.Kill()
		if errors.Is(err, plugin.ErrChecksumsDoNotMatch) {
			err = h.catalog.refuse(&ChecksumError{Plugin: bin.Name, Path: bin.Path, Want: bin.SHA256, Got: "(changed since it was checked)", Where: "catalog"})
		}
		return nil, fmt.Errorf("start plugin %q (%s): %w", bin.Name, bin.Path, err)
	}
	if err := h.spawner.run(func() error { _, err := client.Start(); return err }); err != nil {
		return fail(err)
	}
	rpc, err := client.Client()
	if err != nil {
		return fail(err)
	}
	raw, err := rpc.Dispense(transport.NameBase)
	if err != nil {
		return fail(err)
	}
	conn, ok := raw.(*transport.Conn)
	if !ok {
		return fail(fmt.Errorf("dispensed %T", raw))
	}
	p.conn = conn
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	p.hostID = conn.Broker.NextId()
	hs := &hostServer{p: p}
	go conn.Broker.AcceptAndServe(p.hostID, func(opts []grpc.ServerOption) *grpc.Server {
		s := grpc.NewServer(append(opts, hostservice.ServerOptions()...)...)
		hostservice.Register(s, hs)
		return s
	})
	p.base = transport.NewBaseClient(conn.Conn)
	dctx, cancel := context.WithTimeout(ctx, h.opts.CallTimeout)
	defer cancel()
	if p.info, err = p.base.Describe(dctx); err != nil {
		return fail(err)
	}
	if p.info.Name != bin.Name {
		log.Warn("plugin calls itself by another name", "says", p.info.Name)
	}
	p.cs = changesource.NewClient(conn.Conn, p.hostID)
	p.sc = scheduler.NewClient(conn.Conn, p.hostID)
	p.wk = worker.NewClient(conn.Conn, p.hostID)
	p.um = usermanager.NewClient(conn.Conn, p.hostID)
	p.startedAt = time.Now()
	h.metrics.starts.WithLabelValues(bin.Name).Inc()
	log.Info("plugin started", "version", p.info.Version, "pid", p.pid, "sha256", bin.SHA256, "path", bin.Path)
	go p.supervise()
	return p, nil
}

// component returns the process's component of type t and kind.
func (p *process) component(t base.ComponentType, kind string) (base.ComponentInfo, bool) {
	return p.info.Component(t, kind)
}

// handle returns a new master-side handle for an instance of (t, kind).
func (p *process) handle(t base.ComponentType, schema base.Block) base.Component {
	switch t {
	case base.TypeChangeSource:
		return p.cs.Instance(schema)
	case base.TypeScheduler:
		return p.sc.Instance(schema)
	case base.TypeWorker:
		return p.wk.Instance(schema)
	default:
		return p.um.Instance(schema)
	}
}

// bind lets instance id call the Host service with generation gen or later.
func (p *process) bind(id base.ID, kind string, gen int64) {
	p.bindMu.Lock()
	defer p.bindMu.Unlock()
	b, ok := p.bindings[id]
	if !ok || b.gone {
		p.bindings[id] = &binding{kind: kind, minGen: gen}
		return
	}
	b.mu.Lock()
	b.kind = kind
	b.mu.Unlock()
}

// accept makes gen the oldest generation of id accepted from now on.
func (p *process) accept(id base.ID, gen int64) {
	p.bindMu.Lock()
	b := p.bindings[id]
	p.bindMu.Unlock()
	if b == nil {
		return
	}
	b.mu.Lock()
	if gen > b.minGen {
		b.minGen = gen
	}
	b.mu.Unlock()
}

// unbind refuses every later call of id, after the calls in flight.
func (p *process) unbind(id base.ID) {
	p.bindMu.Lock()
	b := p.bindings[id]
	delete(p.bindings, id)
	p.bindMu.Unlock()
	if b != nil {
		b.mu.Lock()
		b.gone = true
		b.mu.Unlock()
	}
}

// enter admits a Host service call of ref; release must be called after.
func (p *process) enter(ref base.Ref) (release func(), err error) {
	p.bindMu.Lock()
	b := p.bindings[ref.ID()]
	p.bindMu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("%s is not running in this plugin process: %w", ref, base.ErrStale)
	}
	b.mu.RLock()
	if b.gone || b.kind != ref.Kind || ref.Generation < b.minGen {
		min := b.minGen
		b.mu.RUnlock()
		return nil, fmt.Errorf("%s generation %d is no longer current (%d): %w", ref, ref.Generation, min, base.ErrStale)
	}
	return b.mu.RUnlock, nil
}

// alive reports whether the process still runs.
func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// supervise watches the process: exit (the go-plugin context), and a
// health check with a deadline at every PingInterval.
func (p *process) supervise() {
	defer close(p.supDone)
	t := time.NewTicker(p.h.opts.PingInterval)
	defer t.Stop()
	misses := 0
	for {
		select {
		case <-p.stopSup:
			return
		case <-p.conn.Ctx.Done():
			p.gone(errors.New("plugin process exited"))
			return
		case <-p.checkNow:
			if p.ping() {
				misses = 0
				continue
			}
			misses++
			if misses >= 2 {
				p.gone(errors.New("plugin unavailable"))
				p.killing.Store(true)
				go p.client.Kill()
				return
			}
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), p.h.opts.PingTimeout)
			_, err := healthpb.NewHealthClient(p.conn.Conn).Check(ctx, &healthpb.HealthCheckRequest{Service: plugin.GRPCServiceName})
			cancel()
			if err == nil {
				misses = 0
				continue
			}
			misses++
			p.log.Warn("plugin did not answer its health check", "error", err, "misses", misses)
			if misses >= 2 {
				p.gone(fmt.Errorf("plugin unresponsive: %w", err))
				p.killing.Store(true) // the crash is reported already
				go p.client.Kill()
				return
			}
		}
	}
}

// ping runs one health check.
func (p *process) ping() bool {
	ctx, cancel := context.WithTimeout(context.Background(), p.h.opts.PingTimeout)
	defer cancel()
	_, err := healthpb.NewHealthClient(p.conn.Conn).Check(ctx, &healthpb.HealthCheckRequest{Service: plugin.GRPCServiceName})
	return err == nil
}

// suspect reports a call that failed as if the process were gone (gRPC
// Unavailable): the supervisor checks its health at once instead of at the
// next tick.
func (p *process) suspect(err error) {
	if !isUnavailable(err) {
		return
	}
	select {
	case p.checkNow <- struct{}{}:
	default:
	}
}

func isUnavailable(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if st, ok := status.FromError(e); ok && st.Code() == codes.Unavailable {
			return true
		}
	}
	return false
}

// gone records the end of the process; an unexpected end is a crash.
func (p *process) gone(reason error) {
	p.exitOnce.Do(func() {
		close(p.exited)
		if p.killing.Load() {
			return
		}
		p.h.crashed(p, reason)
	})
}

// kill drains the process's instances until drain and stops it. It is
// idempotent and safe on a process that already exited.
func (p *process) kill(drain time.Time) {
	p.killOnce.Do(func() {
		p.killing.Store(true)
		if p.alive() && p.base != nil {
			ctx, cancel := context.WithDeadline(context.Background(), drain.Add(time.Second))
			if err := p.base.Shutdown(ctx, drain); err != nil {
				p.log.Debug("plugin shutdown", "error", err)
			}
			cancel()
		}
		p.client.Kill()
		close(p.stopSup)
		<-p.supDone
		p.gone(nil)
		p.log.Info("plugin stopped", "pid", p.pid)
	})
}
