package botmaster

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/mq"
)

// onBuildRequestEvent keeps the pending index up to date from
// buildrequests.<brid>.<event>: new and unclaimed requests of our builders
// are added, claimed, completed and cancelled ones removed. It runs on the
// producer's goroutine and only touches memory.
func (bm *BotMaster) onBuildRequestEvent(key mq.Key, body any) {
	if len(key) != 3 {
		return
	}
	brid, err := strconv.ParseInt(key[1], 10, 64)
	if err != nil {
		return
	}
	e := bufferedEvent{event: key[2], brid: brid}
	switch e.event {
	case "new", "unclaimed":
		r, complete, ok := requestFromBody(body)
		if !ok || complete {
			return
		}
		e.br = r
	case "claimed", "complete", "cancel":
	default:
		return
	}
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if bm.loading > 0 {
		bm.buffered = append(bm.buffered, e)
		return
	}
	bm.applyEventLocked(e)
}

func (bm *BotMaster) applyEventLocked(e bufferedEvent) {
	switch e.event {
	case "new", "unclaimed":
		bm.addPendingLocked(e.br)
	default:
		bm.removePendingLocked(e.brid)
	}
}

// requestFromBody reads a buildrequest event body (a data.BuildRequest, or
// its JSON form from another master).
func requestFromBody(body any) (r *PendingRequest, complete, ok bool) {
	var br data.BuildRequest
	switch x := body.(type) {
	case *data.BuildRequest:
		if x == nil {
			return nil, false, false
		}
		br = *x
	case data.BuildRequest:
		br = x
	default:
		raw, err := json.Marshal(body)
		if err != nil || json.Unmarshal(raw, &br) != nil || br.BuildRequestID == 0 {
			return nil, false, false
		}
	}
	return &PendingRequest{BRID: br.BuildRequestID, BSID: br.BuildsetID, BuilderID: br.BuilderID,
		Priority: br.Priority, SubmittedAt: br.SubmittedAt}, br.Complete, true
}

// loop is the distributor's activity loop: it serves the builders marked
// dirty, best pending request first, until none is left, then sleeps until
// the next mark.
func (bm *BotMaster) loop() {
	defer close(bm.loopDone)
	for {
		select {
		case <-bm.ctx.Done():
			return
		case <-bm.wake:
		}
		for bm.ctx.Err() == nil {
			todo := bm.takeDirty()
			if len(todo) == 0 {
				break
			}
			for _, b := range todo {
				bm.maybeStartBuildsOn(b)
			}
		}
	}
}

// takeDirty returns the builders to look at, sorted as Buildbot's default
// prioritizeBuilders (best pending request first, then name), and clears
// the marks.
func (bm *BotMaster) takeDirty() []*Builder {
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if !bm.accepting {
		bm.dirty = map[*Builder]struct{}{}
		bm.dirtyAll = false
		return nil
	}
	var out []*Builder
	if bm.dirtyAll {
		for _, b := range bm.builders {
			if b.pending.len() > 0 {
				out = append(out, b)
			}
		}
	} else {
		for b := range bm.dirty {
			if !b.removed && b.pending.len() > 0 {
				out = append(out, b)
			}
		}
	}
	bm.dirty = map[*Builder]struct{}{}
	bm.dirtyAll = false
	sort.Slice(out, func(i, j int) bool {
		a, c := out[i].pending.first(), out[j].pending.first()
		if a.Priority != c.Priority {
			return a.Priority > c.Priority
		}
		if a.SubmittedAt != c.SubmittedAt {
			return a.SubmittedAt < c.SubmittedAt
		}
		return out[i].name < out[j].name
	})
	return out
}

// maybeStartBuildsOn is Buildbot's _maybeStartBuildsOnBuilder with the
// BasicBuildChooser: while the builder has a pending request and an
// available worker that can take it (locks), claim the request and start
// the build. A request no worker can take now is skipped for this round; a
// lost claim race drops the request.
func (bm *BotMaster) maybeStartBuildsOn(b *Builder) {
	skip := map[int64]bool{}
	for bm.ctx.Err() == nil {
		bm.mu.Lock()
		if !bm.accepting || b.removed {
			bm.mu.Unlock()
			return
		}
		cfg := b.Config()
		req := b.pending.pick(cfg.NextBuild == "newest", skip)
		if req == nil {
			bm.mu.Unlock()
			return
		}
		avail := bm.availableWorkersLocked(b, cfg)
		if len(avail) == 0 {
			bm.mu.Unlock()
			return
		}
		var chosen *workerForBuilder
		for _, wfb := range avail {
			if !bm.canStartBuild(wfb, cfg) {
				continue
			}
			if wfb.worker.TryStartBuild() {
				chosen = wfb
				break
			}
		}
		if chosen == nil {
			skip[req.BRID] = true
			bm.mu.Unlock()
			continue
		}
		chosen.state = wfbBuilding
		bm.mu.Unlock()

		claimed, err := bm.updates.ClaimBuildRequests(bm.ctx, bm.masterID(), []int64{req.BRID}, 0)
		if err != nil || !claimed {
			bm.mu.Lock()
			chosen.state = wfbIdle
			if err == nil {
				bm.removePendingLocked(req.BRID) // someone else has it
			} else {
				skip[req.BRID] = true
			}
			bm.mu.Unlock()
			chosen.worker.BuildFinished()
			if err != nil && bm.ctx.Err() == nil {
				bm.log.Error("claiming build request", "buildrequest", req.BRID, "error", err)
			}
			continue
		}
		bm.mu.Lock()
		bm.removePendingLocked(req.BRID)
		bm.mu.Unlock()
		bm.startBuild(b, cfg, chosen, req)
	}
}

// availableWorkersLocked returns the builder's idle WorkerForBuilders whose
// worker can take a build, in the order next_worker asks for: a random
// order (Buildbot's default random.choice, then the others) or the order
// of the builder's workers list ("first").
func (bm *BotMaster) availableWorkersLocked(b *Builder, cfg *config.Builder) []*workerForBuilder {
	var out []*workerForBuilder
	for _, wfb := range b.wfbs {
		if wfb.state == wfbIdle && wfb.worker.CanStartBuild() {
			out = append(out, wfb)
		}
	}
	if len(out) > 1 && cfg.NextWorker != "first" {
		bm.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}

// canStartBuild is Buildbot's Builder.canStartBuild: the builder's locks
// must be available for the worker.
func (bm *BotMaster) canStartBuild(wfb *workerForBuilder, cfg *config.Builder) bool {
	if len(cfg.Locks) == 0 {
		return true
	}
	claims, err := bm.locks.Resolve(cfg.Locks, wfb.worker.Name())
	if err != nil {
		bm.log.Error("builder locks", "builder", cfg.Name, "error", err)
		return false
	}
	return bm.locks.Available(claims)
}
