package hostservice

import (
	"context"
	"fmt"
	"sync"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Client calls the master's Host service over one connection.
type Client struct {
	c pb.HostClient
}

// NewClient returns a client on conn.
func NewClient(conn grpc.ClientConnInterface) *Client { return &Client{c: pb.NewHostClient(conn)} }

// Bind returns the base.Host of one instance; ref is called on every call
// so the newest generation is sent.
func (c *Client) Bind(ref func() base.Ref) base.Host { return &bound{c: c.c, ref: ref} }

type bound struct {
	c   pb.HostClient
	ref func() base.Ref
}

func (b *bound) r() *pb.InstanceRef { return convert.RefToProto(b.ref()) }

func (b *bound) AddChange(ctx context.Context, ch base.Change, writes ...base.StateWrite) (base.ChangeResult, error) {
	pc, err := convert.ChangeToProto(ch)
	if err != nil {
		return base.ChangeResult{}, fmt.Errorf("add change: %w", err)
	}
	res, err := b.c.AddChange(ctx, &pb.AddChangeRequest{Ref: b.r(), Change: pc, StateWrites: convert.StateWritesToProto(writes)})
	if err != nil {
		return base.ChangeResult{}, convert.ErrorFromStatus(err)
	}
	return base.ChangeResult{ChangeID: res.Changeid, StateVersions: res.StateVersions}, nil
}

func (b *bound) AddBuildset(ctx context.Context, spec base.BuildsetSpec, writes ...base.StateWrite) (base.BuildsetResult, error) {
	ps, err := convert.BuildsetSpecToProto(spec)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("add buildset: %w", err)
	}
	res, err := b.c.AddBuildset(ctx, &pb.AddBuildsetRequest{Ref: b.r(), Spec: ps, StateWrites: convert.StateWritesToProto(writes)})
	if err != nil {
		return base.BuildsetResult{}, convert.ErrorFromStatus(err)
	}
	return base.BuildsetResult{BSID: res.Bsid, BRIDs: res.Brids, StateVersions: res.StateVersions}, nil
}

func (b *bound) GetObjectID(ctx context.Context, name, className string) (int64, error) {
	res, err := b.c.GetObjectID(ctx, &pb.GetObjectIDRequest{Ref: b.r(), Name: name, ClassName: className})
	if err != nil {
		return 0, convert.ErrorFromStatus(err)
	}
	return res.Objectid, nil
}

func (b *bound) GetState(ctx context.Context, objectID int64, name string) (base.State, error) {
	res, err := b.c.GetState(ctx, &pb.GetStateRequest{Ref: b.r(), Objectid: objectID, Name: name})
	if err != nil {
		return base.State{}, convert.ErrorFromStatus(err)
	}
	return base.State{Found: res.Found, Value: res.ValueJson, Version: res.Version}, nil
}

func (b *bound) SetState(ctx context.Context, w base.StateWrite) (int64, error) {
	res, err := b.c.SetState(ctx, &pb.SetStateRequest{Ref: b.r(), Write: convert.StateWriteToProto(w)})
	if err != nil {
		return 0, convert.ErrorFromStatus(err)
	}
	return res.Version, nil
}

func (b *bound) GetChange(ctx context.Context, id int64) (base.Change, bool, error) {
	res, err := b.c.GetChange(ctx, &pb.GetChangeRequest{Ref: b.r(), Changeid: id})
	if err != nil {
		return base.Change{}, false, convert.ErrorFromStatus(err)
	}
	if !res.Found {
		return base.Change{}, false, nil
	}
	ch, err := convert.ChangeFromProto(res.Change)
	return ch, err == nil, err
}

func (b *bound) GetBuildset(ctx context.Context, bsid int64) (base.Buildset, bool, error) {
	res, err := b.c.GetBuildset(ctx, &pb.GetBuildsetRequest{Ref: b.r(), Bsid: bsid})
	if err != nil {
		return base.Buildset{}, false, convert.ErrorFromStatus(err)
	}
	if !res.Found {
		return base.Buildset{}, false, nil
	}
	return convert.BuildsetFromProto(res.Buildset), true, nil
}

