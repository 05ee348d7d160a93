package data_test

import (
	"fmt"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// Master A dies mid-build; master B's ExpireMasters cleans up after it.
func TestExpireDeadMaster(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		id := must[int64](t)
		a := id(e.c.FindMasterID(e.ctx, "a"))
		b := id(e.c.FindMasterID(e.ctx, "b"))
		ok(t, e.c.MasterActive(e.ctx, "a", a))
		ok(t, e.c.MasterActive(e.ctx, "b", b))
		bldIDs := must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, a, []db.BuilderSpec{{Name: "b1"}, {Name: "b2"}}))
		must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, b, []db.BuilderSpec{{Name: "b1"}}))
		b1 := bldIDs["b1"]
		w := id(e.c.FindWorkerID(e.ctx, "w1"))
		ok(t, e.c.WorkerConfigured(e.ctx, w, a, []int64{b1}))
		ok(t, e.c.WorkerConnected(e.ctx, w, a, map[string]any{"host": "h"}))
		sched := id(e.c.FindSchedulerID(e.ctx, "s"))
		if got, _ := e.c.TrySetSchedulerMaster(e.ctx, sched, a); !got {
			t.Fatal("scheduler claim failed")
		}
		cs := id(e.c.FindChangeSourceID(e.ctx, "cs"))
		if got, _ := e.c.TrySetChangeSourceMaster(e.ctx, cs, a); !got {
			t.Fatal("change source claim failed")
		}
		if got, _ := e.c.TrySetChangeSourceMaster(e.ctx, cs, b); got {
			t.Fatal("change source claimed twice")
		}
		_, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		_, brids2, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		if got, _ := e.c.ClaimBuildRequests(e.ctx, a, []int64{brids[b1]}, 0); !got {
			t.Fatal("claim failed")
		}
		if got, _ := e.c.ClaimBuildRequests(e.ctx, b, []int64{brids2[b1]}, 0); !got {
			t.Fatal("claim by b failed")
		}
		build, _, err := e.c.AddBuild(e.ctx, b1, brids[b1], w, a, "")
		ok(t, err)
		done, _, _, err := e.c.AddStep(e.ctx, build, "done")
		ok(t, err)
		ok(t, e.c.FinishStep(e.ctx, done, results.Success, false))
		running, _, _, err := e.c.AddStep(e.ctx, build, "running")
		ok(t, err)
		ok(t, e.c.StartStep(e.ctx, running))
		logID := id(e.c.AddLog(e.ctx, running, "stdio", "s"))
		e.rec.take()

		// Only b heartbeats; eleven minutes later a is expired.
		e.clock.Advance(11 * 60)
		ok(t, e.c.MasterActive(e.ctx, "b", b))
		ok(t, e.c.ExpireMasters(e.ctx, false))
		r, s := fmt.Sprint(running), fmt.Sprint(build)
		msgs := e.rec.expectKeys(t,
			"builders.1.stopped", "builders.2.stopped",
			"logs."+fmt.Sprint(logID)+".finished", "steps."+r+".logs.stdio.finished",
			"builds."+s+".steps."+r+".finished", "steps."+r+".finished",
			"builders.1.builds.1.finished", "builds."+s+".finished", "workers.1.builds."+s+".finished",
			"buildsets.1.builders.1.buildrequests.1.unclaimed", "buildrequests.1.unclaimed", "builders.1.buildrequests.1.unclaimed",
			"workers.1.disconnected", "masters.1.stopped")
		if st := msgs[5].Body.(*data.Step); *st.Results != results.Retry || st.Hidden {
			t.Fatalf("step body %+v", st)
		}
		if bd := msgs[7].Body.(*data.Build); *bd.Results != results.Retry || !bd.Complete {
			t.Fatalf("build body %+v", bd)
		}
		if br := msgs[10].Body.(*data.BuildRequest); br.Claimed || br.Complete {
			t.Fatalf("request body %+v", br)
		}
		if m := msgs[13].Body.(*data.Master); m.Active || m.MasterID != a {
			t.Fatalf("master body %+v", m)
		}
		if wk := msgs[12].Body.(*data.Worker); len(wk.ConnectedTo) != 0 || len(wk.ConfiguredOn) != 0 {
			t.Fatalf("worker body %s", jsonOf(t, wk))
		}
		// b's claim and b's builder link survive.
		if br := must[*data.BuildRequest](t)(e.c.GetBuildRequest(e.ctx, brids2[b1])); !br.Claimed || *br.ClaimedByMasterID != b {
			t.Fatalf("b's request: %+v", br)
		}
		if bl := must[*data.Builder](t)(e.c.GetBuilder(e.ctx, b1)); fmt.Sprint(bl.MasterIDs) != fmt.Sprint([]int64{b}) {
			t.Fatalf("builder masters %v", bl.MasterIDs)
		}
		if s := must[*data.Scheduler](t)(e.c.GetScheduler(e.ctx, sched)); s.Master != nil {
			t.Fatalf("scheduler still on %+v", s.Master)
		}
		if got, _ := e.c.TrySetChangeSourceMaster(e.ctx, cs, b); !got {
			t.Fatal("change source not free after expiry")
		}
		if st := must[*data.Step](t)(e.c.GetStep(e.ctx, done)); *st.Results != results.Success {
			t.Fatalf("finished step changed: %+v", st)
		}
		// A second run does nothing; forced housekeeping republishes nothing
		// either, as nothing is left.
		ok(t, e.c.ExpireMasters(e.ctx, false))
		ok(t, e.c.ExpireMasters(e.ctx, true))
		e.rec.expectKeys(t)
		// a restarts after its crash: MasterStopped does nothing more.
		ok(t, e.c.MasterStopped(e.ctx, "a", a))
		e.rec.expectKeys(t)
	})
}

// A master that crashed cleans up after itself when it starts again.
func TestMasterStoppedHousekeeping(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		a := must[int64](t)(e.c.FindMasterID(e.ctx, "a"))
		ok(t, e.c.MasterActive(e.ctx, "a", a))
		b1 := must[int64](t)(e.c.FindBuilderID(e.ctx, "b1"))
		_, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		if got, _ := e.c.ClaimBuildRequests(e.ctx, a, []int64{brids[b1]}, 0); !got {
			t.Fatal("claim failed")
		}
		e.rec.take()
		ok(t, e.c.MasterStopped(e.ctx, "a", a))
		e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.unclaimed", "buildrequests.1.unclaimed",
			"builders.1.buildrequests.1.unclaimed", "masters.1.stopped")
		ok(t, e.c.MasterStopped(e.ctx, "a", a))
		e.rec.expectKeys(t)
	})
}
