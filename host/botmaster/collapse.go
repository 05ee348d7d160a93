package botmaster

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	"github.com/bbhost/bbhost/host/results"
)

// Collapse is the Collapser hook of addBuildset (Buildbot's
// BuildRequestCollapser): for each new request (builder id → request id)
// whose builder collapses requests (collapse_requests, else the master's
// collapse_requests, default true), it returns the unclaimed requests of the
// same builder that the new one supersedes (canBeCollapsed). The data layer
// claims them and completes them SKIPPED before publishing the new requests.
func (bm *BotMaster) Collapse(ctx context.Context, newRequests map[int64]int64) ([]int64, error) {
	builderIDs := make([]int64, 0, len(newRequests))
	for bid := range newRequests {
		builderIDs = append(builderIDs, bid)
	}
	sort.Slice(builderIDs, func(i, j int) bool { return builderIDs[i] < builderIDs[j] })
	var out []int64
	seen := map[int64]bool{}
	for _, bid := range builderIDs {
		newBRID := newRequests[bid]
		if !bm.collapses(bid) {
			continue
		}
		cands, err := bm.reads.UnclaimedRequestsOfBuilder(ctx, bid)
		if err != nil {
			return nil, fmt.Errorf("collapse: %w", err)
		}
		ids := []int64{newBRID}
		for _, c := range cands {
			if c.BRID != newBRID {
				ids = append(ids, c.BRID)
			}
		}
		if len(ids) == 1 {
			continue
		}
		infos, err := bm.reads.CollapseInfo(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("collapse: %w", err)
		}
		newInfo := infos[newBRID]
		if newInfo == nil {
			continue
		}
		for _, id := range ids[1:] {
			if seen[id] {
				continue
			}
			if old := infos[id]; old != nil && CanBeCollapsed(newInfo, old) {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// CollapseRequests implements host/data's Collapser: the requests the new
// ones supersede are claimed by this master and completed SKIPPED.
func (bm *BotMaster) CollapseRequests(ctx context.Context, brids map[int64]int64) error {
	old, err := bm.Collapse(ctx, brids)
	if err != nil || len(old) == 0 {
		return err
	}
	for _, id := range old {
		ok, err := bm.updates.ClaimBuildRequests(ctx, bm.masterID(), []int64{id}, 0)
		if err != nil {
			return fmt.Errorf("collapse: claim %d: %w", id, err)
		}
		if !ok {
			continue // taken meanwhile: it runs instead
		}
		if _, err := bm.updates.CompleteBuildRequests(ctx, []int64{id}, results.Skipped, 0); err != nil {
			return fmt.Errorf("collapse: complete %d: %w", id, err)
		}
	}
	return nil
}

// collapses resolves a builder's collapse_requests: the builder's setting,
// else the master's (default true).
func (bm *BotMaster) collapses(builderID int64) bool {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	b := bm.byID[builderID]
	if b == nil {
		return false
	}
	if c := b.Config().CollapseRequests; c != nil {
		return *c
	}
	if bm.cfg != nil {
		return bm.cfg.Master.CollapseRequests
	}
	return true
}

// CanBeCollapsed is Buildbot's default BuildRequest.canBeCollapsed(new,
// old): the same buildset; otherwise the old request must be older, have
// the same codebases, each with the same repository, branch and project,
// no patch, changes on both or on neither (and then the same revision), and
// the same "Scheduler" properties (except `scheduler`).
func CanBeCollapsed(newReq, old *CollapseInfo) bool {
	if newReq.BSID == old.BSID {
		return true
	}
	if newReq.BRID < old.BRID {
		return false
	}
	if len(newReq.Sources) != len(old.Sources) {
		return false
	}
	for cb, ns := range newReq.Sources {
		os, ok := old.Sources[cb]
		if !ok {
			return false
		}
		if ns.Repository != os.Repository || ns.Project != os.Project || !eqStrPtr(ns.Branch, os.Branch) {
			return false
		}
		if ns.HasPatch || os.HasPatch {
			return false
		}
		switch {
		case ns.HasChanges && os.HasChanges:
		case ns.HasChanges != os.HasChanges:
			return false
		default:
			if !eqStrPtr(ns.Revision, os.Revision) {
				return false
			}
		}
	}
	return reflect.DeepEqual(normalize(newReq.SchedulerProps), normalize(old.SchedulerProps))
}

func normalize(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func eqStrPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