func (b *bound) FindUserByAttr(ctx context.Context, identifier, attrType, attrData string) (int64, error) {
	res, err := b.c.FindUserByAttr(ctx, &pb.FindUserByAttrRequest{Ref: b.r(), Identifier: identifier, AttrType: attrType, AttrData: attrData})
	if err != nil {
		return 0, convert.ErrorFromStatus(err)
	}
	return res.Uid, nil
}

func (b *bound) GetUser(ctx context.Context, uid int64) (base.User, bool, error) {
	res, err := b.c.GetUser(ctx, &pb.GetUserRequest{Ref: b.r(), Uid: uid})
	if err != nil {
		return base.User{}, false, convert.ErrorFromStatus(err)
	}
	if !res.Found {
		return base.User{}, false, nil
	}
	return convert.UserFromProto(res.User), true, nil
}

func (b *bound) UpdateUser(ctx context.Context, u base.UserUpdate) error {
	_, err := b.c.UpdateUser(ctx, &pb.UpdateUserRequest{Ref: b.r(), Uid: u.UID, Identifier: u.Identifier, BbUsername: u.BBUsername,
		BbPassword: u.BBPassword, AttrType: u.AttrType, AttrData: u.AttrData})
	return convert.ErrorFromStatus(err)
}

func (b *bound) RemoveUser(ctx context.Context, uid int64) error {
	_, err := b.c.RemoveUser(ctx, &pb.RemoveUserRequest{Ref: b.r(), Uid: uid})
	return convert.ErrorFromStatus(err)
}

func (b *bound) IdentifierToUID(ctx context.Context, identifier string) (int64, bool, error) {
	res, err := b.c.IdentifierToUID(ctx, &pb.IdentifierToUIDRequest{Ref: b.r(), Identifier: identifier})
	if err != nil {
		return 0, false, convert.ErrorFromStatus(err)
	}
	return res.Uid, res.Found, nil
}

func (b *bound) Subscribe(ctx context.Context, req base.SubscribeRequest) (base.Subscription, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := b.c.Subscribe(ctx, &pb.SubscribeRequest{Ref: b.r(), Changes: req.Changes, ChangesAfter: req.ChangesAfter, Buildsets: req.Buildsets})
	if err != nil {
		cancel()
		return nil, convert.ErrorFromStatus(err)
	}
	return &subscription{stream: stream, cancel: cancel}, nil
}

type subscription struct {
	stream pb.Host_SubscribeClient
	cancel context.CancelFunc
}

func (s *subscription) Recv() (base.Event, error) {
	ev, err := s.stream.Recv()
	if err != nil {
		return base.Event{}, convert.ErrorFromStatus(err)
	}
	return convert.EventFromProto(ev)
}

func (s *subscription) Close() error {
	s.cancel()
	return nil
}

// Dialer keeps the plugin process's one connection to the Host service:
// the first instance configured dials the broker id it was given, later
// instances reuse the connection (a new id, from a restarted host side,
// replaces it).
type Dialer struct {
	dial func(id uint32) (*grpc.ClientConn, error)

	mu     sync.Mutex
	id     uint32
	conn   *grpc.ClientConn
	client *Client
}

// NewDialer returns a Dialer that opens connections with dial (go-plugin's
// GRPCBroker.Dial in a plugin process).
func NewDialer(dial func(id uint32) (*grpc.ClientConn, error)) *Dialer { return &Dialer{dial: dial} }

// Client returns the client for broker id, dialling it the first time.
func (d *Dialer) Client(id uint32) (*Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client != nil && d.id == id {
		return d.client, nil
	}
	if d.dial == nil {
		return nil, fmt.Errorf("no host service connection available")
	}
	conn, err := d.dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial host service %d: %w", id, err)
	}
	if d.conn != nil {
		_ = d.conn.Close()
	}
	d.id, d.conn, d.client = id, conn, NewClient(conn)
	return d.client, nil
}

// Close closes the connection.
func (d *Dialer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close()
	d.conn, d.client = nil, nil
	return err
}
