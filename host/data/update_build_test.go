package data_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// A trivial build from buildset to completion: every update method on the
// way and the events each publishes, keys and bodies.
func TestBuildLifecycleEvents(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		id := must[int64](t)
		master := id(e.c.FindMasterID(e.ctx, "m1"))
		ok(t, e.c.MasterActive(e.ctx, "m1", master))
		e.rec.expectKeys(t, "masters.1.started")
		ok(t, e.c.MasterActive(e.ctx, "m1", master)) // heartbeat: no flip, no event
		e.rec.expectKeys(t)
		ids := must[map[string]int64](t)(e.c.UpdateBuilderList(e.ctx, master, []db.BuilderSpec{{Name: "b1", Tags: []string{"app"}}}))
		builder := ids["b1"]
		e.rec.expectKeys(t, "builders.1.started", "builders.1.update")
		worker := id(e.c.FindWorkerID(e.ctx, "w1"))

		bsid, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{
			Scheduler: "force", Reason: "because", BuilderIDs: []int64{builder},
			SourceStamps: []db.SourceStampRef{{Spec: &db.SourceStampSpec{Branch: sp("main"), Repository: "r", Codebase: "cb"}}},
			Properties:   data.SourcedProperties{"owner": {"me", "Force Build Form"}},
		})
		ok(t, err)
		brid := brids[builder]
		msgs := e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.new", "buildrequests.1.new",
			"builders.1.buildrequests.1.new", "buildsets.1.new")
		br := msgs[0].Body.(*data.BuildRequest)
		if br.BuildRequestID != brid || br.Claimed || br.Complete || *br.Results != -1 || br.SubmittedAt != 1000 {
			t.Fatalf("new request body: %+v", br)
		}
		bsNew := msgs[3].Body.(*data.BuildsetNewEvent)
		if bsNew.BSID != bsid || bsNew.Scheduler != "force" || bsNew.Results != nil || bsNew.Complete ||
			len(bsNew.SourceStamps) != 1 || *bsNew.SourceStamps[0].Branch != "main" || bsNew.SourceStamps[0].Codebase != "cb" {
			t.Fatalf("buildset new body: %s", jsonOf(t, bsNew))
		}
		if props := must[data.SourcedProperties](t)(e.c.GetBuildsetProperties(e.ctx, bsid)); props["owner"] != [2]any{"me", "Force Build Form"} {
			t.Fatalf("buildset properties: %v", props)
		}

		e.clock.Set(1010)
		if claimed, err := e.c.ClaimBuildRequests(e.ctx, master, []int64{brid}, 0); !claimed || err != nil {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		msgs = e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.claimed", "buildrequests.1.claimed",
			"builders.1.buildrequests.1.claimed")
		if br := msgs[1].Body.(*data.BuildRequest); !br.Claimed || *br.ClaimedAt != 1010 || *br.ClaimedByMasterID != master {
			t.Fatalf("claimed body: %+v", br)
		}

		buildID, number, err := e.c.AddBuild(e.ctx, builder, brid, worker, master, "")
		ok(t, err)
		if number != 1 {
			t.Fatalf("build number %d", number)
		}
		e.rec.expectKeys(t)
		ok(t, e.c.SetBuildProperties(e.ctx, buildID, data.SourcedProperties{"buildername": {"b1", "Builder"}, "n": {1, "Build"}}))
		msgs = e.rec.expectKeys(t, "builds.1.properties.update")
		if got := jsonOf(t, msgs[0].Body); got != `{"buildername":["b1","Builder"],"n":[1,"Build"]}` {
			t.Fatalf("properties body %s", got)
		}
		ok(t, e.c.SetBuildProperties(e.ctx, buildID, data.SourcedProperties{"buildername": {"b1", "Builder"}, "n": {2, "Build"}}))
		msgs = e.rec.expectKeys(t, "builds.1.properties.update")
		if got := jsonOf(t, msgs[0].Body); got != `{"n":[2,"Build"]}` {
			t.Fatalf("changed-only properties body %s", got)
		}
		ok(t, e.c.SetBuildProperty(e.ctx, buildID, "n", 2, "Build"))
		e.rec.expectKeys(t)
		ok(t, e.c.SetBuildStateString(e.ctx, buildID, "starting"))
		e.rec.expectKeys(t, "builders.1.builds.1.update", "builds.1.update", "workers.1.builds.1.update")
		ok(t, e.c.GenerateNewBuildEvent(e.ctx, buildID))
		msgs = e.rec.expectKeys(t, "builders.1.builds.1.new", "builds.1.new", "workers.1.builds.1.new")
		if b := msgs[0].Body.(*data.Build); b.StateString != "starting" || b.Complete || b.StartedAt != 1010 || *b.WorkerID != worker {
			t.Fatalf("new build body: %+v", b)
		}

		var stepIDs []int64
		for _, name := range []string{"compile", "compile"} {
			stepID, num, final, err := e.c.AddStep(e.ctx, buildID, name)
			ok(t, err)
			stepIDs = append(stepIDs, stepID)
			if want := map[int]string{0: "compile", 1: "compile_1"}[num]; final != want {
				t.Fatalf("step %d named %q", num, final)
			}
		}
		s1, s2 := fmt.Sprint(stepIDs[0]), fmt.Sprint(stepIDs[1]) // PostgreSQL may skip ids
		msgs = e.rec.expectKeys(t, "builds.1.steps."+s1+".new", "steps."+s1+".new", "builds.1.steps."+s2+".new", "steps."+s2+".new")
		if s := msgs[2].Body.(*data.Step); s.Name != "compile_1" || s.Number != 1 || s.StateString != "pending" || s.StartedAt != nil {
			t.Fatalf("new step body: %+v", s)
		}
		step := stepIDs[0]
		e.clock.Set(1020)
		ok(t, e.c.StartStep(e.ctx, step))
		msgs = e.rec.expectKeys(t, "builds.1.steps.1.started", "steps.1.started")
		if s := msgs[1].Body.(*data.Step); *s.StartedAt != 1020 {
			t.Fatalf("started body: %+v", s)
		}
		ok(t, e.c.SetStepStateString(e.ctx, step, "compiling"))
		ok(t, e.c.AddStepURL(e.ctx, step, "doc", "http://x/doc"))
		msgs = e.rec.expectKeys(t, "builds.1.steps.1.updated", "steps.1.updated", "builds.1.steps.1.updated", "steps.1.updated")
		if s := msgs[3].Body.(*data.Step); s.StateString != "compiling" || len(s.URLs) != 1 || s.URLs[0].URL != "http://x/doc" {
			t.Fatalf("updated body: %+v", s)
		}

		logID := id(e.c.AddLog(e.ctx, step, "stdio", "s"))
		e.rec.expectKeys(t, "logs.1.new", "steps.1.logs.stdio.new")
		ok(t, e.c.AppendLog(e.ctx, logID, "ohello\neworld\n"))
		msgs = e.rec.expectKeys(t, "logs.1.append", "steps.1.logs.stdio.append")
		if l := msgs[0].Body.(*data.Log); l.NumLines != 2 || l.Complete || l.Slug != "stdio" {
			t.Fatalf("append body: %+v", l)
		}
		ok(t, e.c.FinishLog(e.ctx, logID))
		msgs = e.rec.expectKeys(t, "logs.1.finished", "steps.1.logs.stdio.finished")
		if l := msgs[1].Body.(*data.Log); !l.Complete || l.NumLines != 2 {
			t.Fatalf("finished log body: %+v", l)
		}
		must[int64](t)(e.c.CompressLog(e.ctx, logID))
		if got := must[string](t)(e.db.Logs().Lines(e.ctx, logID, 0, 1)); got != "ohello\neworld\n" {
			t.Fatalf("log text %q", got)
		}
		e.clock.Set(1030)
		ok(t, e.c.FinishStep(e.ctx, step, results.Success, false))
		msgs = e.rec.expectKeys(t, "builds.1.steps.1.finished", "steps.1.finished")
		if s := msgs[0].Body.(*data.Step); !s.Complete || *s.CompleteAt != 1030 || *s.Results != 0 {
			t.Fatalf("finished step body: %+v", s)
		}
		ok(t, e.c.FinishBuild(e.ctx, buildID, results.Success))
		msgs = e.rec.expectKeys(t, "builders.1.builds.1.finished", "builds.1.finished", "workers.1.builds.1.finished")
		if b := msgs[1].Body.(*data.Build); !b.Complete || *b.Results != 0 || *b.CompleteAt != 1030 {
			t.Fatalf("finished build body: %+v", b)
		}

		if _, err := e.c.CompleteBuildRequests(e.ctx, []int64{brid}, results.Retry, 0); err == nil {
			t.Fatal("completing with RETRY accepted")
		}
		if done, err := e.c.CompleteBuildRequests(e.ctx, []int64{brid}, results.Warnings, 0); !done || err != nil {
			t.Fatalf("complete: %v %v", done, err)
		}
		msgs = e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.complete", "buildrequests.1.complete",
			"builders.1.buildrequests.1.complete", "buildsets.1.complete")
		bs := msgs[3].Body.(*data.Buildset)
		if !bs.Complete || *bs.Results != results.Warnings || *bs.CompleteAt != 1030 || bs.Reason != "because" || len(bs.SourceStamps) != 1 {
			t.Fatalf("buildset complete body: %s", jsonOf(t, bs))
		}
		if done, err := e.c.CompleteBuildRequests(e.ctx, []int64{brid}, results.Success, 0); done || err != nil {
			t.Fatalf("second complete: %v %v", done, err)
		}
		e.rec.expectKeys(t)

		// Loaders see what the events said.
		if b := must[*data.Build](t)(e.c.GetBuild(e.ctx, buildID)); jsonOf(t, b) != jsonOf(t, msgs[0].Body) && b.BuildID != buildID {
			t.Fatalf("GetBuild: %+v", b)
		}
		if bs2 := must[*data.Buildset](t)(e.c.GetBuildset(e.ctx, bsid)); jsonOf(t, bs2) != jsonOf(t, bs) {
			t.Fatalf("GetBuildset %s\n event %s", jsonOf(t, bs2), jsonOf(t, bs))
		}
		list := must[[]*data.Buildset](t)(e.c.GetBuildsetsByIDs(e.ctx, []int64{99, bsid}))
		if len(list) != 1 || jsonOf(t, list[0]) != jsonOf(t, bs) {
			t.Fatalf("GetBuildsetsByIDs: %s", jsonOf(t, list))
		}
		if s := must[*data.Step](t)(e.c.GetStep(e.ctx, step)); !s.Complete || s.Name != "compile" {
			t.Fatalf("GetStep: %+v", s)
		}
		if ls := must[[]*data.Log](t)(e.c.GetLogsByIDs(e.ctx, []int64{logID})); len(ls) != 1 || !ls[0].Complete {
			t.Fatalf("GetLogsByIDs: %+v", ls)
		}
		if r := must[*data.BuildRequest](t)(e.c.GetBuildRequest(e.ctx, brid)); !r.Complete || !r.Claimed {
			t.Fatalf("GetBuildRequest: %+v", r)
		}
		if b, err := e.c.GetBuild(e.ctx, 12345); b != nil || err != nil {
			t.Fatalf("missing build: %v %v", b, err)
		}
	})
}

