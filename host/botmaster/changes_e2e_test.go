package botmaster

import (
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

// TestBuildFromChange checks the properties a build takes from a change:
// the change's properties (source "Change") below the buildset's, `owners`
// from the change author, and the build's branch/revision/repository.
func TestBuildFromChange(t *testing.T) {
	cfg := `
master {
  properties = { site = "global", level = "global" }
}
worker "local" "w1" {}
builder "c" {
  workers    = ["w1"]
  properties = { level = "builder" }
  step "shell" "s" { command = "echo %(prop:from_change)s %(src::revision)s %(prop:level)s" }
}
`
	h := newHarness(t, cfg, harnessOptions{})
	h.waitWorkers("w1")
	rev, branch := "deadbeef", "feature"
	chid, err := h.data.AddChange(h.ctx, data.ChangeInput{Author: "Alice <a@example.com>", Comments: "fix",
		Revision: &rev, Branch: &branch, Repository: "git://repo", Project: "proj",
		Properties: map[string]any{"from_change": "yes", "site": "change"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := h.data.GetChange(h.ctx, chid)
	if err != nil {
		t.Fatal(err)
	}
	bsid, brids, err := h.data.AddBuildset(h.ctx, data.BuildsetInput{Scheduler: "sched", Reason: "change",
		SourceStamps: []db.SourceStampRef{{ID: ch.SourceStamp.SSID}},
		Properties:   data.SourcedProperties{"scheduler": {"sched", "Scheduler"}, "site": {"buildset", "Scheduler"}},
		BuilderIDs:   []int64{h.builderID("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("buildset %s", results.Name(r))
	}
	b := h.build(h.builds(brids[h.builderID("c")])[0].BuildID)
	want := map[string][2]any{
		"from_change": {"yes", "Change"},
		"site":        {"buildset", "Scheduler"},
		"level":       {"builder", "Builder"},
		"branch":      {"feature", "Build"},
		"revision":    {"deadbeef", "Build"},
		"repository":  {"git://repo", "Build"},
		"project":     {"proj", "Build"},
		"codebase":    {"", "Build"},
	}
	for k, w := range want {
		if got := b.Properties[k]; got != w {
			t.Errorf("%s = %v, want %v", k, got, w)
		}
	}
	if got := b.Properties["owners"]; !equalJSON(got[0], []any{"Alice <a@example.com>"}) || got[1] != "Build" {
		t.Errorf("owners = %v", got)
	}
	for _, s := range h.steps(b.BuildID) {
		if s.Name == "s" {
			if out := h.stepLog(s.StepID, "stdio"); !containsLine(out, "oyes deadbeef builder") {
				t.Errorf("rendered command output:\n%s", out)
			}
		}
	}
}

func containsLine(text, line string) bool {
	for len(text) > 0 {
		i := 0
		for i < len(text) && text[i] != '\n' {
			i++
		}
		if text[:i] == line {
			return true
		}
		if i == len(text) {
			break
		}
		text = text[i+1:]
	}
	return false
}
