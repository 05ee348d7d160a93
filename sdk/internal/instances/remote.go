package instances

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
)

// LifecycleClient is the lifecycle part every generated kind client has.
type LifecycleClient interface {
	Configure(ctx context.Context, in *pb.ConfigureRequest, opts ...grpc.CallOption) (*pb.ConfigureResponse, error)
	Start(ctx context.Context, in *pb.StartRequest, opts ...grpc.CallOption) (*pb.StartResponse, error)
	Stop(ctx context.Context, in *pb.StopRequest, opts ...grpc.CallOption) (*pb.StopResponse, error)
}

// Remote is the master's handle on one instance in a plugin process: it
// implements base.Component over a kind client. Kind packages embed it.
type Remote struct {
	lc     LifecycleClient
	hostID uint32
	typ    cty.Type

	mu  sync.Mutex
	ref base.Ref
}

// NewRemote returns a handle for an instance whose configuration has
// schema; hostID is the broker id of the master's Host service.
func NewRemote(lc LifecycleClient, hostID uint32, schema base.Block) *Remote {
	return &Remote{lc: lc, hostID: hostID, typ: schema.ImpliedType()}
}

// CurrentRef returns the ref of the last successful Configure.
func (r *Remote) CurrentRef() base.Ref {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ref
}

// ProtoRef returns CurrentRef in protocol form.
func (r *Remote) ProtoRef() *pb.InstanceRef { return convert.RefToProto(r.CurrentRef()) }

// Configure sends the configuration. Diagnostics come back as a
// base.DiagnosticsError; a plugin that cannot apply it in place answers
// base.ErrRestartRequired. req.Host and req.Logger are not used: the plugin
// reaches the master through the broker.
func (r *Remote) Configure(ctx context.Context, req base.ConfigureRequest) error {
	dv, err := convert.DynamicToProto(req.Config, r.typ)
	if err != nil {
		return fmt.Errorf("configure %s: %w", req.Ref, err)
	}
	common, err := convert.CommonToProto(req.Common)
	if err != nil {
		return fmt.Errorf("configure %s: %w", req.Ref, err)
	}
	res, err := r.lc.Configure(ctx, &pb.ConfigureRequest{Ref: convert.RefToProto(req.Ref), Config: dv, Common: common, HostServiceId: r.hostID})
	if err != nil {
		return fmt.Errorf("configure %s: %w", req.Ref, convert.ErrorFromStatus(err))
	}
	if res.RequiresRestart {
		return base.ErrRestartRequired
	}
	diags := convert.DiagnosticsFromProto(res.Diagnostics)
	if diags.HasErrors() {
		return diags.Err()
	}
	r.mu.Lock()
	r.ref = req.Ref
	r.mu.Unlock()
	return nil
}

// Start starts the instance.
func (r *Remote) Start(ctx context.Context) error {
	ref := r.CurrentRef()
	if _, err := r.lc.Start(ctx, &pb.StartRequest{Ref: convert.RefToProto(ref)}); err != nil {
		return fmt.Errorf("start %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return nil
}

// Stop stops the instance, draining until deadline.
func (r *Remote) Stop(ctx context.Context, deadline time.Time) error {
	ref := r.CurrentRef()
	if _, err := r.lc.Stop(ctx, &pb.StopRequest{Ref: convert.RefToProto(ref), DrainDeadlineUnixNano: convert.DeadlineToProto(deadline)}); err != nil {
		return fmt.Errorf("stop %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return nil
}
