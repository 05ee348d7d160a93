package botmaster

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bbhost/bbhost/host/data"
	"github.com/bbhost/bbhost/host/results"
)

func TestControls(t *testing.T) {
	h := newHarness(t, resultsConfig, harnessOptions{})
	h.waitWorkers("w1")

	// rebuild: a new buildset on the same stamps with the same properties.
	bsid, brids := h.force(buildsetIn{builders: []string{"warnings"}, props: map[string]any{"flavour": "vanilla"}})
	h.waitBuildset(bsid)
	first := h.builds(brids["warnings"])[0]
	res, err := h.api.Control(h.ctx, fmt.Sprintf("builders/%d/builds/%d", first.BuilderID, first.Number), "rebuild", nil)
	if err != nil {
		t.Fatal(err)
	}
	pair := res.([]any)
	rbsid := pair[0].(int64)
	rbrid := pair[1].(map[string]any)[fmt.Sprint(first.BuilderID)].(int64)
	if r := h.waitBuildset(rbsid); r != results.Warnings {
		t.Fatalf("rebuild buildset %s", results.Name(r))
	}
	bs := h.get(fmt.Sprintf("buildsets/%d", rbsid), nil)[0].(*data.Buildset)
	if bs.Reason != "rebuild" {
		t.Errorf("rebuild reason %q", bs.Reason)
	}
	rb := h.build(h.builds(rbrid)[0].BuildID)
	if rb.Properties["flavour"][0] != "vanilla" || rb.Number != 2 {
		t.Errorf("rebuild: number %d, properties %v", rb.Number, rb.Properties)
	}

	// stop by builder name and number.
	bsid, brids = h.force(buildsetIn{builders: []string{"sleepy"}})
	id := h.waitStepRunning(brids["sleepy"], "sleep")
	b := h.build(id)
	if _, err := h.api.Control(h.ctx, fmt.Sprintf("builders/sleepy/builds/%d", b.Number), "stop",
		map[string]any{"reason": "by name"}); err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid); r != results.Cancelled {
		t.Fatalf("stopped buildset %s", results.Name(r))
	}

	// cancel of a running request stops its build.
	bsid, brids = h.force(buildsetIn{builders: []string{"sleepy"}})
	id = h.waitStepRunning(brids["sleepy"], "sleep")
	if _, err := h.api.Control(h.ctx, fmt.Sprintf("buildrequests/%d", brids["sleepy"]), "cancel",
		map[string]any{"reason": "not needed"}); err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid); r != results.Cancelled {
		t.Fatalf("cancelled running buildset %s", results.Name(r))
	}
	if s := h.build(id).StateString; s != "cancelled (not needed) 'sleep 60' (cancelled)" {
		t.Errorf("cancelled build state %q", s)
	}

	// cancel of a pending request: it never runs.
	h.prov.lose("w1")
	waitFor(t, func() bool { return !h.wm.Worker("w1").Connected() })
	bsid, brids = h.force(buildsetIn{builders: []string{"warnings"}})
	if _, err := h.api.Control(h.ctx, fmt.Sprintf("buildrequests/%d", brids["warnings"]), "cancel", nil); err != nil {
		t.Fatal(err)
	}
	if r := h.waitBuildset(bsid); r != results.Cancelled {
		t.Fatalf("cancelled pending buildset %s", results.Name(r))
	}
	h.prov.release("w1")
	h.waitWorkers("w1")
	bsid2, _ := h.force(buildsetIn{builders: []string{"warnings"}, props: map[string]any{"n": "2"}})
	h.waitBuildset(bsid2)
	if n := len(h.builds(brids["warnings"])); n != 0 {
		t.Errorf("cancelled request ran %d builds", n)
	}

	// unknown builder or build number
	for _, p := range []string{"builders/nobody/builds/1", "builders/sleepy/builds/99"} {
		var nf *data.NotFoundError
		if _, err := h.api.Control(h.ctx, p, "stop", nil); !errors.As(err, &nf) {
			t.Errorf("stop %s: %v, want not found", p, err)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		sleepMs(10)
	}
	t.Fatal("condition never met")
}
