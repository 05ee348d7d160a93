package usermanager

import (
	"context"

	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Server serves the user manager instances of a plugin process.
type Server struct {
	pb.UnimplementedUserManagerServer
	set *instances.Set
}

// NewServer returns the server of set, which must hold user managers.
func NewServer(set *instances.Set) *Server { return &Server{set: set} }

// Register registers srv on s.
func Register(s grpc.ServiceRegistrar, srv *Server) { pb.RegisterUserManagerServer(s, srv) }

func (s *Server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	return s.set.Configure(ctx, req)
}

func (s *Server) Start(ctx context.Context, req *pb.StartRequest) (*pb.StartResponse, error) {
	return s.set.Start(ctx, req)
}

func (s *Server) Stop(ctx context.Context, req *pb.StopRequest) (*pb.StopResponse, error) {
	return s.set.Stop(ctx, req)
}
