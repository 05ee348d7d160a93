package hostservice

import (
	"context"
	"math"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// MaxMessageSize is the receive limit of every bbhost gRPC server (both
// directions; grpc-go's default is 4 MiB).
const MaxMessageSize = 64 << 20

// ServerOptions are the options every bbhost gRPC server adds to those
// go-plugin gives (TLS): the raised message limit.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(math.MaxInt32)}
}

// Register serves impl as the Host service on s.
func Register(s grpc.ServiceRegistrar, impl base.HostServer) {
	pb.RegisterHostServer(s, &server{impl: impl})
}

type server struct {
	pb.UnimplementedHostServer
	impl base.HostServer
}

func ref(r *pb.InstanceRef) (base.Ref, error) {
	if r == nil || r.Name == "" {
		return base.Ref{}, status.Error(codes.InvalidArgument, "request without an instance ref")
	}
	return convert.RefFromProto(r), nil
}

func (s *server) AddChange(ctx context.Context, req *pb.AddChangeRequest) (*pb.AddChangeResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	ch, err := convert.ChangeFromProto(req.Change)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	res, err := s.impl.AddChange(ctx, r, ch, convert.StateWritesFromProto(req.StateWrites))
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.AddChangeResponse{Changeid: res.ChangeID, StateVersions: res.StateVersions}, nil
}

func (s *server) AddBuildset(ctx context.Context, req *pb.AddBuildsetRequest) (*pb.AddBuildsetResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	spec, err := convert.BuildsetSpecFromProto(req.Spec)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	res, err := s.impl.AddBuildset(ctx, r, spec, convert.StateWritesFromProto(req.StateWrites))
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.AddBuildsetResponse{Bsid: res.BSID, Brids: res.BRIDs, StateVersions: res.StateVersions}, nil
}

func (s *server) GetObjectID(ctx context.Context, req *pb.GetObjectIDRequest) (*pb.GetObjectIDResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	id, err := s.impl.GetObjectID(ctx, r, req.Name, req.ClassName)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.GetObjectIDResponse{Objectid: id}, nil
}

func (s *server) GetState(ctx context.Context, req *pb.GetStateRequest) (*pb.GetStateResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	st, err := s.impl.GetState(ctx, r, req.Objectid, req.Name)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.GetStateResponse{Found: st.Found, ValueJson: st.Value, Version: st.Version}, nil
}

func (s *server) SetState(ctx context.Context, req *pb.SetStateRequest) (*pb.SetStateResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	if req.Write == nil {
		return nil, status.Error(codes.InvalidArgument, "SetState without a write")
	}
	v, err := s.impl.SetState(ctx, r, convert.StateWriteFromProto(req.Write))
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.SetStateResponse{Version: v}, nil
}

func (s *server) GetChange(ctx context.Context, req *pb.GetChangeRequest) (*pb.GetChangeResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	ch, ok, err := s.impl.GetChange(ctx, r, req.Changeid)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	if !ok {
		return &pb.GetChangeResponse{}, nil
	}
	pc, err := convert.ChangeToProto(ch)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &pb.GetChangeResponse{Found: true, Change: pc}, nil
}

func (s *server) GetBuildset(ctx context.Context, req *pb.GetBuildsetRequest) (*pb.GetBuildsetResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	bs, ok, err := s.impl.GetBuildset(ctx, r, req.Bsid)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	if !ok {
		return &pb.GetBuildsetResponse{}, nil
	}
	return &pb.GetBuildsetResponse{Found: true, Buildset: convert.BuildsetToProto(bs)}, nil
}

func (s *server) FindUserByAttr(ctx context.Context, req *pb.FindUserByAttrRequest) (*pb.FindUserByAttrResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	uid, err := s.impl.FindUserByAttr(ctx, r, req.Identifier, req.AttrType, req.AttrData)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.FindUserByAttrResponse{Uid: uid}, nil
}

func (s *server) GetUser(ctx context.Context, req *pb.GetUserRequest) (*pb.GetUserResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	u, ok, err := s.impl.GetUser(ctx, r, req.Uid)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	if !ok {
		return &pb.GetUserResponse{}, nil
	}
	return &pb.GetUserResponse{Found: true, User: convert.UserToProto(u)}, nil
}

func (s *server) UpdateUser(ctx context.Context, req *pb.UpdateUserRequest) (*pb.UpdateUserResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	u := base.UserUpdate{UID: req.Uid, Identifier: req.Identifier, BBUsername: req.BbUsername, BBPassword: req.BbPassword,
		AttrType: req.AttrType, AttrData: req.AttrData}
	if err := s.impl.UpdateUser(ctx, r, u); err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.UpdateUserResponse{}, nil
}

func (s *server) RemoveUser(ctx context.Context, req *pb.RemoveUserRequest) (*pb.RemoveUserResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	if err := s.impl.RemoveUser(ctx, r, req.Uid); err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.RemoveUserResponse{}, nil
}

func (s *server) IdentifierToUID(ctx context.Context, req *pb.IdentifierToUIDRequest) (*pb.IdentifierToUIDResponse, error) {
	r, err := ref(req.Ref)
	if err != nil {
		return nil, err
	}
	uid, ok, err := s.impl.IdentifierToUID(ctx, r, req.Identifier)
	if err != nil {
		return nil, convert.ErrorToStatus(err)
	}
	return &pb.IdentifierToUIDResponse{Found: ok, Uid: uid}, nil
}

func (s *server) Subscribe(req *pb.SubscribeRequest, stream pb.Host_SubscribeServer) error {
	r, err := ref(req.Ref)
	if err != nil {
		return err
	}
	ctx := stream.Context()
	sub, err := s.impl.Subscribe(ctx, r, base.SubscribeRequest{Changes: req.Changes, ChangesAfter: req.ChangesAfter, Buildsets: req.Buildsets})
	if err != nil {
		return convert.ErrorToStatus(err)
	}
	defer sub.Close()
	for {
		ev, err := sub.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return status.FromContextError(ctx.Err()).Err()
			}
			return convert.ErrorToStatus(err)
		}
		pe, err := convert.EventToProto(ev)
		if err != nil {
			return status.Error(codes.Internal, err.Error())
		}
		if err := stream.Send(pe); err != nil {
			return err
		}
	}
}
