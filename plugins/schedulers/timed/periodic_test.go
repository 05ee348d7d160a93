package timed

import (
	"context"
	"testing"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/sdk/base"
)

// TestPeriodicTimer: the first build at once, the next after the timer,
// each recording last_build with its buildset.
func TestPeriodicTimer(t *testing.T) {
	h, fc := newHarness(t)
	start(t, h, PeriodicKind, "p", `periodic_build_timer = "10m"`, "b0")
	bss := h.Master.WaitBuildsets(t, 1, limit)
	bs := bss[0]
	if bs.Reason != "The Periodic scheduler named 'p' triggered this build" || bs.Scheduler != "p" {
		t.Errorf("buildset %+v", bs)
	}
	if len(bs.SourceStamps) != 1 || bs.SourceStamps[0].Codebase != "" || bs.SourceStamps[0].Branch != nil || bs.SourceStamps[0].Revision != nil {
		t.Errorf("stamps %+v, want the default codebase's defaults", bs.SourceStamps)
	}
	if lb, ok := lastBuild(t, h, "p", "Periodic"); !ok || !lb.Equal(t0) {
		t.Errorf("last_build %v %v, want %v", lb, ok, t0)
	}
	waitTimer(t, fc)
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("timer at %v, want %v", p, t0.Add(10*time.Minute))
	}
	fc.Advance(9 * time.Minute)
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Fatalf("%d buildsets before the timer", n)
	}
	fc.Advance(time.Minute)
	h.Master.WaitBuildsets(t, 2, limit)
	waitTimer(t, fc)
	if lb, _ := lastBuild(t, h, "p", "Periodic"); !lb.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("last_build %v", lb)
	}
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(t0.Add(20*time.Minute)) {
		t.Errorf("next timer %v", p)
	}
}

// TestPeriodicRestart: a restart resumes from last_build, neither building
// again at once nor skipping; a time missed while stopped fires once.
func TestPeriodicRestart(t *testing.T) {
	h, fc := newHarness(t)
	body := `periodic_build_timer = "10m"`
	s := start(t, h, PeriodicKind, "p", body, "b0")
	h.Master.WaitBuildsets(t, 1, limit)
	waitTimer(t, fc)
	stop(t, s)
	if n := len(fc.Pending()); n != 0 {
		t.Fatalf("%d timers left after Stop", n)
	}
	fc.Advance(5 * time.Minute)
	s = start(t, h, PeriodicKind, "p", body, "b0")
	waitTimer(t, fc)
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("after restart the timer is at %v, want %v", p, t0.Add(10*time.Minute))
	}
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Fatalf("restart built again: %d buildsets", n)
	}
	fc.Advance(5 * time.Minute)
	h.Master.WaitBuildsets(t, 2, limit)
	waitTimer(t, fc)
	stop(t, s)
	// Down for two hours: twelve times missed, one build on start.
	fc.Advance(2 * time.Hour)
	start(t, h, PeriodicKind, "p", body, "b0")
	h.Master.WaitBuildsets(t, 3, limit)
	waitTimer(t, fc)
	now := t0.Add(10*time.Minute + 2*time.Hour)
	if lb, _ := lastBuild(t, h, "p", "Periodic"); !lb.Equal(now) {
		t.Errorf("last_build %v, want %v", lb, now)
	}
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(now.Add(10*time.Minute)) {
		t.Errorf("next timer %v, want %v", p, now.Add(10*time.Minute))
	}
	if n := len(h.Master.Buildsets()); n != 3 {
		t.Errorf("%d buildsets, want 3", n)
	}
}

// TestPeriodicFailedBuildsetKeepsLastBuild: when the master refuses the
// buildset, last_build is not recorded, so the build is not lost.
func TestPeriodicFailedBuildsetKeepsLastBuild(t *testing.T) {
	h, fc := newHarness(t)
	s := start(t, h, PeriodicKind, "p", `periodic_build_timer = "10m"`) // no builders: refused
	waitTimer(t, fc)                                                    // the retry pause
	if _, ok := lastBuild(t, h, "p", "Periodic"); ok {
		t.Fatal("last_build recorded without a buildset")
	}
	if p := fc.Pending(); len(p) != 1 || !p[0].Equal(t0.Add(firstRetry)) {
		t.Errorf("retry at %v, want %v", p, t0.Add(firstRetry))
	}
	stop(t, s)
}

