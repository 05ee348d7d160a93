package transport

import (
	"context"
	"fmt"
	"time"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"github.com/zclconf/go-cty/cty"
	"google.golang.org/grpc"
)

// NewBaseClient returns the master's side of a plugin's base service.
func NewBaseClient(conn grpc.ClientConnInterface) base.Plugin {
	return &baseClient{c: pb.NewPluginClient(conn)}
}

type baseClient struct {
	c pb.PluginClient
}

func (b *baseClient) Describe(ctx context.Context) (base.PluginInfo, error) {
	res, err := b.c.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return base.PluginInfo{}, fmt.Errorf("describe: %w", convert.ErrorFromStatus(err))
	}
	info := base.PluginInfo{Name: res.Name, Version: res.Version, SDKVersion: res.SdkVersion}
	for _, v := range res.ProtocolVersions {
		info.ProtocolVersions = append(info.ProtocolVersions, int(v))
	}
	for _, c := range res.Components {
		schema, err := convert.SchemaFromProto(c.ConfigSchema)
		if err != nil {
			return base.PluginInfo{}, fmt.Errorf("describe: %s %q: schema: %w", c.Type, c.Kind, err)
		}
		t := base.ComponentType(c.Type)
		if !t.Valid() || c.Kind == "" {
			return base.PluginInfo{}, fmt.Errorf("describe: invalid component %q %q", c.Type, c.Kind)
		}
		info.Components = append(info.Components, base.ComponentInfo{Type: t, Kind: c.Kind, Schema: schema, Docs: c.Docs, Capabilities: c.Capabilities})
	}
	return info, nil
}

// ValidateConfig needs the component's schema to encode cfg; it asks
// Describe on first use of a kind. Hosts that already hold the schema call
// ValidateConfigWithSchema.
func (b *baseClient) ValidateConfig(ctx context.Context, ref base.Ref, cfg cty.Value, common base.Common) (base.Diagnostics, error) {
	info, err := b.Describe(ctx)
	if err != nil {
		return nil, err
	}
	c, ok := info.Component(ref.Type, ref.Kind)
	if !ok {
		return nil, fmt.Errorf("validate %s: the plugin provides no such component", ref)
	}
	return ValidateConfigWithSchema(ctx, b, ref, c.Schema, cfg, common)
}

// ValidateConfigWithSchema validates cfg, encoded against schema, with the
// base service p (from NewBaseClient).
func ValidateConfigWithSchema(ctx context.Context, p base.Plugin, ref base.Ref, schema base.Block, cfg cty.Value, common base.Common) (base.Diagnostics, error) {
	b, ok := p.(*baseClient)
	if !ok {
		return p.ValidateConfig(ctx, ref, cfg, common)
	}
	dv, err := convert.DynamicToProto(cfg, schema.ImpliedType())
	if err != nil {
		return nil, fmt.Errorf("validate %s: %w", ref, err)
	}
	pc, err := convert.CommonToProto(common)
	if err != nil {
		return nil, fmt.Errorf("validate %s: %w", ref, err)
	}
	res, err := b.c.ValidateConfig(ctx, &pb.ValidateConfigRequest{Ref: convert.RefToProto(ref), Config: dv, Common: pc})
	if err != nil {
		return nil, fmt.Errorf("validate %s: %w", ref, convert.ErrorFromStatus(err))
	}
	return convert.DiagnosticsFromProto(res.Diagnostics), nil
}

func (b *baseClient) Shutdown(ctx context.Context, drainDeadline time.Time) error {
	if _, err := b.c.Shutdown(ctx, &pb.ShutdownRequest{DrainDeadlineUnixNano: convert.DeadlineToProto(drainDeadline)}); err != nil {
		return fmt.Errorf("shutdown: %w", convert.ErrorFromStatus(err))
	}
	return nil
}
