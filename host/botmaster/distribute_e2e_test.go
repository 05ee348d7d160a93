package botmaster

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db"
	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/results"
)

func TestLostWorkerRetries(t *testing.T) {
	forKinds(t, func(t *testing.T, kind dbtest.Kind) {
		cfg := `
worker "local" "w1" {}
builder "flaky" {
  workers = ["w1"]
  step "shell" "work" {
    command = ["sh", "-c", "if [ -f %(prop:marker)s ]; then echo second run; exit 0; fi; touch %(prop:marker)s; sleep 60"]
  }
}
`
		h := newHarness(t, cfg, harnessOptions{kind: kind})
		h.waitWorkers("w1")
		marker := filepath.Join(h.dir, "marker")
		bsid, brids := h.force(buildsetIn{builders: []string{"flaky"}, props: map[string]any{"marker": marker}})
		first := h.waitStepRunning(brids["flaky"], "work")
		h.prov.lose("w1")
		// The first build ends RETRY and its request goes back to the pool.
		h.waitBuildDone(first)
		b := h.build(first)
		if b.Results == nil || *b.Results != results.Retry || !strings.HasPrefix(b.StateString, "retry lost connection") {
			t.Fatalf("first build: results %v state %q", b.Results, b.StateString)
		}
		if complete, _ := h.requestResults(brids["flaky"]); complete {
			t.Fatal("request completed after a RETRY")
		}
		h.prov.release("w1")
		if r := h.waitBuildset(bsid); r != results.Success {
			t.Fatalf("buildset %s after the worker came back", results.Name(r))
		}
		builds := h.builds(brids["flaky"])
		if len(builds) != 2 || *builds[1].Results != results.Success {
			t.Fatalf("builds of the request: %d", len(builds))
		}
		for _, s := range h.steps(first) {
			if s.Name == "work" && *s.Results != results.Retry {
				t.Errorf("interrupted step %s", results.Name(*s.Results))
			}
		}
	})
}

// waitBuildDone waits until a build is complete.
func (h *harness) waitBuildDone(id int64) {
	h.t.Helper()
	for i := 0; i < 3000; i++ {
		if b := h.build(id); b.Complete {
			return
		}
		sleepMs(10)
	}
	h.t.Fatalf("build %d never finished", id)
}

func TestCollapse(t *testing.T) {
	forKinds(t, func(t *testing.T, kind dbtest.Kind) {
		cfg := `
worker "local" "w1" {}
builder "collapsing" {
  workers = ["w1"]
  step "shell" "s" { command = "true" }
}
builder "separate" {
  workers           = ["w1"]
  collapse_requests = false
  step "shell" "s" { command = "true" }
}
`
		h := newHarness(t, cfg, harnessOptions{kind: kind, setup: func(h *harness) { h.prov.hold("w1") }})
		rev := "abc"
		other := "def"
		var coll, sep []int64
		var bsids []int64
		for i := 0; i < 3; i++ {
			bsid, brids := h.force(buildsetIn{builders: []string{"collapsing", "separate"},
				ss: db.SourceStampSpec{Revision: &rev, Repository: "r", Branch: &rev}})
			coll = append(coll, brids["collapsing"])
			sep = append(sep, brids["separate"])
			bsids = append(bsids, bsid)
		}
		// A different revision is not collapsed with the others.
		bsidOther, bridsOther := h.force(buildsetIn{builders: []string{"collapsing"},
			ss: db.SourceStampSpec{Revision: &other, Repository: "r", Branch: &rev}})
		for _, id := range coll[:2] {
			if complete, r := h.requestResults(id); !complete || r != results.Skipped {
				t.Errorf("older request %d: complete %v results %d, want SKIPPED", id, complete, r)
			}
		}
		if complete, _ := h.requestResults(coll[2]); complete {
			t.Error("newest request was collapsed")
		}
		for _, id := range sep {
			if complete, _ := h.requestResults(id); complete {
				t.Errorf("request %d of a builder with collapse_requests = false was collapsed", id)
			}
		}
		h.prov.release("w1")
		for _, bsid := range append(bsids, bsidOther) {
			h.waitBuildset(bsid)
		}
		if n := len(h.builds(coll[2])) + len(h.builds(coll[0])) + len(h.builds(coll[1])); n != 1 {
			t.Errorf("collapsing builder ran %d builds for three requests, want 1", n)
		}
		if n := len(h.builds(bridsOther["collapsing"])); n != 1 {
			t.Errorf("request with another revision ran %d builds", n)
		}
		for _, id := range sep {
			if n := len(h.builds(id)); n != 1 {
				t.Errorf("separate request %d ran %d builds", id, n)
			}
		}
	})
}