func TestBuildsetWithoutBuildersCompletes(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		_, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{Reason: "nothing"})
		if err != nil || len(brids) != 0 {
			t.Fatal(brids, err)
		}
		msgs := e.rec.expectKeys(t, "buildsets.1.new", "buildsets.1.complete")
		if bs := msgs[1].Body.(*data.Buildset); *bs.Results != results.Success {
			t.Fatalf("results %v", *bs.Results)
		}
	})
}

type collapserFunc func(brids map[int64]int64) error

func (f collapserFunc) CollapseRequests(_ context.Context, brids map[int64]int64) error {
	return f(brids)
}

func TestCollapserRunsBeforeEvents(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		master := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		b1 := must[int64](t)(e.c.FindBuilderID(e.ctx, "b1"))
		_, first, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		e.rec.take()
		called := 0
		e.c.SetCollapser(collapserFunc(func(brids map[int64]int64) error {
			called++
			if n := len(e.rec.msgs); n != 0 {
				t.Errorf("%d events published before the collapser ran", n)
			}
			// Supersede the older request as the botmaster would.
			okc, err := e.c.ClaimBuildRequests(e.ctx, master, []int64{first[b1]}, 0)
			if !okc || err != nil {
				return fmt.Errorf("claim %v %v", okc, err)
			}
			_, err = e.c.CompleteBuildRequests(e.ctx, []int64{first[b1]}, results.Skipped, 0)
			return err
		}))
		_, second, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		if called != 1 || second[b1] == first[b1] {
			t.Fatalf("collapser called %d times", called)
		}
		// The collapser's own claim and completion come first.
		e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.claimed", "buildrequests.1.claimed",
			"builders.1.buildrequests.1.claimed", "buildsets.1.builders.1.buildrequests.1.complete",
			"buildrequests.1.complete", "builders.1.buildrequests.1.complete", "buildsets.1.complete",
			"buildsets.2.builders.1.buildrequests.2.new", "buildrequests.2.new",
			"builders.1.buildrequests.2.new", "buildsets.2.new")
		if r := must[*data.BuildRequest](t)(e.c.GetBuildRequest(e.ctx, first[b1])); *r.Results != results.Skipped {
			t.Fatalf("older request: %+v", r)
		}
	})
}

