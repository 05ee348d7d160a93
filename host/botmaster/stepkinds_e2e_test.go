package botmaster

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bbhost/bbhost/host/botmaster/steps"
	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/results"
)

func TestTransferAndPropertySteps(t *testing.T) {
	cfg := `
worker "local" "w1" {}
builder "kinds" {
  workers = ["w1"]
  step "mkdir" "mk" { dir = "build/sub/dir" }
  step "string_download" "sd" {
    s          = "hello %(prop:who)s\n"
    workerdest = "sub/dir/greeting.txt"
  }
  step "file_download" "fd" {
    mastersrc  = "input.txt"
    workerdest = "input-copy.txt"
  }
  step "set_property_from_command" "cmd" {
    command  = "cat sub/dir/greeting.txt input-copy.txt"
    property = "content"
  }
  step "file_upload" "fu" {
    workersrc  = "sub/dir/greeting.txt"
    masterdest = "uploads/%(prop:buildnumber)s/greeting.txt"
  }
  step "rmdir" "rm" { dir = "build/sub" }
  step "shell" "gone" { command = "test ! -e sub" }
}
`
	h := newHarness(t, cfg, harnessOptions{})
	if err := os.WriteFile(filepath.Join(h.dir, "input.txt"), []byte("from master\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.waitWorkers("w1")
	bsid, brids := h.force(buildsetIn{builders: []string{"kinds"}, props: map[string]any{"who": "world"}})
	if r := h.waitBuildset(bsid); r != results.Success {
		b := h.builds(brids["kinds"])[0]
		for _, s := range h.steps(b.BuildID) {
			t.Logf("step %s: %v %q", s.Name, s.Results, s.StateString)
		}
		t.Fatalf("buildset %s", results.Name(r))
	}
	b := h.build(h.builds(brids["kinds"])[0].BuildID)
	if got := b.Properties["content"]; got[0] != "hello world\nfrom master" || got[1] != "SetPropertyFromCommand Step" {
		t.Errorf("content property %v", got)
	}
	up, err := os.ReadFile(filepath.Join(h.dir, "uploads", "1", "greeting.txt"))
	if err != nil || string(up) != "hello world\n" {
		t.Errorf("uploaded file %q, %v", up, err)
	}
	states := map[string]string{}
	for _, s := range h.steps(b.BuildID) {
		states[s.Name] = s.StateString
	}
	for name, want := range map[string]string{"sd": "downloading to greeting.txt", "fd": "downloading to input-copy.txt",
		"fu": "uploading greeting.txt", "cmd": "property 'content' set"} {
		if states[name] != want {
			t.Errorf("step %s state %q, want %q", name, states[name], want)
		}
	}
}

// testTriggerer adds the triggered buildsets itself, as a triggerable
// scheduler would, for builders named after the scheduler.
type testTriggerer struct {
	h     *harness
	mu    sync.Mutex
	calls []steps.TriggerRequest
}

func (tt *testTriggerer) Trigger(ctx context.Context, sched string, req steps.TriggerRequest) (int64, map[int64]int64, error) {
	tt.mu.Lock()
	tt.calls = append(tt.calls, req)
	tt.mu.Unlock()
	props := data.SourcedProperties{"scheduler": {sched, "Scheduler"}}
	for k, v := range req.Properties {
		props[k] = [2]any{v, "Trigger"}
	}
	var ss []db.SourceStampRef
	for _, s := range req.SourceStamps {
		ss = append(ss, db.SourceStampRef{Spec: &db.SourceStampSpec{Branch: s.Branch, Revision: s.Revision,
			Repository: s.Repository, Project: s.Project, Codebase: s.Codebase}})
	}
	parent := req.ParentBuildID
	rel := req.ParentRelationship
	return tt.h.data.AddBuildset(ctx, data.BuildsetInput{Scheduler: sched, Reason: "triggered",
		SourceStamps: ss, Properties: props, BuilderIDs: []int64{tt.h.builderID(sched)},
		WaitedFor: req.WaitedFor, ParentBuildID: &parent, ParentRelationship: &rel})
}

func TestTriggerStep(t *testing.T) {
	cfg := `
worker "local" "w1" { max_builds = 3 }
scheduler "triggerable" "child-ok" { builders = ["child-ok"] }
scheduler "triggerable" "child-fail" { builders = ["child-fail"] }
builder "parent" {
  workers = ["w1"]
  step "trigger" "tr" {
    scheduler_names = ["child-ok", "child-fail"]
    wait_for_finish = true
    set_properties  = { from = "%(prop:buildername)s" }
  }
}
builder "child-ok" {
  workers = ["w1"]
  step "shell" "s" { command = "echo %(prop:from)s" }
}
builder "child-fail" {
  workers = ["w1"]
  step "shell" "s" { command = "exit 1" }
}
`
	var tt *testTriggerer
	h := newHarness(t, cfg, harnessOptions{setup: func(h *harness) {
		tt = &testTriggerer{h: h}
		h.bm.SetTriggerer(tt)
	}})
	h.waitWorkers("w1")
	rev := "r1"
	bsid, brids := h.force(buildsetIn{builders: []string{"parent"}, ss: db.SourceStampSpec{Revision: &rev}})
	if r := h.waitBuildset(bsid); r != results.Failure {
		t.Fatalf("parent buildset %s, want failure (worst of the triggered)", results.Name(r))
	}
	b := h.builds(brids["parent"])[0]
	for _, s := range h.steps(b.BuildID) {
		if s.Name == "tr" {
			if s.StateString != "triggered child-ok, child-fail (failure)" {
				t.Errorf("trigger state %q", s.StateString)
			}
			if len(s.URLs) != 2 {
				t.Errorf("trigger urls %v", s.URLs)
			}
		}
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if len(tt.calls) != 2 || tt.calls[0].Properties["from"] != "parent" || !tt.calls[0].WaitedFor ||
		tt.calls[0].ParentBuildID != b.BuildID || len(tt.calls[0].SourceStamps) != 1 ||
		*tt.calls[0].SourceStamps[0].Revision != rev {
		t.Errorf("trigger calls %+v", tt.calls)
	}
	if !strings.HasPrefix(tt.calls[0].ParentRelationship, "Triggered from") {
		t.Errorf("relationship %q", tt.calls[0].ParentRelationship)
	}
}
