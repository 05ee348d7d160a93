package dependent

import (
	"context"
	"slices"
	"testing"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	st "github.com/bbhost/bbhost/plugins/schedulers/internal/schedtest"
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

func harness(t *testing.T) *sdktest.Harness {
	h, _ := st.New(t, func(c clock.Clock) []sdk.Component { return []sdk.Component{Component(Options{Clock: c})} })
	return h
}

// upstream adds a buildset as the scheduler "up" would.
func upstream(t *testing.T, h *sdktest.Harness, sched string, rev string) int64 {
	t.Helper()
	res, err := h.Master.AddBuildset(context.Background(), base.Ref{Type: base.TypeScheduler, Kind: "force", Name: sched},
		base.BuildsetSpec{Reason: "up", BuilderNames: []string{"up-builder"},
			SourceStamps: []base.SourceStamp{{Codebase: "", Repository: "r", Revision: st.Str(rev)}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.BSID
}

func tracked(t *testing.T, h *sdktest.Harness) []int64 {
	var ids []int64
	st.State(t, h, "down", className, stateUpstream, &ids)
	slices.Sort(ids)
	return ids
}

func TestDependent(t *testing.T) {
	h := harness(t)
	s := st.Start(t, h, Kind, "down", `upstream = "up"`, "b0")
	// Subscribed? A buildset of another scheduler is ignored, upstream's
	// are tracked.
	// Probes are submitted until one is seen: the subscription starts
	// asynchronously, and a busy machine may take a while to deliver the
	// events of the probes already sent, so any tracked probe counts.
	var probes []int64
	st.WaitFor(t, "subscription", func() bool {
		upstream(t, h, "other", "x")
		probes = append(probes, upstream(t, h, "up", "probe"))
		for _, id := range tracked(t, h) {
			if slices.Contains(probes, id) {
				return true
			}
		}
		return false
	})
	// Events arrive in order: once a last marker is tracked, every earlier
	// probe has been seen. Fail them all so only the marker stays tracked.
	marker := upstream(t, h, "up", "marker")
	st.WaitFor(t, "the marker", func() bool { return slices.Contains(tracked(t, h), marker) })
	for _, id := range tracked(t, h) {
		if id != marker {
			if err := h.Master.CompleteBuildset(id, 2); err != nil {
				t.Fatal(err)
			}
		}
	}
	st.WaitFor(t, "only the marker tracked", func() bool { ids := tracked(t, h); return len(ids) == 1 && ids[0] == marker })
	probe := marker
	if err := h.Master.CompleteBuildset(probe, 2); err != nil { // FAILURE: no downstream build
		t.Fatal(err)
	}
	st.WaitFor(t, "untrack the failure", func() bool { return !slices.Contains(tracked(t, h), probe) })
	ok := upstream(t, h, "up", "good")
	warn := upstream(t, h, "up", "warn")
	st.WaitFor(t, "tracking", func() bool { return len(tracked(t, h)) >= 2 })
	before := len(h.Master.Buildsets())
	if err := h.Master.CompleteBuildset(ok, 0); err != nil {
		t.Fatal(err)
	}
	bss := h.Master.WaitBuildsets(t, before+1, st.Limit)
	down := bss[len(bss)-1]
	if down.Reason != "downstream" || down.Scheduler != "down" || len(down.SourceStamps) != 1 || *down.SourceStamps[0].Revision != "good" {
		t.Errorf("downstream buildset %+v", down)
	}
	// A restart with a tracked buildset completed while stopped.
	st.Stop(t, s)
	if err := h.Master.CompleteBuildset(warn, 1); err != nil {
		t.Fatal(err)
	}
	st.Start(t, h, Kind, "down", `upstream = "up"`, "b0")
	bss = h.Master.WaitBuildsets(t, before+2, st.Limit)
	if d := bss[len(bss)-1]; d.Reason != "downstream" || *d.SourceStamps[0].Revision != "warn" {
		t.Errorf("downstream buildset after restart %+v", d)
	}
	st.WaitFor(t, "untracked", func() bool {
		ids := tracked(t, h)
		return !slices.Contains(ids, ok) && !slices.Contains(ids, warn)
	})
}

func TestDependentConfig(t *testing.T) {
	h := harness(t)
	if diags, err := h.Validate(base.TypeScheduler, Kind, ``); err == nil && !diags.HasErrors() {
		t.Error("a dependent scheduler without upstream was accepted")
	}
	s := h.Scheduler(t, Kind, "ok", `upstream = "up"`, "b0")
	if err := h.Configure(s, base.TypeScheduler, Kind, "self", `upstream = "self"`, base.Common{}); err == nil {
		t.Error("a scheduler depending on itself was accepted")
	}
}
