package botmaster

import (
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/results"
)

const resultsConfig = `
worker "local" "w1" {}
builder "rules" {
  workers = ["w1"]
  step "shell" "ok" { command = "true" }
  step "shell" "warn" {
    command   = "exit 1"
    decode_rc = { "0" = "success", "1" = "warnings" }
  }
  step "shell" "fail" { command = "exit 3" }
  step "shell" "skip" {
    command    = "true"
    do_step_if = "%(prop:run_it:#?|true|false)s"
  }
  step "shell" "hide" {
    command      = "true"
    hide_step_if = true
  }
  step "shell" "halt" {
    command         = "exit 2"
    halt_on_failure = true
  }
  step "shell" "after" { command = "true" }
  step "shell" "cleanup" {
    command    = "echo cleaning"
    always_run = true
  }
}
builder "warnings" {
  workers = ["w1"]
  step "shell" "warn" {
    command          = "exit 1"
    decode_rc        = { "1" = "warnings" }
    warn_on_warnings = true
    description_done = "checked"
  }
}
builder "sleepy" {
  workers = ["w1"]
  step "shell" "sleep" { command = ["sleep", "60"] }
  step "shell" "never" { command = "true" }
  step "shell" "always" {
    command    = "true"
    always_run = true
  }
}
`

func stepByName(t *testing.T, h *harness, buildID int64) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, s := range h.steps(buildID) {
		if s.Results == nil {
			t.Fatalf("step %s not finished", s.Name)
		}
		out[s.Name] = *s.Results
	}
	return out
}

func TestResultRules(t *testing.T) {
	forKinds(t, func(t *testing.T, kind dbtest.Kind) {
		h := newHarness(t, resultsConfig, harnessOptions{kind: kind})
		h.waitWorkers("w1")
		bsid, brids := h.force(buildsetIn{builders: []string{"rules"}})
		if r := h.waitBuildset(bsid); r != results.Failure {
			t.Fatalf("buildset result %s, want failure", results.Name(r))
		}
		b := h.builds(brids["rules"])[0]
		got := stepByName(t, h, b.BuildID)
		want := map[string]int{"worker_preparation": results.Success, "ok": results.Success,
			"warn": results.Warnings, "fail": results.Failure, "skip": results.Skipped, "hide": results.Success,
			"halt": results.Failure, "cleanup": results.Success}
		if len(got) != len(want) {
			t.Errorf("steps %v, want %v (the step after the halt never starts)", got, want)
		}
		for n, r := range want {
			if got[n] != r {
				t.Errorf("step %s = %s, want %s", n, results.Name(got[n]), results.Name(r))
			}
		}
		for _, s := range h.steps(b.BuildID) {
			if (s.Name == "hide") != s.Hidden {
				t.Errorf("step %s hidden = %v", s.Name, s.Hidden)
			}
			switch s.Name {
			case "warn":
				if s.StateString != "'exit 1' (warnings)" {
					t.Errorf("warn state %q", s.StateString)
				}
			case "skip":
				if s.StateString != "'true' (skipped)" {
					t.Errorf("skip state %q", s.StateString)
				}
			}
		}
		full := h.build(b.BuildID)
		if want := "failed 'exit 3' (failure) 'exit 2' (failure)"; full.StateString != want {
			t.Errorf("build state %q, want %q", full.StateString, want)
		}

		// do_step_if renders: with the property set, the step runs.
		bsid, brids = h.force(buildsetIn{builders: []string{"rules"}, props: map[string]any{"run_it": "yes"}})
		h.waitBuildset(bsid)
		if got := stepByName(t, h, h.builds(brids["rules"])[0].BuildID); got["skip"] != results.Success {
			t.Errorf("skip with run_it = %s, want success", results.Name(got["skip"]))
		}

		// warn_on_warnings: the build ends WARNINGS with the step's summary.
		bsid, brids = h.force(buildsetIn{builders: []string{"warnings"}})
		if r := h.waitBuildset(bsid); r != results.Warnings {
			t.Fatalf("warnings buildset %s", results.Name(r))
		}
		wb := h.build(h.builds(brids["warnings"])[0].BuildID)
		if wb.StateString != "warnings checked (warnings)" {
			t.Errorf("warnings build state %q", wb.StateString)
		}
	})
}

func TestStopBuild(t *testing.T) {
	forKinds(t, func(t *testing.T, kind dbtest.Kind) {
		h := newHarness(t, resultsConfig, harnessOptions{kind: kind})
		h.waitWorkers("w1")
		bsid, brids := h.force(buildsetIn{builders: []string{"sleepy"}})
		buildID := h.waitStepRunning(brids["sleepy"], "sleep")
		if err := h.bm.StopBuild(h.ctx, buildID, "enough"); err != nil {
			t.Fatal(err)
		}
		if r := h.waitBuildset(bsid); r != results.Cancelled {
			t.Fatalf("buildset %s, want cancelled", results.Name(r))
		}
		got := stepByName(t, h, buildID)
		if got["sleep"] != results.Cancelled || got["always"] != results.Success {
			t.Errorf("steps %v", got)
		}
		if _, ran := got["never"]; ran {
			t.Error("a step after the stop ran")
		}
		b := h.build(buildID)
		if want := "cancelled (enough) 'sleep 60' (cancelled)"; b.StateString != want {
			t.Errorf("state %q, want %q", b.StateString, want)
		}
		for _, s := range h.steps(buildID) {
			if s.Name == "sleep" {
				if txt := h.stepLog(s.StepID, "cancelled"); !strings.Contains(txt, "enough") {
					t.Errorf("cancelled log %q", txt)
				}
			}
		}
	})
}

// waitStepRunning waits until a request's build runs the named step and
// returns the build id.
func (h *harness) waitStepRunning(brid int64, step string) int64 {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, b := range h.builds(brid) {
			for _, s := range h.steps(b.BuildID) {
				if s.Name == step && s.StartedAt != nil && !s.Complete {
					// the command is started right after the step
					time.Sleep(50 * time.Millisecond)
					return b.BuildID
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("step %s of request %d never ran", step, brid)
	return 0
}
