package timed

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/clock"
	"github.com/bbhost/bbhost/sdk"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
	"github.com/bbhost/bbhost/sdk/sdktest"
)

// t0 is the fake clock's start: a Monday.
var t0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

// limit bounds every wait for the plugin's goroutines; no test depends on
// its length.
const limit = 10 * time.Second

func newHarness(t *testing.T) (*sdktest.Harness, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(t0)
	opts := Options{Clock: fc, Location: time.UTC}
	h := sdktest.New(t, sdk.Plugin{Name: "schedulers", Version: "0.0.0",
		Components: []sdk.Component{PeriodicComponent(opts), NightlyComponent(opts)}})
	return h, fc
}

func start(t *testing.T, h *sdktest.Harness, kind, name, body string, builders ...string) scheduler.Instance {
	t.Helper()
	s := h.Scheduler(t, kind, name, body, builders...)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background(), time.Now()) })
	return s
}

func stop(t *testing.T, s scheduler.Instance) {
	t.Helper()
	if err := s.Stop(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
}

// waitTimer waits until the scheduler has set its timer.
func waitTimer(t *testing.T, fc *clock.Fake) {
	t.Helper()
	if !fc.WaitTimers(1, limit) {
		t.Fatal("the scheduler set no timer")
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stateOf decodes a state value of the scheduler; ok is false when unset.
func stateOf(t *testing.T, h *sdktest.Harness, name, class, key string, dst any) bool {
	t.Helper()
	st, ok := h.Master.State(name, class, key)
	if !ok || !st.Found {
		return false
	}
	if err := json.Unmarshal(st.Value, dst); err != nil {
		t.Fatal(err)
	}
	return true
}

func lastBuild(t *testing.T, h *sdktest.Harness, name, class string) (time.Time, bool) {
	t.Helper()
	var f *float64
	if !stateOf(t, h, name, class, stateLastBuild, &f) || f == nil {
		return time.Time{}, false
	}
	return fromEpoch(*f, time.UTC), true
}

func str(s string) *string { return &s }

func change(branch string, files ...string) base.Change {
	return base.Change{Author: "dev", Branch: str(branch), Revision: str("rev-" + branch), Repository: "repo", Files: files,
		Properties: map[string]any{"from_change": branch}}
}
