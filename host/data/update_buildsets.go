package data

import (
	"context"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
)

// BuildsetInput is a buildset to add (Buildbot's addBuildset arguments).
type BuildsetInput struct {
	WaitedFor bool
	// Scheduler names the scheduler adding the buildset (in the new event).
	Scheduler string
	// SourceStamps are existing stamp ids or stamps to find or create.
	SourceStamps       []db.SourceStampRef
	Reason             string
	Properties         SourcedProperties
	BuilderIDs         []int64
	ExternalIDString   *string
	ParentBuildID      *int64
	ParentRelationship *string
}

// AddBuildset stores a buildset, its properties and source stamps, one
// build request per builder and the given state writes in one transaction.
// Then, as Buildbot does, it lets the collapser supersede older requests,
// publishes buildrequests …new for each request and buildsets.N.new, and
// completes a buildset without builders right away. It returns the
// buildset id and the request id of each builder id.
func (c *Connector) AddBuildset(ctx context.Context, in BuildsetInput, state ...StateWrite) (int64, map[int64]int64, error) {
	spec := db.BuildsetSpec{
		SourceStamps: in.SourceStamps, Reason: in.Reason, Properties: propertiesFromSourced(in.Properties),
		BuilderIDs: in.BuilderIDs, WaitedFor: in.WaitedFor, ExternalIDString: in.ExternalIDString,
		ParentBuildID: in.ParentBuildID, ParentRelationship: in.ParentRelationship,
	}
	var added *db.AddedBuildset
	err := c.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		spec.SubmittedAt = c.now()
		if added, err = tx.Buildsets().Add(ctx, spec); err != nil {
			return err
		}
		return writeState(ctx, tx, state)
	})
	if err != nil {
		return 0, nil, fmt.Errorf("add buildset: %w", err)
	}
	bsid, brids := added.Buildset.ID, added.BRIDs()
	if col := c.collapser.Load(); col != nil && len(brids) > 0 {
		if err := col.CollapseRequests(ctx, brids); err != nil {
			c.log.Error("collapsing build requests failed", "bsid", bsid, "error", err)
		}
	}
	var ev events
	for i := range added.Requests {
		ev.buildRequest(buildRequestFromRow(&added.Requests[i]), "new")
	}
	bs := buildsetFromRow(&added.Buildset, added.SourceStamps)
	bs.Results = nil // as Buildbot's message: null until complete
	ev.add(buildsetKey(bsid, "new"), &BuildsetNewEvent{Buildset: *bs, Scheduler: in.Scheduler})
	c.db.AfterCommits(func() { c.publish(ev) })
	if len(brids) == 0 {
		if err := c.MaybeBuildsetComplete(ctx, bsid); err != nil {
			return bsid, brids, err
		}
	}
	return bsid, brids, nil
}

// MaybeBuildsetComplete completes a buildset whose requests are all
// complete, with the worst of their results, and publishes
// buildsets.N.complete; it does nothing otherwise.
func (c *Connector) MaybeBuildsetComplete(ctx context.Context, bsid int64) error {
	return c.update(ctx, func(tx *db.Tx, ev *events) error {
		return c.maybeBuildsetComplete(ctx, tx, ev, bsid)
	})
}

func (c *Connector) maybeBuildsetComplete(ctx context.Context, tx *db.Tx, ev *events, bsid int64) error {
	bs, err := tx.Buildsets().MaybeComplete(ctx, bsid, c.now())
	if err != nil || bs == nil {
		return err
	}
	sss, err := tx.SourceStamps().ForBuildset(ctx, bsid)
	if err != nil {
		return err
	}
	ev.add(buildsetKey(bsid, "complete"), buildsetFromRow(bs, sss))
	return nil
}
