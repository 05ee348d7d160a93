package basic

import (
	"testing"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/changes"
	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	st "github.com/bbhost/bbhost/plugins/schedulers/internal/schedtest"
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

func harness(t *testing.T) (*sdktest.Harness, *clock.Fake) {
	return st.New(t, func(c clock.Clock) []sdk.Component {
		return []sdk.Component{SingleBranchComponent(Options{Clock: c}), AnyBranchComponent(Options{Clock: c})}
	})
}

func classified(t *testing.T, h *sdktest.Harness, name, class string) changes.State {
	var s changes.State
	st.State(t, h, name, class, changes.StateName, &s)
	return s
}

// TestNoTimer: each important change makes its own buildset at once;
// unimportant and filtered changes are dropped, nothing recorded.
func TestNoTimer(t *testing.T) {
	h, _ := harness(t)
	h.Master.InjectChange(st.Change("main", "src/a.go")) // older than the scheduler
	st.Start(t, h, SingleBranchKind, "sb", "branch = \"main\"\nfiles = [\"src/**\"]", "b0")
	st.WaitFor(t, "the cursor past history", func() bool { return classified(t, h, "sb", "SingleBranchScheduler").Cursor == 1 })
	h.Master.InjectChange(st.Change("main", "docs/x"))  // unimportant
	h.Master.InjectChange(st.Change("dev", "src/b.go")) // other branch
	id := h.Master.InjectChange(st.Change("main", "src/c.go"))
	bss := h.Master.WaitBuildsets(t, 1, st.Limit)
	bs := bss[0]
	if bs.Reason != "The SingleBranchScheduler scheduler named 'sb' triggered this build" {
		t.Errorf("reason %q", bs.Reason)
	}
	if len(bs.SourceStamps) != 1 || bs.SourceStamps[0].SSID != id {
		t.Errorf("stamps %+v, want change %d's", bs.SourceStamps, id)
	}
	st.WaitFor(t, "cursor", func() bool { return classified(t, h, "sb", "SingleBranchScheduler").Cursor == id })
	if s := classified(t, h, "sb", "SingleBranchScheduler"); len(s.Classified) != 0 {
		t.Errorf("classified without a timer: %+v", s)
	}
	h.Master.InjectChange(st.Change("main", "src/d.go"))
	h.Master.WaitBuildsets(t, 2, st.Limit)
}

// TestTreeStableTimer is §6.7: important changes (re)start the timer,
// unimportant ones restart it only when it runs and ride along; the
// firing builds every classified change at once.
func TestTreeStableTimer(t *testing.T) {
	h, fc := harness(t)
	st.Start(t, h, SingleBranchKind, "sb", "branch = \"main\"\ntree_stable_timer = \"2m\"\nfiles = [\"src/**\"]", "b0")
	st.WaitFor(t, "caught up", func() bool { _, ok := h.Master.State("sb", "SingleBranchScheduler", changes.StateName); return ok })
	u1 := h.Master.InjectChange(st.Change("main", "docs/1"))
	st.WaitFor(t, "u1 classified", func() bool { return len(classified(t, h, "sb", "SingleBranchScheduler").Classified) == 1 })
	if n := len(fc.Pending()); n != 0 {
		t.Fatalf("an unimportant change started the timer (%d timers)", n)
	}
	i1 := h.Master.InjectChange(st.Change("main", "src/1.go"))
	if p := st.Pending(t, fc, 1); !p[0].Equal(st.T0.Add(2 * time.Minute)) {
		t.Fatalf("timer at %v", p)
	}
	fc.Advance(time.Minute)
	u2 := h.Master.InjectChange(st.Change("main", "docs/2")) // restarts the running timer
	st.WaitFor(t, "restart", func() bool {
		p := fc.Pending()
		return len(p) == 1 && p[0].Equal(st.T0.Add(3*time.Minute))
	})
	fc.Advance(90 * time.Second)
	i2 := h.Master.InjectChange(st.Change("main", "src/2.go"))
	st.WaitFor(t, "restart", func() bool {
		p := fc.Pending()
		return len(p) == 1 && p[0].Equal(st.T0.Add(150*time.Second+2*time.Minute))
	})
	if n := len(h.Master.Buildsets()); n != 0 {
		t.Fatalf("built before the tree was stable: %d", n)
	}
	fc.Advance(2 * time.Minute)
	bss := h.Master.WaitBuildsets(t, 1, st.Limit)
	if len(bss[0].SourceStamps) != 1 || bss[0].SourceStamps[0].SSID != i2 {
		t.Errorf("stamps %+v, want the last change's (%d)", bss[0].SourceStamps, i2)
	}
	st.WaitFor(t, "flush", func() bool { return len(classified(t, h, "sb", "SingleBranchScheduler").Classified) == 0 })
	if s := classified(t, h, "sb", "SingleBranchScheduler"); s.Cursor != i2 {
		t.Errorf("cursor %d, want %d", s.Cursor, i2)
	}
	_, _, _ = u1, i1, u2
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Errorf("%d buildsets, want 1", n)
	}
}

