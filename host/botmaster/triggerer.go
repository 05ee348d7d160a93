package botmaster

import (
	"context"

	"github.com/bbhost/bbhost/host/botmaster/properties"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

// SchedulerTrigger is what the scheduler manager offers trigger steps
// (host/schedulers' SchedulerManager.Trigger).
type SchedulerTrigger interface {
	Trigger(ctx context.Context, name string, req scheduler.TriggerRequest) (base.BuildsetResult, error)
}

// TriggerAdapter makes the scheduler manager a steps.Triggerer: the
// triggered properties get source "Trigger".
type TriggerAdapter struct{ M SchedulerTrigger }

var _ steps.Triggerer = TriggerAdapter{}

// Trigger implements steps.Triggerer.
func (a TriggerAdapter) Trigger(ctx context.Context, name string, req steps.TriggerRequest) (int64, map[int64]int64, error) {
	sreq := scheduler.TriggerRequest{WaitedFor: req.WaitedFor}
	if req.ParentBuildID != 0 {
		id := req.ParentBuildID
		sreq.ParentBuildID = &id
	}
	if req.ParentRelationship != "" {
		rel := req.ParentRelationship
		sreq.ParentRelationship = &rel
	}
	for _, ss := range req.SourceStamps {
		sreq.SourceStamps = append(sreq.SourceStamps, base.SourceStamp{Codebase: ss.Codebase,
			Repository: ss.Repository, Branch: ss.Branch, Revision: ss.Revision, Project: ss.Project})
	}
	if len(req.Properties) > 0 {
		sreq.Properties = make(map[string]base.Property, len(req.Properties))
		for k, v := range req.Properties {
			sreq.Properties[k] = base.Property{Value: v, Source: properties.SourceTrigger}
		}
	}
	res, err := a.M.Trigger(ctx, name, sreq)
	if err != nil {
		return 0, nil, err
	}
	return res.BSID, res.BRIDs, nil
}
