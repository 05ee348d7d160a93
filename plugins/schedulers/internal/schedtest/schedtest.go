// Package schedtest helps the scheduler kinds' tests: a harness with a
// fake clock, starting and stopping instances, waiting for the plugin's
// goroutines and reading their state.
package schedtest

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

// T0 is the fake clock's start: Monday 2024-01-01 12:00 UTC.
var T0 = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

// Limit bounds every wait for the plugin's goroutines; no test depends on
// its length.
const Limit = 10 * time.Second

// New serves the components in-process with a fake clock they were made
// with (mk receives it).
func New(t testing.TB, mk func(clock.Clock) []sdk.Component) (*sdktest.Harness, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(T0)
	h := sdktest.New(t, sdk.Plugin{Name: "schedulers", Version: "0.0.0", Components: mk(fc)})
	return h, fc
}

// Start configures and starts an instance, stopped at the test's end.
func Start(t testing.TB, h *sdktest.Harness, kind, name, body string, builders ...string) scheduler.Instance {
	t.Helper()
	s := h.Scheduler(t, kind, name, body, builders...)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background(), time.Now()) })
	return s
}

// Stop stops an instance.
func Stop(t testing.TB, s scheduler.Instance) {
	t.Helper()
	if err := s.Stop(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
}

// WaitFor polls cond until it holds.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Pending waits until the clock has n pending timers and returns their
// times.
func Pending(t testing.TB, fc *clock.Fake, n int) []time.Time {
	t.Helper()
	WaitFor(t, "timers", func() bool { return len(fc.Pending()) == n })
	return fc.Pending()
}

// State decodes a state value; false when it is not set.
func State(t testing.TB, h *sdktest.Harness, name, class, key string, dst any) bool {
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

// Str returns a pointer to s.
func Str(s string) *string { return &s }

// Change returns a change on branch touching files.
func Change(branch string, files ...string) base.Change {
	return base.Change{Author: "dev", Branch: Str(branch), Revision: Str("rev-" + branch), Repository: "repo", Files: files,
		Properties: map[string]any{"from_change": branch}}
}