// TestPeriodicOnlyIfChanged: the first build happens whatever; later ones
// only with important changes, which they carry; unimportant and filtered
// changes ride along or are dropped.
func TestPeriodicOnlyIfChanged(t *testing.T) {
	h, fc := newHarness(t)
	body := `
		periodic_build_timer = "10m"
		only_if_changed = true
		files = ["src/**"]
		change_filter { branch = ["main", "dev"] }
	`
	h.Master.InjectChange(change("main", "src/old.go")) // before the scheduler: not its business
	s := start(t, h, PeriodicKind, "p", body, "b0")
	h.Master.WaitBuildsets(t, 1, limit)
	waitTimer(t, fc)
	waitFor(t, "the cursor past the old change", func() bool {
		var st changes.State
		return stateOf(t, h, "p", "Periodic", changes.StateName, &st) && st.Cursor == 1
	})
	var loic bool
	if !stateOf(t, h, "p", "Periodic", stateLastOnlyIfChanged, &loic) || !loic {
		t.Errorf("last_only_if_changed not recorded")
	}
	// No change: the next time is skipped, but last_build moves on.
	fc.Advance(10 * time.Minute)
	waitFor(t, "last_build after a skipped build", func() bool {
		lb, _ := lastBuild(t, h, "p", "Periodic")
		return lb.Equal(t0.Add(10 * time.Minute))
	})
	waitTimer(t, fc)
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Fatalf("built without changes: %d buildsets", n)
	}
	// An unimportant change alone does not make a build.
	h.Master.InjectChange(change("main", "docs/readme"))
	h.Master.InjectChange(change("other", "src/x.go")) // filtered out
	waitFor(t, "classification", func() bool {
		var st changes.State
		return stateOf(t, h, "p", "Periodic", changes.StateName, &st) && len(st.Classified) == 1
	})
	fc.Advance(10 * time.Minute)
	waitFor(t, "a second skip", func() bool {
		lb, _ := lastBuild(t, h, "p", "Periodic")
		return lb.Equal(t0.Add(20 * time.Minute))
	})
	waitTimer(t, fc)
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Fatalf("built on an unimportant change: %d buildsets", n)
	}
	// An important change, then a restart before the time: the change is
	// kept and builds.
	id := h.Master.InjectChange(change("dev", "src/a.go"))
	waitFor(t, "classification", func() bool {
		var st changes.State
		return stateOf(t, h, "p", "Periodic", changes.StateName, &st) && len(st.Classified) == 2
	})
	stop(t, s)
	start(t, h, PeriodicKind, "p", body, "b0")
	waitTimer(t, fc)
	fc.Advance(10 * time.Minute)
	bss := h.Master.WaitBuildsets(t, 2, limit)
	bs := bss[1]
	if len(bs.SourceStamps) != 1 || bs.SourceStamps[0].Branch == nil || *bs.SourceStamps[0].Branch != "dev" {
		t.Errorf("stamps %+v, want the dev change's", bs.SourceStamps)
	}
	var st changes.State
	waitFor(t, "flush", func() bool {
		return stateOf(t, h, "p", "Periodic", changes.StateName, &st) && len(st.Classified) == 0
	})
	if st.Cursor != id {
		t.Errorf("cursor %d, want %d", st.Cursor, id)
	}
}

// TestPeriodicConfig checks the attribute rules.
func TestPeriodicConfig(t *testing.T) {
	h, _ := newHarness(t)
	tests := []struct {
		body, path string
	}{
		{`periodic_build_timer = "0s"`, "periodic_build_timer"},
		{"periodic_build_timer = \"1m\"\nreason = \"%(who)s\"", "reason"},
		{"periodic_build_timer = \"1m\"\ncodebases = []", "codebases"},
		{"periodic_build_timer = \"1m\"\ncodebases = { a = { tag = \"x\" } }", `codebases["a"].tag`},
		{"periodic_build_timer = \"1m\"\nchange_filter {\n branch_re = \"(?=x)\"\n}", "change_filter.branch_re"},
		{"periodic_build_timer = \"1m\"\nfiles = [\"[\"]", "files"},
	}
	for _, tt := range tests {
		diags, err := h.Validate(base.TypeScheduler, PeriodicKind, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		found := false
		for _, d := range diags {
			found = found || base.FormatPath(d.Path) == tt.path
		}
		if !found {
			t.Errorf("%s: diagnostics %v, want one at %s", tt.body, diags, tt.path)
		}
	}
	if diags, err := h.Validate(base.TypeScheduler, PeriodicKind, "periodic_build_timer = \"1h\"\ncodebases = { \"\" = { branch = \"main\" }, lib = {} }"); err != nil || diags.HasErrors() {
		t.Errorf("valid configuration refused: %v %v", err, diags)
	}
}

// TestReconfigureRunningNeedsRestart: a changed configuration of a
// running timed scheduler asks for a restart.
func TestReconfigureRunningNeedsRestart(t *testing.T) {
	h, _ := newHarness(t)
	s := start(t, h, PeriodicKind, "p", `periodic_build_timer = "10m"`, "b0")
	h.Master.WaitBuildsets(t, 1, limit)
	if err := h.Configure(s, base.TypeScheduler, PeriodicKind, "p", `periodic_build_timer = "10m"`, base.Common{Builders: []string{"b0"}}); err != nil {
		t.Errorf("same configuration: %v", err)
	}
	err := h.Configure(s, base.TypeScheduler, PeriodicKind, "p", `periodic_build_timer = "5m"`, base.Common{Builders: []string{"b0"}})
	if err == nil {
		t.Error("a changed configuration was taken by a running instance")
	}
	_ = context.Background()
}