func TestCancelBuildRequest(t *testing.T) {
	runEnv(t, func(t *testing.T, e *env) {
		master := must[int64](t)(e.c.FindMasterID(e.ctx, "m"))
		b1 := must[int64](t)(e.c.FindBuilderID(e.ctx, "b1"))
		_, brids, err := e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		e.rec.take()
		cancelled, builds, err := e.c.CancelBuildRequest(e.ctx, master, brids[b1])
		if !cancelled || err != nil || builds != nil {
			t.Fatalf("cancel: %v %v %v", cancelled, builds, err)
		}
		msgs := e.rec.expectKeys(t, "buildsets.1.builders.1.buildrequests.1.complete", "buildrequests.1.complete",
			"builders.1.buildrequests.1.complete", "buildsets.1.complete", "buildrequests.1.cancel")
		if r := msgs[4].Body.(*data.BuildRequest); *r.Results != results.Cancelled || !r.Complete {
			t.Fatalf("cancel body %+v", r)
		}
		// A running request is not cancelled here: its builds are reported.
		_, brids, err = e.c.AddBuildset(e.ctx, data.BuildsetInput{BuilderIDs: []int64{b1}})
		ok(t, err)
		if okc, _ := e.c.ClaimBuildRequests(e.ctx, master, []int64{brids[b1]}, 0); !okc {
			t.Fatal("claim failed")
		}
		buildID, _, err := e.c.AddBuild(e.ctx, b1, brids[b1], 0, master, "")
		ok(t, err)
		e.rec.take()
		cancelled, builds, err = e.c.CancelBuildRequest(e.ctx, master, brids[b1])
		if cancelled || err != nil || len(builds) != 1 || builds[0] != buildID {
			t.Fatalf("cancel of a claimed request: %v %v %v", cancelled, builds, err)
		}
		e.rec.expectKeys(t)
	})
}
