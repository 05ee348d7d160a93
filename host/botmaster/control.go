package botmaster

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/results"
)

// onStopEvent handles control.builds.<id>.stop ({reason}); only the master
// running the build reacts.
func (bm *BotMaster) onStopEvent(key mq.Key, body any) {
	id, err := strconv.ParseInt(key[2], 10, 64)
	if err != nil {
		return
	}
	reason := "no reason"
	switch x := body.(type) {
	case map[string]any:
		if r, ok := x["reason"]; ok && r != nil {
			reason = fmt.Sprint(r)
		}
	case map[string]string:
		if r, ok := x["reason"]; ok {
			reason = r
		}
	}
	bm.mu.Lock()
	b := bm.byBuildID[id]
	bm.mu.Unlock()
	if b != nil {
		go b.Stop(reason, results.Cancelled)
	}
}

// ErrNotFound is returned by the controls for an unknown build or request.
var ErrNotFound = errors.New("not found")

// StopBuild is the `stop` control of a build: it publishes
// control.builds.<id>.stop, which the master running the build handles
// (Buildbot's actionStop).
func (bm *BotMaster) StopBuild(ctx context.Context, buildID int64, reason string) error {
	if bm.mq == nil {
		return errors.New("stop build: no message queue")
	}
	bm.mq.Produce(mq.Key{"control", "builds", strconv.FormatInt(buildID, 10), "stop"},
		map[string]any{"reason": reason})
	return nil
}

// StopBuildByNumber resolves /builders/<id>/builds/<number> and stops it.
func (bm *BotMaster) StopBuildByNumber(ctx context.Context, builderID, number int64, reason string) error {
	id, err := bm.reads.BuildByNumber(ctx, builderID, number)
	if err != nil {
		return fmt.Errorf("stop build: %w", err)
	}
	if id == 0 {
		return fmt.Errorf("stop build %d of builder %d: %w", number, builderID, ErrNotFound)
	}
	return bm.StopBuild(ctx, id, reason)
}

// Rebuild is the `rebuild` control of a build (Buildbot's
// rebuildBuildrequest): a new buildset with the original source stamps and
// buildset properties, reason "rebuild", for the same builder.
func (bm *BotMaster) Rebuild(ctx context.Context, buildID int64) (bsid int64, brids map[int64]int64, err error) {
	brid, err := bm.reads.BuildRequestOfBuild(ctx, buildID)
	if err != nil {
		return 0, nil, fmt.Errorf("rebuild build %d: %w", buildID, err)
	}
	if brid == 0 {
		return 0, nil, fmt.Errorf("rebuild build %d: %w", buildID, ErrNotFound)
	}
	return bm.updates.RebuildBuildRequest(ctx, brid)
}

// CancelBuildRequest is the `cancel` control of a build request (§4.2): an
// unclaimed request is claimed and completed CANCELLED; a claimed one has
// its builds stopped.
func (bm *BotMaster) CancelBuildRequest(ctx context.Context, brid int64, reason string) error {
	cancelled, builds, err := bm.updates.CancelBuildRequest(ctx, bm.masterID(), brid)
	if err != nil {
		return err
	}
	if cancelled {
		return nil
	}
	for _, id := range builds {
		if err := bm.StopBuild(ctx, id, reason); err != nil {
			return err
		}
	}
	return nil
}
