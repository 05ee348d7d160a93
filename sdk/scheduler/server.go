package scheduler

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Server serves the scheduler instances of a plugin process.
type Server struct {
	pb.UnimplementedSchedulerServer
	set *instances.Set
}

// NewServer returns the server of set, which must hold schedulers.
func NewServer(set *instances.Set) *Server { return &Server{set: set} }

// Register registers srv on s.
func Register(s grpc.ServiceRegistrar, srv *Server) { pb.RegisterSchedulerServer(s, srv) }

func (s *Server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	return s.set.Configure(ctx, req)
}

func (s *Server) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	return s.set.Start(ctx, req)
}

func (s *Server) Stop(ctx context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	return s.set.Stop(ctx, req)
}

func (s *Server) Force(ctx context.Context, req *pb.ForceRequest) (*pb.BuildsetResponse, error) {
	e, err := s.set.Lookup(req.Ref)
	if err != nil {
		return nil, err
	}
	f, ok := e.Comp.(Forcer)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: force: %v", e.Ref(), base.ErrUnsupported)
	}
	fr, err := forceRequestFromProto(req)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	res, err := f.Force(ctx, fr)
	return buildsetResponse(res, err, e.Ref(), "force")
}

func (s *Server) Trigger(ctx context.Context, req *pb.TriggerRequest) (*pb.BuildsetResponse, error) {
	e, err := s.set.Lookup(req.Ref)
	if err != nil {
		return nil, err
	}
	t, ok := e.Comp.(Triggerer)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: trigger: %v", e.Ref(), base.ErrUnsupported)
	}
	props, err := convert.PropertiesFromProto(req.Properties)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	res, err := t.Trigger(ctx, TriggerRequest{SourceStamps: convert.SourceStampsFromProto(req.Sourcestamps), Properties: props,
		WaitedFor: req.WaitedFor, ParentBuildID: req.ParentBuildid, ParentRelationship: req.ParentRelationship})
	return buildsetResponse(res, err, e.Ref(), "trigger")
}

func (s *Server) ForceSpec(ctx context.Context, req *pb.ForceSpecRequest) (*pb.ForceSpecResponse, error) {
	e, err := s.set.Lookup(req.Ref)
	if err != nil {
		return nil, err
	}
	f, ok := e.Comp.(Forcer)
	if !ok {
		return nil, status.Errorf(codes.Unimplemented, "%s: force spec: %v", e.Ref(), base.ErrUnsupported)
	}
	spec, err := f.ForceSpec(ctx)
	if err != nil {
		return nil, convert.ErrorToStatus(fmt.Errorf("force spec %s: %w", e.Ref(), err))
	}
	fields := make([][]byte, len(spec.AllFields))
	for i, f := range spec.AllFields {
		fields[i] = f
	}
	return &pb.ForceSpecResponse{ButtonName: spec.ButtonName, Label: spec.Label, BuilderNames: spec.BuilderNames, AllFieldsJson: fields}, nil
}

func buildsetResponse(res base.BuildsetResult, err error, ref base.Ref, what string) (*pb.BuildsetResponse, error) {
	if err != nil {
		if ve, ok := err.(*ValidationError); ok {
			return &pb.BuildsetResponse{FieldErrors: ve.Fields}, nil
		}
		return nil, convert.ErrorToStatus(fmt.Errorf("%s %s: %w", what, ref, err))
	}
	return &pb.BuildsetResponse{Bsid: res.BSID, Brids: res.BRIDs}, nil
}

func forceRequestFromProto(req *pb.ForceRequest) (ForceRequest, error) {
	props, err := convert.ValueMapFromProto(req.Properties)
	if err != nil {
		return ForceRequest{}, fmt.Errorf("properties: %w", err)
	}
	fields, err := convert.ValueMapFromProto(req.Fields)
	if err != nil {
		return ForceRequest{}, fmt.Errorf("fields: %w", err)
	}
	var cbs map[string]CodebaseRequest
	if len(req.Codebases) > 0 {
		cbs = make(map[string]CodebaseRequest, len(req.Codebases))
		for k, c := range req.Codebases {
			cbs[k] = CodebaseRequest{Branch: c.GetBranch(), Revision: c.GetRevision(), Repository: c.GetRepository(), Project: c.GetProject()}
		}
	}
	return ForceRequest{Owner: req.Owner, Reason: req.Reason, BuilderNames: req.BuilderNames, Codebases: cbs, Properties: props, Fields: fields}, nil
}