func TestPrioritiesAndOrder(t *testing.T) {
	base := `
worker "local" "w1" {}
builder "other" {
  workers = ["w1"]
  step "shell" "s" { command = "true" }
}
`
	withPrio := base + `
builder "prio" {
  workers    = ["w1"]
  next_build = "%s"
  step "shell" "s" { command = "true" }
}
`
	for _, nextBuild := range []string{"oldest", "newest"} {
		t.Run(nextBuild, func(t *testing.T) {
			h := newHarness(t, base, harnessOptions{setup: func(h *harness) { h.prov.hold("w1") }})
			// The builder exists in the database but not yet on this master,
			// so its requests are loaded from the database when it arrives.
			bid, err := h.data.FindBuilderID(h.ctx, "prio")
			if err != nil {
				t.Fatal(err)
			}
			var brids []int64
			for i := 0; i < 4; i++ {
				_, m, err := h.data.AddBuildset(h.ctx, dataBuildset(bid, fmt.Sprint(i)))
				if err != nil {
					t.Fatal(err)
				}
				brids = append(brids, m[bid])
			}
			// Priorities: request 2 highest, then 1; 0 and 3 at the default 0.
			for id, p := range map[int64]int{brids[2]: 10, brids[1]: 5} {
				if _, err := h.db.Exec(h.ctx, `UPDATE buildrequests SET priority = $1 WHERE id = $2`, p, id); err != nil {
					t.Fatal(err)
				}
			}
			h.reconfigure(h.loadConfig(fmt.Sprintf(withPrio, nextBuild)))
			h.prov.release("w1")
			order := map[int64]int64{} // build number → request
			for len(order) < 4 {
				for _, brid := range brids {
					for _, b := range h.builds(brid) {
						order[b.Number] = brid
					}
				}
				sleepMs(10)
			}
			want := []int64{brids[2], brids[1], brids[0], brids[3]}
			if nextBuild == "newest" {
				want = []int64{brids[2], brids[1], brids[3], brids[0]}
			}
			for i, brid := range want {
				if order[int64(i+1)] != brid {
					t.Fatalf("build order %v, want requests %v", order, want)
				}
			}
		})
	}
}

func TestLocks(t *testing.T) {
	forKinds(t, func(t *testing.T, kind dbtest.Kind) {
		// Two builders, each with its own worker, run a step that fails if
		// another holder is inside the critical section (mkdir is atomic).
		cfg := `
worker "local" "w1" {}
worker "local" "w2" {}
lock "master" "db" { max_count = 1 }
builder "l1" {
  workers = ["w1"]
  locks   = [{ name = "db", access = "exclusive" }]
  step "shell" "crit" { command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.3 && rmdir %(prop:crit)s"] }
}
builder "l2" {
  workers = ["w2"]
  step "shell" "crit" {
    command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.3 && rmdir %(prop:crit)s"]
    locks   = [{ name = "db" }]
  }
}
builder "n1" {
  workers = ["w1"]
  step "shell" "crit" { command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.3 && rmdir %(prop:crit)s"] }
}
builder "n2" {
  workers = ["w2"]
  step "shell" "crit" { command = ["sh", "-c", "mkdir %(prop:crit)s && sleep 0.3 && rmdir %(prop:crit)s"] }
}
`
		h := newHarness(t, cfg, harnessOptions{kind: kind})
		h.waitWorkers("w1", "w2")
		crit := filepath.Join(h.dir, "crit")
		for round := 0; round < 3; round++ {
			bsid, _ := h.force(buildsetIn{builders: []string{"l1", "l2"}, props: map[string]any{"crit": crit}})
			if r := h.waitBuildset(bsid); r != results.Success {
				t.Fatalf("round %d: with a build lock and a step lock on one master lock, %s", round, results.Name(r))
			}
		}
		// The same steps without locks do overlap: the check can fail.
		bsid, _ := h.force(buildsetIn{builders: []string{"n1", "n2"}, props: map[string]any{"crit": crit + "-nolock"}})
		if r := h.waitBuildset(bsid); r != results.Failure {
			t.Errorf("without locks the critical sections did not collide (%s); the test proves nothing", results.Name(r))
		}
	})
}

