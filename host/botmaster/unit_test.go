package botmaster

import (
	"context"
	"testing"

	"github.com/bbhost/bbhost/host/botmaster/properties"
	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/results"
)

func sp(s string) *string { return &s }

func TestCanBeCollapsed(t *testing.T) {
	base := func(brid, bsid int64) *CollapseInfo {
		return &CollapseInfo{BRID: brid, BSID: bsid,
			Sources:        map[string]CollapseSource{"": {Repository: "r", Project: "p", Branch: sp("main"), Revision: sp("abc")}},
			SchedulerProps: map[string]any{}}
	}
	tests := []struct {
		name string
		mod  func(n, o *CollapseInfo)
		want bool
	}{
		{"same stamps", func(n, o *CollapseInfo) {}, true},
		{"same buildset", func(n, o *CollapseInfo) { o.BSID = n.BSID; o.Sources[""] = CollapseSource{Repository: "x"} }, true},
		{"old is newer", func(n, o *CollapseInfo) { o.BRID = n.BRID + 1 }, false},
		{"codebases differ", func(n, o *CollapseInfo) { o.Sources = map[string]CollapseSource{"cb": o.Sources[""]} }, false},
		{"extra codebase", func(n, o *CollapseInfo) { n.Sources["other"] = n.Sources[""] }, false},
		{"repository", func(n, o *CollapseInfo) { s := o.Sources[""]; s.Repository = "q"; o.Sources[""] = s }, false},
		{"branch", func(n, o *CollapseInfo) { s := o.Sources[""]; s.Branch = sp("dev"); o.Sources[""] = s }, false},
		{"nil branch vs branch", func(n, o *CollapseInfo) { s := o.Sources[""]; s.Branch = nil; o.Sources[""] = s }, false},
		{"project", func(n, o *CollapseInfo) { s := o.Sources[""]; s.Project = "q"; o.Sources[""] = s }, false},
		{"patch", func(n, o *CollapseInfo) { s := n.Sources[""]; s.HasPatch = true; n.Sources[""] = s }, false},
		{"revision differs without changes", func(n, o *CollapseInfo) { s := o.Sources[""]; s.Revision = sp("def"); o.Sources[""] = s }, false},
		{"revision differs, both with changes", func(n, o *CollapseInfo) {
			s := o.Sources[""]
			s.Revision, s.HasChanges = sp("def"), true
			o.Sources[""] = s
			s = n.Sources[""]
			s.HasChanges = true
			n.Sources[""] = s
		}, true},
		{"only one with changes", func(n, o *CollapseInfo) { s := o.Sources[""]; s.HasChanges = true; o.Sources[""] = s }, false},
		{"scheduler properties differ", func(n, o *CollapseInfo) { n.SchedulerProps["x"] = "1" }, false},
		{"scheduler properties equal", func(n, o *CollapseInfo) { n.SchedulerProps["x"] = "1"; o.SchedulerProps["x"] = "1" }, true},
	}
	for _, tt := range tests {
		n, o := base(10, 2), base(5, 1)
		tt.mod(n, o)
		if got := CanBeCollapsed(n, o); got != tt.want {
			t.Errorf("%s: CanBeCollapsed = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPendingListOrder(t *testing.T) {
	var l pendingList
	mk := func(id int64, prio int, at int64) *PendingRequest {
		return &PendingRequest{BRID: id, Priority: prio, SubmittedAt: at}
	}
	reqs := []*PendingRequest{mk(1, 0, 100), mk(2, 0, 90), mk(3, 5, 200), mk(4, 0, 100), mk(5, -1, 10), mk(6, 5, 150)}
	for _, r := range reqs {
		l.add(r)
	}
	var order []int64
	for _, r := range l.reqs {
		order = append(order, r.BRID)
	}
	want := []int64{6, 3, 2, 1, 4, 5}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	if p := l.pick(false, map[int64]bool{6: true}); p.BRID != 3 {
		t.Errorf("oldest with 6 skipped = %d", p.BRID)
	}
	if p := l.pick(true, nil); p.BRID != 3 {
		t.Errorf("newest (highest priority first) = %d, want 3", p.BRID)
	}
	if p := l.pick(true, map[int64]bool{3: true, 6: true}); p.BRID != 4 {
		t.Errorf("newest at priority 0 = %d, want 4", p.BRID)
	}
	if !l.remove(reqs[1]) || l.remove(reqs[1]) || l.len() != 5 {
		t.Error("remove")
	}
	if l.first().BRID != 6 {
		t.Error("first")
	}
	if l.pick(false, map[int64]bool{1: true, 3: true, 4: true, 5: true, 6: true}) != nil {
		t.Error("pick with everything skipped")
	}
}

type fakeImpl struct{}

func (fakeImpl) Run(context.Context, steps.Context) (int, error) { return results.Success, nil }

func TestStepSummaries(t *testing.T) {
	mkStep := func(c config.StepCommon, kind string, impl steps.Step) *buildStep {
		b := &Build{props: properties.New()}
		s := newBuildStep(b, config.Step{Kind: kind, Common: c}, impl, "s")
		if err := s.renderDescriptions(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	flunk := config.StepCommon{FlunkOnFailure: true}
	tests := []struct {
		name             string
		step             *buildStep
		res              int
		current, result  string
		buildContributes bool
	}{
		{"defaults success", mkStep(flunk, "shell", fakeImpl{}), results.Success, "running", "finished", false},
		{"defaults failure", mkStep(flunk, "shell", fakeImpl{}), results.Failure, "running", "finished (failure)", true},
		{"no flunk failure", mkStep(config.StepCommon{}, "shell", fakeImpl{}), results.Failure, "running", "finished (failure)", false},
		{"warnings not in policy", mkStep(flunk, "shell", fakeImpl{}), results.Warnings, "running", "finished (warnings)", false},
		{"warn on warnings", mkStep(config.StepCommon{WarnOnWarnings: true}, "shell", fakeImpl{}), results.Warnings, "running", "finished (warnings)", true},
		{"exception always", mkStep(config.StepCommon{}, "shell", fakeImpl{}), results.Exception, "running", "finished (exception)", true},
		{"descriptions", mkStep(config.StepCommon{Description: "compiling", DescriptionDone: "compile", DescriptionSuffix: "x86"}, "shell", fakeImpl{}),
			results.Success, "compiling x86", "compile x86", false},
		{"description only", mkStep(config.StepCommon{Description: "testing"}, "shell", fakeImpl{}), results.Skipped, "testing", "testing (skipped)", false},
		{"git defaults", mkStep(flunk, "git", fakeImpl{}), results.Failure, "updating", "update (failure)", true},
		{"set_property", mkStep(flunk, "set_property", fakeImpl{}), results.Success, "Setting", "Set", false},
		{"shell command summary", mkStep(flunk, "shell", &steps.Shell{Cfg: config.ShellStep{Command: config.Command{Argv: []string{"make", "-j4", "all"}}}}),
			results.Failure, "running", "'make -j4 ...' (failure)", true},
	}
	for _, tt := range tests {
		if got := tt.step.currentSummary(); got != tt.current {
			t.Errorf("%s: current %q, want %q", tt.name, got, tt.current)
		}
		if got := tt.step.resultSummary(tt.res); got != tt.result {
			t.Errorf("%s: result %q, want %q", tt.name, got, tt.result)
		}
		if got := tt.step.buildResultSummary(tt.res) != ""; got != tt.buildContributes {
			t.Errorf("%s: contributes to the build state = %v", tt.name, got)
		}
	}
}

func TestWorkerPathJoin(t *testing.T) {
	tests := []struct {
		windows bool
		parts   []string
		want    string
	}{
		{false, []string{"/base", "builder", "build"}, "/base/builder/build"},
		{false, []string{"/base/", "builder"}, "/base/builder"},
		{false, []string{"/base", "/abs/dir", "x"}, "/abs/dir/x"},
		{false, []string{"/base", "", "x"}, "/base/x"},
		{true, []string{`C:\w`, "b", "build"}, `C:\w\b\build`},
		{true, []string{`C:\w`, `D:\other`}, `D:\other`},
	}
	for _, tt := range tests {
		if got := workerPathJoin(tt.windows, tt.parts...); got != tt.want {
			t.Errorf("join%v = %q, want %q", tt.parts, got, tt.want)
		}
	}
}

func TestRenderBool(t *testing.T) {
	b := &Build{props: properties.New()}
	b.props.Set("yes", true, "t")
	b.props.Set("empty", "", "t")
	tests := []struct {
		in   string
		def  bool
		want bool
		err  bool
	}{
		{"", true, true, false}, {"", false, false, false},
		{"true", false, true, false}, {"False", true, false, false},
		{"%(prop:yes)s", false, true, false}, {"%(prop:empty)s", true, false, false},
		{"%(prop:missing:-1)s", false, true, false}, {"maybe", false, false, true},
	}
	for _, tt := range tests {
		got, err := b.renderBool(tt.in, tt.def)
		if (err != nil) != tt.err || (err == nil && got != tt.want) {
			t.Errorf("renderBool(%q) = %v, %v", tt.in, got, err)
		}
	}
}
