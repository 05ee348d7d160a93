package usermanager

import (
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Client is the master's side of a plugin process's user managers.
type Client struct {
	c      pb.UserManagerClient
	hostID uint32
}

// NewClient returns a client on conn; hostID is the broker id of the
// master's Host service for that process.
func NewClient(conn grpc.ClientConnInterface, hostID uint32) *Client {
	return &Client{c: pb.NewUserManagerClient(conn), hostID: hostID}
}

// Instance returns a handle for one instance whose configuration has schema.
func (c *Client) Instance(schema base.Block) UserManager {
	return instances.NewRemote(c.c, c.hostID, schema)
}
