package botmaster

import (
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/db/dbtest"
	"github.com/bbhost/bbhost/host/results"
)

const basicConfig = `
worker "local" "w1" {}
builder "b1" {
  workers = ["w1"]
  properties = { greeting = "hello" }
  step "shell" "say" {
    command = ["sh", "-c", "echo %(prop:greeting)s from %(prop:buildername)s; echo oops >&2"]
  }
  step "shell" "two" {
    command = "echo second step"
  }
  step "set_property" "setp" {
    property = "answer"
    value    = "42-%(prop:buildnumber)s"
  }
}
`

func TestForcedBuildSuccess(t *testing.T) {
	for _, kind := range []dbtest.Kind{dbtest.SQLiteFile, dbtest.Postgres} {
		t.Run(string(kind), func(t *testing.T) {
			h := newHarness(t, basicConfig, harnessOptions{kind: kind})
			h.waitWorkers("w1")
			bsid, brids := h.force(buildsetIn{builders: []string{"b1"}, props: map[string]any{"owner": "me"}})
			if r := h.waitBuildset(bsid); r != results.Success {
				t.Fatalf("buildset result %d, want SUCCESS", r)
			}
			builds := h.builds(brids["b1"])
			if len(builds) != 1 {
				t.Fatalf("%d builds, want 1", len(builds))
			}
			b := h.build(builds[0].BuildID)
			if b.Results == nil || *b.Results != results.Success || b.StateString != "build successful" {
				t.Fatalf("build = results %v state %q", b.Results, b.StateString)
			}
			if b.Number != 1 {
				t.Errorf("build number %d, want 1", b.Number)
			}
			for name, want := range map[string]any{"buildername": "b1", "workername": "w1", "greeting": "hello",
				"answer": "42-1", "owners": []any{"me"}, "scheduler": "force"} {
				got, ok := b.Properties[name]
				if !ok || !equalJSON(got[0], want) {
					t.Errorf("property %s = %v, want %v", name, got, want)
				}
			}
			if src := b.Properties["answer"][1]; src != "setp" {
				t.Errorf("answer source %v, want the step name", src)
			}
			steps := h.steps(b.BuildID)
			var names, states []string
			for _, s := range steps {
				names = append(names, s.Name)
				states = append(states, s.StateString)
				if s.Results == nil || *s.Results != results.Success {
					t.Errorf("step %s results %v", s.Name, s.Results)
				}
			}
			if got := strings.Join(names, ","); got != "worker_preparation,say,two,setp" {
				t.Errorf("steps %s", got)
			}
			wantStates := []string{"worker w1 ready", "'sh -c ...'", "'echo second ...'", "Set"}
			if strings.Join(states, "|") != strings.Join(wantStates, "|") {
				t.Errorf("step states %q, want %q", states, wantStates)
			}
			stdio := h.stepLog(steps[1].StepID, "stdio")
			if !strings.Contains(stdio, "ohello from b1\n") || !strings.Contains(stdio, "eoops\n") ||
				!strings.Contains(stdio, "h") {
				t.Errorf("stdio log:\n%s", stdio)
			}
		})
	}
}

func equalJSON(a, b any) bool {
	switch x := b.(type) {
	case []any:
		y, ok := a.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(y[i], x[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}
