package botmaster

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/mq"
	"github.com/bbhost/bbhost/host/results"
)

const reconfigBase = `
worker "local" "w1" { max_builds = 2 }
builder "keep" {
  workers = ["w1"]
  step "shell" "wait" { command = ["sh", "-c", "while [ ! -f %(prop:go)s ]; do sleep 0.02; done"] }
  step "shell" "old" { command = "echo old" }
}
builder "gone" {
  workers = ["w1"]
  step "shell" "s" { command = "true" }
}
`

const reconfigNew = `
worker "local" "w1" { max_builds = 2 }
builder "keep" {
  workers     = ["w1"]
  description = "now described"
  step "shell" "wait" { command = ["sh", "-c", "while [ ! -f %(prop:go)s ]; do sleep 0.02; done"] }
  step "shell" "old" { command = "echo old" }
  step "shell" "new" { command = "echo new" }
}
builder "added" {
  workers = ["w1"]
  step "shell" "s" { command = "true" }
}
`

func TestReconfigKeepsRunningBuilds(t *testing.T) {
	h := newHarness(t, reconfigBase, harnessOptions{})
	h.waitWorkers("w1")
	goFile := filepath.Join(h.dir, "go")
	bsid, brids := h.force(buildsetIn{builders: []string{"keep"}, props: map[string]any{"go": goFile}})
	running := h.waitStepRunning(brids["keep"], "wait")
	gone := h.builderID("gone")

	h.reconfigure(h.loadConfig(reconfigNew))
	if h.bm.Builder("gone") != nil || h.bm.Builder("added") == nil {
		t.Fatalf("builders after reconfig: %v", h.bm.BuilderNames())
	}
	touch(t, goFile)
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("running build across reconfig: %s", results.Name(r))
	}
	var names []string
	for _, s := range h.steps(running) {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "worker_preparation,wait,old" {
		t.Errorf("running build's steps %v: it must keep its old steps", names)
	}
	bsid, brids = h.force(buildsetIn{builders: []string{"keep", "added"}, props: map[string]any{"go": goFile}})
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("after reconfig: %s", results.Name(r))
	}
	if n := len(h.steps(h.builds(brids["keep"])[0].BuildID)); n != 4 {
		t.Errorf("new build has %d steps, want 4", n)
	}
	// builder_masters: "gone" is no longer on this master; "keep" has its
	// description.
	desc := ""
	for _, it := range h.get(fmt.Sprintf("builders/%d", h.builderID("keep")), nil) {
		if d := builderDescription(it); d != nil {
			desc = *d
		}
	}
	if desc != "now described" {
		t.Errorf("description %q", desc)
	}
	for _, it := range h.get(fmt.Sprintf("builders/%d", gone), nil) {
		if b := it.(*data.Builder); len(b.MasterIDs) != 0 {
			t.Errorf("removed builder still on masters %v", b.MasterIDs)
		}
	}
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := writeFile(path, ""); err != nil {
		t.Fatal(err)
	}
}

func TestQuickShutdownRetriesAndCleanShutdownWaits(t *testing.T) {
	h := newHarness(t, resultsConfig, harnessOptions{})
	h.waitWorkers("w1")
	bsid, brids := h.force(buildsetIn{builders: []string{"sleepy"}})
	first := h.waitStepRunning(brids["sleepy"], "sleep")

	ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	if err := h.bm.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	b := h.build(first)
	if b.Results == nil || *b.Results != results.Retry {
		t.Fatalf("build after master shutdown: %v %q", b.Results, b.StateString)
	}
	if complete, _ := h.requestResults(brids["sleepy"]); complete {
		t.Fatal("request completed by a master shutdown; it must run again")
	}

	// A new botmaster (a restarted master) runs the request again. Make the
	// sleep short this time through a reconfig of the step.
	cfg := h.loadConfig(strings.Replace(resultsConfig, `["sleep", "60"]`, `["sleep", "0.3"]`, 1))
	bm2 := New(Options{MQ: h.mq, Updates: h.data, Reads: SQLReads{DB: h.db}, Workers: h.wm,
		MasterID: func() int64 { return h.masterID }})
	h.data.SetCollapser(bm2)
	h.bm = bm2
	if err := bm2.Start(h.ctx); err != nil {
		t.Fatal(err)
	}
	commit, err := bm2.Reconfigure(h.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(h.ctx)
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("re-run after restart: %s", results.Name(r))
	}
	if n := len(h.builds(brids["sleepy"])); n != 2 {
		t.Errorf("request has %d builds, want 2", n)
	}

	// Clean shutdown: the running build finishes, a new request waits.
	bsid1, brids1 := h.force(buildsetIn{builders: []string{"sleepy"}})
	h.waitStepRunning(brids1["sleepy"], "sleep")
	clean := make(chan error, 1)
	go func() { clean <- bm2.CleanShutdown(ctx) }()
	waitFor(t, func() bool {
		bm2.mu.Lock()
		defer bm2.mu.Unlock()
		return !bm2.accepting
	})
	bsid2, brids2 := h.force(buildsetIn{builders: []string{"warnings"}, props: map[string]any{"x": "2"}})
	if err := <-clean; err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid1); r != results.Success {
		t.Errorf("build during clean shutdown: %s", results.Name(r))
	}
	sleepMs(300)
	if n := len(h.builds(brids2["warnings"])); n != 0 {
		t.Errorf("a build started during a clean shutdown")
	}
	bm2.CancelCleanShutdown()
	h.waitBuildset(bsid2)
}

func TestWorkerPauseAndMaxBuilds(t *testing.T) {
	cfg := `
worker "local" "w1" { max_builds = 1 }
builder "a" {
  workers = ["w1"]
  step "shell" "crit" { command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.2 && rmdir %(prop:crit)s"] }
}
builder "b" {
  workers = ["w1"]
  step "shell" "crit" { command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.2 && rmdir %(prop:crit)s"] }
}
`
	h := newHarness(t, cfg, harnessOptions{})
	h.waitWorkers("w1")
	crit := filepath.Join(h.dir, "crit")
	bsid, _ := h.force(buildsetIn{builders: []string{"a", "b"}, props: map[string]any{"crit": crit}})
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("max_builds = 1 let builds overlap: %s", results.Name(r))
	}

	w := h.wm.Worker("w1")
	h.mq.Produce(mq.Key{"control", "worker", fmt.Sprint(w.ID()), "pause"}, map[string]any{"reason": "r"})
	waitFor(t, w.Paused)
	bsid, brids := h.force(buildsetIn{builders: []string{"a"}, props: map[string]any{"crit": crit}})
	sleepMs(300)
	if n := len(h.builds(brids["a"])); n != 0 {
		t.Fatal("a paused worker started a build")
	}
	h.mq.Produce(mq.Key{"control", "worker", fmt.Sprint(w.ID()), "unpause"}, map[string]any{"reason": "r"})
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("after unpause: %s", results.Name(r))
	}
	workers := h.get(fmt.Sprintf("workers/%d", w.ID()), nil)
	if len(workers) != 1 {
		t.Fatal("worker not found in the data API")
	}
}
