package changesource

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Client is the master's side of a plugin process's change sources.
type Client struct {
	c      pb.ChangeSourceClient
	hostID uint32
}

// NewClient returns a client on conn; hostID is the broker id of the
// master's Host service for that process.
func NewClient(conn grpc.ClientConnInterface, hostID uint32) *Client {
	return &Client{c: pb.NewChangeSourceClient(conn), hostID: hostID}
}

// Instance returns a handle for one instance whose configuration has
// schema; its Configure names the instance.
func (c *Client) Instance(schema base.Block) ChangeSource {
	return &remote{Remote: instances.NewRemote(c.c, c.hostID, schema), c: c.c}
}

type remote struct {
	*instances.Remote
	c pb.ChangeSourceClient
}

func (r *remote) Poll(ctx context.Context) error {
	ref := r.CurrentRef()
	if _, err := r.c.Poll(ctx, &pb.PollRequest{Ref: convert.RefToProto(ref)}); err != nil {
		return fmt.Errorf("poll %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return nil
}

var _ ChangeSource = (*remote)(nil)