// TestRestartReplays: classified changes restart their timer after a
// restart, and changes that came while stopped are replayed.
func TestRestartReplays(t *testing.T) {
	h, fc := harness(t)
	body := "branch = \"main\"\ntree_stable_timer = \"2m\""
	s := st.Start(t, h, SingleBranchKind, "sb", body, "b0")
	st.WaitFor(t, "caught up", func() bool { _, ok := h.Master.State("sb", "SingleBranchScheduler", changes.StateName); return ok })
	c1 := h.Master.InjectChange(st.Change("main"))
	st.Pending(t, fc, 1)
	st.Stop(t, s)
	if n := len(fc.Pending()); n != 0 {
		t.Fatalf("%d timers left after Stop", n)
	}
	c2 := h.Master.InjectChange(st.Change("main")) // while stopped
	fc.Advance(time.Hour)
	st.Start(t, h, SingleBranchKind, "sb", body, "b0")
	st.WaitFor(t, "the missed change classified", func() bool {
		s := classified(t, h, "sb", "SingleBranchScheduler")
		return len(s.Classified) == 2 && s.Cursor == c2
	})
	if p := st.Pending(t, fc, 1); !p[0].Equal(st.T0.Add(time.Hour + 2*time.Minute)) {
		t.Fatalf("timer %v", p)
	}
	fc.Advance(2 * time.Minute)
	bss := h.Master.WaitBuildsets(t, 1, st.Limit)
	if bss[0].SourceStamps[0].SSID != c2 {
		t.Errorf("stamp %+v, want change %d's", bss[0].SourceStamps, c2)
	}
	_ = c1
	st.WaitFor(t, "flush", func() bool { return len(classified(t, h, "sb", "SingleBranchScheduler").Classified) == 0 })
	if n := len(h.Master.Buildsets()); n != 1 {
		t.Errorf("%d buildsets, want 1", n)
	}
}

// TestAnyBranch: one timer per branch, each firing its own buildset.
func TestAnyBranch(t *testing.T) {
	h, fc := harness(t)
	st.Start(t, h, AnyBranchKind, "ab", "branches = [\"main\", \"dev\"]\ntree_stable_timer = \"1m\"", "b0")
	st.WaitFor(t, "caught up", func() bool { _, ok := h.Master.State("ab", "AnyBranchScheduler", changes.StateName); return ok })
	m := h.Master.InjectChange(st.Change("main"))
	st.Pending(t, fc, 1)
	fc.Advance(30 * time.Second)
	d := h.Master.InjectChange(st.Change("dev"))
	h.Master.InjectChange(st.Change("feature"))
	st.Pending(t, fc, 2)
	fc.Advance(30 * time.Second)
	bss := h.Master.WaitBuildsets(t, 1, st.Limit)
	if bss[0].SourceStamps[0].SSID != m {
		t.Errorf("first buildset %+v, want main's change", bss[0].SourceStamps)
	}
	if bss[0].Reason != "The AnyBranchScheduler scheduler named 'ab' triggered this build" {
		t.Errorf("reason %q", bss[0].Reason)
	}
	fc.Advance(30 * time.Second)
	bss = h.Master.WaitBuildsets(t, 2, st.Limit)
	if bss[1].SourceStamps[0].SSID != d {
		t.Errorf("second buildset %+v, want dev's change", bss[1].SourceStamps)
	}
	st.WaitFor(t, "flush", func() bool { return len(classified(t, h, "ab", "AnyBranchScheduler").Classified) == 0 })
}

