package scheduler

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/internal/convert"
	"github.com/bbhost/bbhost/sdk/internal/instances"
	pb "github.com/bbhost/bbhost/sdk/proto/bbhost/plugin/v1"
	"google.golang.org/grpc"
)

// Client is the master's side of a plugin process's schedulers.
type Client struct {
	c      pb.SchedulerClient
	hostID uint32
}

// NewClient returns a client on conn; hostID is the broker id of the
// master's Host service for that process.
func NewClient(conn grpc.ClientConnInterface, hostID uint32) *Client {
	return &Client{c: pb.NewSchedulerClient(conn), hostID: hostID}
}

// Instance returns a handle for one instance whose configuration has schema.
func (c *Client) Instance(schema base.Block) Instance {
	return &remote{Remote: instances.NewRemote(c.c, c.hostID, schema), c: c.c}
}

type remote struct {
	*instances.Remote
	c pb.SchedulerClient
}

func (r *remote) ForceSpec(ctx context.Context) (ForceSpec, error) {
	ref := r.CurrentRef()
	res, err := r.c.ForceSpec(ctx, &pb.ForceSpecRequest{Ref: convert.RefToProto(ref)})
	if err != nil {
		return ForceSpec{}, fmt.Errorf("force spec %s: %w", ref, convert.ErrorFromStatus(err))
	}
	fields := make([]json.RawMessage, len(res.AllFieldsJson))
	for i, f := range res.AllFieldsJson {
		if !json.Valid(f) {
			return ForceSpec{}, fmt.Errorf("force spec %s: field %d is not valid JSON", ref, i)
		}
		fields[i] = f
	}
	return ForceSpec{ButtonName: res.ButtonName, Label: res.Label, BuilderNames: res.BuilderNames, AllFields: fields}, nil
}

func (r *remote) Force(ctx context.Context, req ForceRequest) (base.BuildsetResult, error) {
	ref := r.CurrentRef()
	props, err := convert.ValueMapToProto(req.Properties)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("force %s: properties: %w", ref, err)
	}
	fields, err := convert.ValueMapToProto(req.Fields)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("force %s: fields: %w", ref, err)
	}
	cbs := make(map[string]*pb.CodebaseRequest, len(req.Codebases))
	for k, c := range req.Codebases {
		cbs[k] = &pb.CodebaseRequest{Branch: c.Branch, Revision: c.Revision, Repository: c.Repository, Project: c.Project}
	}
	res, err := r.c.Force(ctx, &pb.ForceRequest{Ref: convert.RefToProto(ref), Owner: req.Owner, Reason: req.Reason,
		BuilderNames: req.BuilderNames, Codebases: cbs, Properties: props, Fields: fields})
	return buildsetResult(res, err, ref, "force")
}

func (r *remote) Trigger(ctx context.Context, req TriggerRequest) (base.BuildsetResult, error) {
	ref := r.CurrentRef()
	props, err := convert.PropertiesToProto(req.Properties)
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("trigger %s: %w", ref, err)
	}
	res, err := r.c.Trigger(ctx, &pb.TriggerRequest{Ref: convert.RefToProto(ref), Sourcestamps: convert.SourceStampsToProto(req.SourceStamps),
		Properties: props, WaitedFor: req.WaitedFor, ParentBuildid: req.ParentBuildID, ParentRelationship: req.ParentRelationship})
	return buildsetResult(res, err, ref, "trigger")
}

func buildsetResult(res *pb.BuildsetResponse, err error, ref base.Ref, what string) (base.BuildsetResult, error) {
	if err != nil {
		return base.BuildsetResult{}, fmt.Errorf("%s %s: %w", what, ref, convert.ErrorFromStatus(err))
	}
	if len(res.FieldErrors) > 0 {
		return base.BuildsetResult{}, &ValidationError{Fields: res.FieldErrors}
	}
	return base.BuildsetResult{BSID: res.Bsid, BRIDs: res.Brids}, nil
}

var _ Instance = (*remote)(nil)
