package sdktest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/hostservice"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/transport"
	"github.com/bbhost/bbhost/sdk/usermanager"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// Harness serves one plugin in-process against a fake Master.
type Harness struct {
	Master *Master
	Info   base.PluginInfo
	// Base is the plugin's base service (Describe, ValidateConfig, Shutdown).
	Base base.Plugin

	conn *grpc.ClientConn
	srv  *transport.Server

	mu   sync.Mutex
	gens map[base.ID]int64
}

// New serves p and registers its shutdown with t.Cleanup. Plugin logs go
// to the test log.
func New(t testing.TB, p sdk.Plugin) *Harness {
	t.Helper()
	h := &Harness{Master: NewMaster(), gens: map[base.ID]int64{}}
	regs := make([]base.Registration, 0, len(p.Components))
	for _, c := range p.Components {
		r, err := c.Registration()
		if err != nil {
			t.Fatalf("plugin %s: %v", p.Name, err)
		}
		regs = append(regs, r)
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "plugin." + p.Name, Level: hclog.Debug, Output: testWriter{t}})
	srv, err := transport.NewServer(transport.ServerOptions{Name: p.Name, Version: p.Version, Registrations: regs, Logger: log,
		Host: func(_ uint32, ref func() base.Ref) (base.Host, error) { return base.BindHost(h.Master, ref), nil }})
	if err != nil {
		t.Fatalf("plugin %s: %v", p.Name, err)
	}
	h.srv = srv
	lis := bufconn.Listen(1 << 20)
	gs := grpc.NewServer(hostservice.ServerOptions()...)
	srv.Register(gs)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = gs.Serve(lis)
	}()
	conn, err := grpc.NewClient("passthrough:///sdktest",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(hostservice.MaxMessageSize)))
	if err != nil {
		t.Fatalf("dial in-process plugin: %v", err)
	}
	h.conn = conn
	h.Base = transport.NewBaseClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if h.Info, err = h.Base.Describe(ctx); err != nil {
		t.Fatalf("describe %s: %v", p.Name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := h.Base.Shutdown(ctx, time.Now().Add(3*time.Second)); err != nil {
			t.Errorf("shutdown %s: %v", p.Name, err)
		}
		_ = conn.Close()
		gs.Stop()
		<-served
	})
	return h
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Decode parses HCL body text (the inside of a block) and decodes it with
// the schema of the component (typ, kind), as the master would.
func (h *Harness) Decode(typ base.ComponentType, kind, body string) (cty.Value, error) {
	ci, ok := h.Info.Component(typ, kind)
	if !ok {
		return cty.NilVal, fmt.Errorf("the plugin provides no %s %q", typ, kind)
	}
	f, diags := hclsyntax.ParseConfig([]byte(body), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	val, diags := hcldec.Decode(f.Body, ci.Schema.Spec(), nil)
	if diags.HasErrors() {
		return cty.NilVal, diags
	}
	return val, nil
}

// Validate runs the plugin's ValidateConfig on body.
func (h *Harness) Validate(typ base.ComponentType, kind, body string) (base.Diagnostics, error) {
	val, err := h.Decode(typ, kind, body)
	if err != nil {
		return nil, err
	}
	ci, _ := h.Info.Component(typ, kind)
	ref := base.Ref{Type: typ, Kind: kind, Name: "validate"}
	return transport.ValidateConfigWithSchema(context.Background(), h.Base, ref, ci.Schema, val, base.Common{})
}

// Configure sends body (HCL) to the instance inst (a handle from one of the
// kind methods) under a new generation, as a reconfiguration does.
func (h *Harness) Configure(inst base.Component, typ base.ComponentType, kind, name, body string, common base.Common) error {
	val, err := h.Decode(typ, kind, body)
	if err != nil {
		return err
	}
	h.mu.Lock()
	id := base.ID{Type: typ, Name: name}
	h.gens[id]++
	ref := base.Ref{Type: typ, Kind: kind, Name: name, Generation: h.gens[id]}
	h.mu.Unlock()
	h.Master.SetGeneration(ref)
	return inst.Configure(context.Background(), base.ConfigureRequest{Ref: ref, Config: val, Common: common})
}

func (h *Harness) schema(t testing.TB, typ base.ComponentType, kind string) base.Block {
	t.Helper()
	ci, ok := h.Info.Component(typ, kind)
	if !ok {
		t.Fatalf("the plugin provides no %s %q", typ, kind)
	}
	return ci.Schema
}

// ChangeSource configures a change source instance from body (HCL) and
// returns the master's handle on it; call Start next.
func (h *Harness) ChangeSource(t testing.TB, kind, name, body string) changesource.ChangeSource {
	t.Helper()
	inst := changesource.NewClient(h.conn, 0).Instance(h.schema(t, base.TypeChangeSource, kind))
	if err := h.Configure(inst, base.TypeChangeSource, kind, name, body, base.Common{}); err != nil {
		t.Fatalf("configure change_source %q %q: %v", kind, name, err)
	}
	return inst
}

// Scheduler configures a scheduler instance feeding builders.
func (h *Harness) Scheduler(t testing.TB, kind, name, body string, builders ...string) scheduler.Instance {
	t.Helper()
	inst := scheduler.NewClient(h.conn, 0).Instance(h.schema(t, base.TypeScheduler, kind))
	if err := h.Configure(inst, base.TypeScheduler, kind, name, body, base.Common{Builders: builders}); err != nil {
		t.Fatalf("configure scheduler %q %q: %v", kind, name, err)
	}
	return inst
}

// Worker configures a worker instance.
func (h *Harness) Worker(t testing.TB, kind, name, body string) worker.Instance {
	t.Helper()
	inst := worker.NewClient(h.conn, 0).Instance(h.schema(t, base.TypeWorker, kind))
	if err := h.Configure(inst, base.TypeWorker, kind, name, body, base.Common{}); err != nil {
		t.Fatalf("configure worker %q %q: %v", kind, name, err)
	}
	return inst
}

// UserManager configures a user manager instance.
func (h *Harness) UserManager(t testing.TB, kind, name, body string) usermanager.UserManager {
	t.Helper()
	inst := usermanager.NewClient(h.conn, 0).Instance(h.schema(t, base.TypeUserManager, kind))
	if err := h.Configure(inst, base.TypeUserManager, kind, name, body, base.Common{}); err != nil {
		t.Fatalf("configure user_manager %q %q: %v", kind, name, err)
	}
	return inst
}