// TestCodebasesAndAbsoluteStamps: a change in one codebase builds it with
// the last revision seen on the other.
func TestCodebasesAndAbsoluteStamps(t *testing.T) {
	h, _ := harness(t)
	body := `
		change_filter { branch = "main" }
		codebases = { app = { repository = "app.git" }, lib = { repository = "lib.git", branch = "stable" } }
		create_absolute_source_stamps = true
	`
	st.Start(t, h, SingleBranchKind, "sb", body, "b0")
	st.WaitFor(t, "caught up", func() bool { _, ok := h.Master.State("sb", "SingleBranchScheduler", changes.StateName); return ok })
	lib := st.Change("main")
	lib.Codebase, lib.Repository, lib.Revision = "lib", "lib.git", st.Str("L1")
	h.Master.InjectChange(lib)
	h.Master.WaitBuildsets(t, 1, st.Limit)
	app := st.Change("main")
	app.Codebase, app.Repository, app.Revision = "app", "app.git", st.Str("A1")
	other := st.Change("main")
	other.Codebase = "unknown"
	h.Master.InjectChange(other) // codebase not configured: dropped
	h.Master.InjectChange(app)
	bss := h.Master.WaitBuildsets(t, 2, st.Limit)
	stamps := map[string]base.SourceStamp{}
	for _, ss := range bss[1].SourceStamps {
		stamps[ss.Codebase] = ss
	}
	if len(stamps) != 2 || *stamps["app"].Revision != "A1" || stamps["lib"].Revision == nil || *stamps["lib"].Revision != "L1" {
		t.Errorf("stamps %+v, want app at A1 and lib at its last revision L1", bss[1].SourceStamps)
	}
	if n := len(h.Master.Buildsets()); n != 2 {
		t.Errorf("%d buildsets", n)
	}
}

func TestBasicConfig(t *testing.T) {
	h, _ := harness(t)
	tests := []struct{ kind, body, path string }{
		{SingleBranchKind, ``, "branch"},
		{SingleBranchKind, "branch = \"main\"\nchange_filter {\n project = \"p\"\n}", "change_filter"},
		{SingleBranchKind, "branch = \"main\"\nreason = \"%(nope)s\"", "reason"},
		{AnyBranchKind, "branches = [1]", "change_filter.branch"},
		{AnyBranchKind, "change_filter {\n property_eq = \"x\"\n}", "change_filter.property_eq"},
	}
	for _, tt := range tests {
		diags, err := h.Validate(base.TypeScheduler, tt.kind, tt.body)
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		found := false
		for _, d := range diags {
			found = found || base.FormatPath(d.Path) == tt.path
		}
		if !found {
			t.Errorf("%s %q: diagnostics %v, want one at %s", tt.kind, tt.body, diags, tt.path)
		}
	}
	for _, ok := range []struct{ kind, body string }{
		{SingleBranchKind, "branch = \"main\""},
		{SingleBranchKind, "change_filter {\n branch_re = \"release/.*\"\n}"},
		{AnyBranchKind, ``},
		{AnyBranchKind, "branches = [null, \"main\"]\ntree_stable_timer = \"0s\""},
	} {
		if diags, err := h.Validate(base.TypeScheduler, ok.kind, ok.body); err != nil || diags.HasErrors() {
			t.Errorf("%s %q refused: %v %v", ok.kind, ok.body, err, diags)
		}
	}
}
