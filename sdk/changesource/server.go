package changesource

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

// Server serves the change source instances of a plugin process.
type Server struct {
	pb.UnimplementedChangeSourceServer
	set *instances.Set
}

// NewServer returns the server of set, which must hold change sources.
func NewServer(set *instances.Set) *Server { return &Server{set: set} }

// Register registers srv on s.
func Register(s grpc.ServiceRegistrar, srv *Server) { pb.RegisterChangeSourceServer(s, srv) }

func (s *Server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	return s.set.Configure(ctx, req)
}

func (s *Server) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	return s.set.Start(ctx, req)
}

func (s *Server) Stop(ctx context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	return s.set.Stop(ctx, req)
}

func (s *Server) Poll(ctx context.Context, req *pb.PollRequest) (*pb.PollResponse, error) {
	e, err := s.set.Lookup(req.Ref)
	if err != nil {
		return nil, err
	}
	cs, ok := e.Comp.(ChangeSource)
	if !ok {
		return nil, status.Errorf(codes.Internal, "%s is not a change source", e.Ref())
	}
	if err := cs.Poll(ctx); err != nil {
		return nil, convert.ErrorToStatus(fmt.Errorf("poll %s: %w", e.Ref(), err))
	}
	return &pb.PollResponse{}, nil
}

var _ base.Component = ChangeSource(nil)