func TestNextWorkerChoices(t *testing.T) {
	cfg := `
worker "local" "w1" {}
worker "local" "w2" {}
worker "local" "w3" {}
builder "first" {
  workers     = ["w2", "w1", "w3"]
  next_worker = "first"
  step "shell" "s" { command = "true" }
}
builder "random" {
  workers = ["w1", "w2", "w3"]
  step "shell" "s" { command = "true" }
}
`
	h := newHarness(t, cfg, harnessOptions{})
	h.waitWorkers("w1", "w2", "w3")
	workerOf := func(builder string) string {
		bsid, brids := h.force(buildsetIn{builders: []string{builder}, props: map[string]any{"n": fmt.Sprint(len(h.complete))}})
		h.waitBuildset(bsid)
		b := h.builds(brids[builder])[0]
		return h.wm.WorkerByID(*b.WorkerID).Name()
	}
	for i := 0; i < 5; i++ {
		if w := workerOf("first"); w != "w2" {
			t.Fatalf("next_worker first chose %s, want w2 (the first listed)", w)
		}
	}
	seen := map[string]int{}
	for i := 0; i < 24; i++ {
		seen[workerOf("random")]++
	}
	if len(seen) < 2 {
		t.Errorf("random next_worker used only %v", seen)
	}
}

// TestStopWhileWaitingForLocks: a build whose builder lock is taken waits
// in the pool until the lock is released; a build whose step waits for a
// step lock can be stopped during the wait.
func TestStopWhileWaitingForLocks(t *testing.T) {
	cfg := `
worker "local" "w1" {}
worker "local" "w2" {}
lock "master" "one" { max_count = 1 }
builder "holder" {
  workers = ["w1"]
  locks   = [{ name = "one", access = "exclusive" }]
  step "shell" "hold" { command = ["sh", "-c", "while [ ! -f %(prop:go)s ]; do sleep 0.02; done"] }
}
builder "buildlock" {
  workers = ["w2"]
  locks   = [{ name = "one" }]
  step "shell" "s" { command = "true" }
}
builder "steplock" {
  workers = ["w2"]
  step "shell" "first" { command = "true" }
  step "shell" "locked" {
    command = "true"
    locks   = [{ name = "one", access = "exclusive" }]
  }
}
`
	h := newHarness(t, cfg, harnessOptions{})
	h.waitWorkers("w1", "w2")
	goFile := filepath.Join(h.dir, "go")
	hbs, hb := h.force(buildsetIn{builders: []string{"holder"}, props: map[string]any{"go": goFile}})
	h.waitStepRunning(hb["holder"], "hold")

	// A builder whose lock is taken does not start (canStartBuild); it
	// starts once the holder releases the lock.
	bs1, b1 := h.force(buildsetIn{builders: []string{"buildlock"}})
	sleepMs(200)
	if n := len(h.builds(b1["buildlock"])); n != 0 {
		t.Fatal("a build started while its builder lock was taken")
	}

	// A step lock wait.
	bs2, b2 := h.force(buildsetIn{builders: []string{"steplock"}})
	id2 := h.waitStepRunning(b2["steplock"], "locked")
	if err := h.bm.StopBuild(h.ctx, id2, "no step wait"); err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bs2); r != results.Cancelled {
		t.Fatalf("build stopped in a step lock wait: %s", results.Name(r))
	}
	for _, s := range h.steps(id2) {
		if s.Name == "locked" {
			if *s.Results != results.Cancelled {
				t.Errorf("locked step %s", results.Name(*s.Results))
			}
			if txt := h.stepLog(s.StepID, "cancelled while waiting for locks"); !strings.Contains(txt, "no step wait") {
				t.Errorf("log %q", txt)
			}
		}
	}
	touch(t, goFile)
	if r := h.waitBuildset(hbs); r != results.Success {
		t.Fatalf("holder %s", results.Name(r))
	}
	if r := h.waitBuildset(bs1); r != results.Success {
		t.Fatalf("build waiting for the released lock: %s", results.Name(r))
	}
}
