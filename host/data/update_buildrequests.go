package data

import (
	"context"
	"errors"
	"fmt"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// ClaimBuildRequests claims the requests for masterID, all or none, and
// publishes …claimed for each. It returns false (and no error) when
// another master had claimed any of them. claimedAt 0 means now.
func (c *Connector) ClaimBuildRequests(ctx context.Context, masterID int64, brids []int64, claimedAt int64) (bool, error) {
	if len(brids) == 0 {
		return true, nil
	}
	if claimedAt == 0 {
		claimedAt = c.now()
	}
	claimed := false
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		rows, ok, err := tx.BuildRequests().Claim(ctx, masterID, brids, claimedAt)
		if err != nil || !ok {
			claimed = false
			return err
		}
		claimed = true
		for i := range rows {
			ev.buildRequest(buildRequestFromRow(&rows[i]), "claimed")
		}
		return nil
	})
	return claimed, err
}

// UnclaimBuildRequests deletes masterID's claims on the requests (a build
// ended with RETRY, or could not start) and publishes …unclaimed for each.
func (c *Connector) UnclaimBuildRequests(ctx context.Context, masterID int64, brids []int64) error {
	if len(brids) == 0 {
		return nil
	}
	return c.update(ctx, func(tx *db.Tx, ev *events) error {
		rows, err := tx.BuildRequests().Unclaim(ctx, masterID, brids)
		if err != nil {
			return err
		}
		for i := range rows {
			ev.buildRequest(buildRequestFromRow(&rows[i]), "unclaimed")
		}
		return nil
	})
}

// ErrRetryResult is returned when a build request would be completed with
// RETRY, which is never a final result.
var ErrRetryResult = errors.New("a build request cannot be completed with RETRY")

// CompleteBuildRequests completes the requests with result, all or none,
// publishes …complete for each and completes their buildsets when they are
// done (buildsets.N.complete), in one transaction. It returns false (and
// no error) when any request was already complete. completeAt 0 means now.
func (c *Connector) CompleteBuildRequests(ctx context.Context, brids []int64, result int, completeAt int64) (bool, error) {
	if result == results.Retry {
		return false, ErrRetryResult
	}
	if len(brids) == 0 {
		return true, nil
	}
	if completeAt == 0 {
		completeAt = c.now()
	}
	completed := false
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		var err error
		completed, err = c.completeRequests(ctx, tx, ev, brids, result, completeAt)
		return err
	})
	return completed, err
}

func (c *Connector) completeRequests(ctx context.Context, tx *db.Tx, ev *events, brids []int64, result int, completeAt int64) (bool, error) {
	rows, ok, err := tx.BuildRequests().Complete(ctx, brids, result, completeAt)
	if err != nil || !ok {
		return false, err
	}
	var bsids []int64
	seen := map[int64]bool{}
	for i := range rows {
		ev.buildRequest(buildRequestFromRow(&rows[i]), "complete")
		if !seen[rows[i].BuildsetID] {
			seen[rows[i].BuildsetID] = true
			bsids = append(bsids, rows[i].BuildsetID)
		}
	}
	for _, bsid := range bsids {
		if err := c.maybeBuildsetComplete(ctx, tx, ev, bsid); err != nil {
			return false, err
		}
	}
	return true, nil
}

// CancelBuildRequest cancels a pending request (Buildbot's cancel control):
// it claims it for masterID and completes it with CANCELLED in one
// transaction, then publishes …complete, buildsets.N.complete when that
// finished the buildset, and buildrequests.N.cancel. When the request was
// already claimed (it is running, here or on another master) nothing
// changes and it returns false with the ids of the request's builds, which
// the caller stops (control.builds.N.stop).
func (c *Connector) CancelBuildRequest(ctx context.Context, masterID, brid int64) (bool, []int64, error) {
	cancelled := false
	now := c.now()
	err := c.update(ctx, func(tx *db.Tx, ev *events) error {
		cancelled = false
		_, ok, err := tx.BuildRequests().Claim(ctx, masterID, []int64{brid}, now)
		if err != nil || !ok {
			return err
		}
		if ok, err = c.completeRequests(ctx, tx, ev, []int64{brid}, results.Cancelled, now); err != nil || !ok {
			return err
		}
		br, err := tx.BuildRequests().Get(ctx, brid)
		if err != nil || br == nil {
			return err
		}
		cancelled = true
		ev.add(mqKey("buildrequests", brid, "cancel"), buildRequestFromRow(br))
		return nil
	})
	if err != nil {
		return false, nil, fmt.Errorf("cancel build request %d: %w", brid, err)
	}
	if cancelled {
		return true, nil, nil
	}
	builds, err := c.db.BuildRequests().BuildIDs(ctx, brid)
	if err != nil {
		return false, nil, fmt.Errorf("cancel build request %d: %w", brid, err)
	}
	return false, builds, nil
}

// RebuildBuildRequest adds a buildset that runs a request's builder again
// on the same source stamps with its buildset's properties (Buildbot's
// rebuildBuildrequest, reason and scheduler "rebuild").
func (c *Connector) RebuildBuildRequest(ctx context.Context, brid int64) (int64, map[int64]int64, error) {
	br, err := c.db.BuildRequests().Get(ctx, brid)
	if err != nil || br == nil {
		return 0, nil, fmt.Errorf("rebuild build request %d: %w", brid, errors.Join(err, db.ErrNotFound))
	}
	bs, err := c.db.Buildsets().Get(ctx, br.BuildsetID)
	if err != nil || bs == nil {
		return 0, nil, fmt.Errorf("rebuild build request %d: %w", brid, errors.Join(err, db.ErrNotFound))
	}
	props, err := c.db.Buildsets().Properties(ctx, bs.ID)
	if err != nil {
		return 0, nil, fmt.Errorf("rebuild build request %d: %w", brid, err)
	}
	in := BuildsetInput{Scheduler: "rebuild", Reason: "rebuild", Properties: sourcedFromRow(props),
		BuilderIDs: []int64{br.BuilderID}, ExternalIDString: bs.ExternalIDString,
		ParentBuildID: bs.ParentBuildID, ParentRelationship: bs.ParentRelationship}
	for _, ssid := range bs.SourceStampIDs {
		in.SourceStamps = append(in.SourceStamps, db.SourceStampRef{ID: ssid})
	}
	return c.AddBuildset(ctx, in)
}
