package botmaster

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bbhost/bbhost/host/results"
)

// TestPluginWorker runs builds on the real local worker plugin process.
func TestPluginWorker(t *testing.T) {
	cfg := `
worker "local" "w1" {}
builder "b1" {
  workers = ["w1"]
  step "shell" "say" { command = ["sh", "-c", "echo hello from $PPID; echo oops >&2"] }
  step "shell" "fail" {
    command         = "exit 4"
    halt_on_failure = true
  }
  step "shell" "never" { command = "true" }
}
builder "flaky" {
  workers = ["w1"]
  step "shell" "work" {
    command = ["sh", "-c", "if [ -f %(prop:marker)s ]; then echo second run; exit 0; fi; touch %(prop:marker)s; sleep 60"]
  }
}
`
	h := newHarness(t, cfg, harnessOptions{plugin: true})
	h.waitWorkers("w1")
	bsid, brids := h.force(buildsetIn{builders: []string{"b1"}})
	if r := h.waitBuildset(bsid); r != results.Failure {
		t.Fatalf("buildset %s", results.Name(r))
	}
	b := h.build(h.builds(brids["b1"])[0].BuildID)
	if b.StateString != "failed 'exit 4' (failure)" {
		t.Errorf("state %q", b.StateString)
	}
	steps := h.steps(b.BuildID)
	if len(steps) != 3 {
		t.Fatalf("%d steps, want worker_preparation, say, fail", len(steps))
	}
	if out := h.stepLog(steps[1].StepID, "stdio"); !strings.Contains(out, "ohello from") || !strings.Contains(out, "eoops\n") {
		t.Errorf("stdio:\n%s", out)
	}

	// kill -9 of the worker plugin mid-build: RETRY, then the request runs
	// again once the plugin is back.
	marker := filepath.Join(h.dir, "marker")
	bsid, brids = h.force(buildsetIn{builders: []string{"flaky"}, props: map[string]any{"marker": marker}})
	first := h.waitStepRunning(brids["flaky"], "work")
	procs := h.env.Host.Processes()
	if len(procs) == 0 {
		t.Fatal("no plugin process")
	}
	if err := syscall.Kill(procs[0].PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid); r != results.Success {
		t.Fatalf("after the plugin was killed: %s", results.Name(r))
	}
	if os.Getenv("BBHOST_DEBUG") != "" {
		t.Log(h.env.Logs.String())
	}
	fb := h.build(first)
	if fb.Results == nil || *fb.Results != results.Retry {
		t.Fatalf("killed build: %v %q", fb.Results, fb.StateString)
	}
	if bs := h.builds(brids["flaky"]); len(bs) != 2 {
		for _, b := range bs {
			t.Logf("build %d: %v %q", b.BuildID, *b.Results, h.build(b.BuildID).StateString)
			for _, s := range h.steps(b.BuildID) {
				t.Logf("  step %s: %v %q", s.Name, *s.Results, s.StateString)
			}
		}
		t.Errorf("request ran %d builds, want 2", len(bs))
	}
}
