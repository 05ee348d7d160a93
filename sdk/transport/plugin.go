package transport

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Conn is what the master gets when it dispenses any entry of the plugin
// set: the one gRPC connection to the process (every service shares it),
// the broker for the Host service, and a context cancelled when the
// process exits.
type Conn struct {
	Ctx    context.Context
	Broker *plugin.GRPCBroker
	Conn   *grpc.ClientConn
}

// grpcPlugin is one entry of the plugin set. register is nil on the
// master's side.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	register func(*plugin.GRPCBroker, *grpc.Server) error
}

func (p *grpcPlugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	if p.register == nil {
		return nil
	}
	return p.register(b, s)
}

func (p *grpcPlugin) GRPCClient(ctx context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	return &Conn{Ctx: ctx, Broker: b, Conn: c}, nil
}

// ClientPlugins is the master's VersionedPlugins: every entry of every
// protocol version it speaks.
func ClientPlugins() map[int]plugin.PluginSet {
	set := plugin.PluginSet{NameBase: &grpcPlugin{}}
	for _, t := range []string{"change_source", "scheduler", "worker", "user_manager"} {
		set[t] = &grpcPlugin{}
	}
	return map[int]plugin.PluginSet{ProtocolVersion: set}
}
