package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/changesource"
	"github.com/bbhost/bbhost/sdk/hostservice"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/usermanager"
	"github.com/bbhost/bbhost/sdk/worker"
	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// HostFunc gives an instance its view of the master; see
// instances.HostFunc. Nil means "through the go-plugin broker".
type HostFunc = instances.HostFunc

// Server is everything a plugin process serves: the base service and one
// service per component type it provides.
type Server struct {
	info   base.PluginInfo
	regs   []base.Registration
	sets   map[base.ComponentType]*instances.Set
	dialer *hostservice.Dialer
	logger hclog.Logger

	mu     sync.Mutex
	broker *plugin.GRPCBroker
}

// ServerOptions configure NewServer.
type ServerOptions struct {
	Name, Version string
	Registrations []base.Registration
	Logger        hclog.Logger
	// Host, when set, replaces the broker connection to the master (the
	// in-process harness of sdk/sdktest).
	Host HostFunc
}

// NewServer checks the registrations (no kind twice per type) and builds
// the per-type instance sets.
func NewServer(o ServerOptions) (*Server, error) {
	if o.Name == "" {
		return nil, errors.New("plugin without a name")
	}
	logger := o.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	s := &Server{regs: o.Registrations, sets: map[base.ComponentType]*instances.Set{}, logger: logger}
	s.info = base.PluginInfo{Name: o.Name, Version: o.Version, ProtocolVersions: ProtocolVersions, SDKVersion: SDKVersion}
	seen := map[string]bool{}
	for _, r := range o.Registrations {
		ci := r.Info()
		if !ci.Type.Valid() {
			return nil, fmt.Errorf("component %q: unknown type %q", ci.Kind, ci.Type)
		}
		key := string(ci.Type) + "/" + ci.Kind
		if seen[key] {
			return nil, fmt.Errorf("%s kind %q registered twice", ci.Type, ci.Kind)
		}
		seen[key] = true
		s.info.Components = append(s.info.Components, ci)
	}
	host := o.Host
	if host == nil {
		s.dialer = hostservice.NewDialer(s.dialBroker)
		host = instances.DialerHost(s.dialer)
	}
	for _, t := range base.ComponentTypes {
		set := instances.New(t, o.Registrations, host, logger)
		for _, ci := range s.info.Components {
			if ci.Type == t {
				s.sets[t] = set
				break
			}
		}
	}
	return s, nil
}

// Info describes the plugin.
func (s *Server) Info() base.PluginInfo { return s.info }

func (s *Server) dialBroker(id uint32) (*grpc.ClientConn, error) {
	s.mu.Lock()
	b := s.broker
	s.mu.Unlock()
	if b == nil {
		return nil, errors.New("no go-plugin broker yet")
	}
	return b.DialWithOptions(id, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(hostservice.MaxMessageSize)))
}

// Register registers every service the plugin provides on gs.
func (s *Server) Register(gs grpc.ServiceRegistrar) {
	pb.RegisterPluginServer(gs, &baseServer{s: s})
	for t, set := range s.sets {
		switch t {
		case base.TypeChangeSource:
			changesource.Register(gs, changesource.NewServer(set))
		case base.TypeScheduler:
			scheduler.Register(gs, scheduler.NewServer(set))
		case base.TypeWorker:
			worker.Register(gs, worker.NewServer(set))
		case base.TypeUserManager:
			usermanager.Register(gs, usermanager.NewServer(set))
		}
	}
}

// PluginSet is what go-plugin serves: "base" registers every service (gRPC
// plugins share one server), the per-type entries only announce the types.
func (s *Server) PluginSet() plugin.PluginSet {
	set := plugin.PluginSet{NameBase: &grpcPlugin{register: func(b *plugin.GRPCBroker, gs *grpc.Server) error {
		s.mu.Lock()
		s.broker = b
		s.mu.Unlock()
		s.Register(gs)
		return nil
	}}}
	for t := range s.sets {
		set[Name(t)] = &grpcPlugin{register: func(*plugin.GRPCBroker, *grpc.Server) error { return nil }}
	}
	return set
}

// Shutdown stops every instance, draining until the deadline in ctx (if
// any), and closes the connection to the master.
func (s *Server) Shutdown(ctx context.Context) error {
	deadline, _ := ctx.Deadline()
	var errs []error
	for _, set := range s.sets {
		errs = append(errs, set.StopAll(ctx, deadline))
	}
	if s.dialer != nil {
		errs = append(errs, s.dialer.Close())
	}
	return errors.Join(errs...)
}

type baseServer struct {
	pb.UnimplementedPluginServer
	s *Server
}

func (b *baseServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	info := b.s.info
	out := &pb.DescribeResponse{Name: info.Name, Version: info.Version, SdkVersion: info.SDKVersion}
	for _, v := range info.ProtocolVersions {
		out.ProtocolVersions = append(out.ProtocolVersions, int32(v))
	}
	for _, c := range info.Components {
		schema, err := convert.SchemaToProto(c.Schema)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "%s %q schema: %v", c.Type, c.Kind, err)
		}
		out.Components = append(out.Components, &pb.Component{Type: string(c.Type), Kind: c.Kind, ConfigSchema: schema,
			Docs: c.Docs, Capabilities: c.Capabilities})
	}
	return out, nil
}

func (b *baseServer) ValidateConfig(ctx context.Context, req *pb.ValidateConfigRequest) (*pb.ValidateConfigResponse, error) {
	ref := convert.RefFromProto(req.Ref)
	set, ok := b.s.sets[ref.Type]
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "this plugin provides no %s", ref.Type)
	}
	reg, ok := set.Registration(ref.Kind)
	if !ok {
		return nil, status.Errorf(codes.InvalidArgument, "this plugin provides no %s of kind %q", ref.Type, ref.Kind)
	}
	val, err := convert.DynamicFromProto(req.Config, reg.Info().Schema.ImpliedType())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%s: %v", ref, err)
	}
	return &pb.ValidateConfigResponse{Diagnostics: convert.DiagnosticsToProto(reg.Validate(val))}, nil
}

func (b *baseServer) Shutdown(ctx context.Context, req *pb.ShutdownRequest) (*pb.ShutdownResponse, error) {
	if d := convert.DeadlineFromProto(req.DrainDeadlineUnixNano); !d.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	if err := b.s.Shutdown(ctx); err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.ShutdownResponse{}, nil
}
