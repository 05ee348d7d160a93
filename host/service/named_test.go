package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fakeSvc records its lifecycle in a shared journal.
type fakeSvc struct {
	name       string
	cfg        string
	journal    *[]string
	failStart  bool
	failReconf bool
	restart    bool // ReconfigureService answers ErrRestartRequired
	running    bool
}

func (f *fakeSvc) Name() string { return f.name }
func (f *fakeSvc) Start(context.Context) error {
	if f.failStart {
		*f.journal = append(*f.journal, "start-failed "+f.name)
		return errors.New("boom")
	}
	f.running = true
	*f.journal = append(*f.journal, "start "+f.name+"="+f.cfg)
	return nil
}
func (f *fakeSvc) Stop(context.Context) error {
	f.running = false
	*f.journal = append(*f.journal, "stop "+f.name)
	return nil
}
func (f *fakeSvc) ReconfigureService(_ context.Context, cfg string) error {
	if f.restart {
		return ErrRestartRequired
	}
	if f.failReconf && strings.HasPrefix(cfg, "bad") {
		return errors.New("rejected")
	}
	*f.journal = append(*f.journal, "reconfigure "+f.name+"="+cfg)
	f.cfg = cfg
	return nil
}

type harness struct {
	journal   []string
	built     map[string]*fakeSvc
	failNew   map[string]bool
	failStart map[string]bool
	restart   map[string]bool
	m         *NamedManager[map[string]string, string]
}

func newHarness() *harness {
	h := &harness{built: map[string]*fakeSvc{}, failNew: map[string]bool{}, failStart: map[string]bool{}, restart: map[string]bool{}}
	h.m = NewNamedManager(ManagerOptions[map[string]string, string]{
		Name: "test",
		New: func(_ context.Context, name, cfg string) (Service, error) {
			if h.failNew[name] {
				return nil, fmt.Errorf("cannot build %s", name)
			}
			s := &fakeSvc{name: name, cfg: cfg, journal: &h.journal, failStart: h.failStart[name],
				failReconf: true, restart: h.restart[name]}
			h.built[name+"="+cfg] = s
			return s, nil
		},
		Equal: func(a, b string) bool { return a == b },
		Select: func(cfg map[string]string) []Item[string] {
			var items []Item[string]
			for _, k := range slices.Sorted(mapsKeys(cfg)) {
				items = append(items, Item[string]{Name: k, Config: cfg[k]})
			}
			return items
		},
	})
	return h
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (h *harness) reconfigure(t *testing.T, cfg map[string]string) error {
	t.Helper()
	commit, err := h.m.Reconfigure(context.Background(), cfg)
	if err == nil {
		commit(context.Background())
	}
	return err
}

func TestNamedManagerDiff(t *testing.T) {
	h := newHarness()
	ctx := context.Background()
	if err := h.m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.reconfigure(t, map[string]string{"a": "1", "b": "1", "c": "1"}); err != nil {
		t.Fatal(err)
	}
	a, b, c := h.m.Get("a"), h.m.Get("b"), h.m.Get("c")
	h.journal = nil

	// a unchanged, b changed, c removed, d added.
	if err := h.reconfigure(t, map[string]string{"a": "1", "b": "2", "d": "1"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"start d=1", "reconfigure b=2", "stop c"}
	if !slices.Equal(h.journal, want) {
		t.Fatalf("journal = %q, want %q", h.journal, want)
	}
	if h.m.Get("a") != a {
		t.Error("unchanged service a was replaced")
	}
	if h.m.Get("b") != b {
		t.Error("service b changed in place should be the same object")
	}
	if h.m.Get("c") != nil || c.(*fakeSvc).running {
		t.Error("removed service c still present or running")
	}
	if d := h.m.Get("d"); d == nil || !d.(*fakeSvc).running {
		t.Error("added service d not running")
	}
	if got := h.m.Names(); !slices.Equal(got, []string{"a", "b", "d"}) {
		t.Errorf("names = %v", got)
	}
}

func TestNamedManagerReplaceWhenRestartRequired(t *testing.T) {
	h := newHarness()
	h.restart["s"] = true
	h.m.Start(context.Background())
	h.reconfigure(t, map[string]string{"s": "1"})
	old := h.m.Get("s")
	h.journal = nil
	if err := h.reconfigure(t, map[string]string{"s": "2"}); err != nil {
		t.Fatal(err)
	}
	if h.m.Get("s") == old {
		t.Fatal("service needing a restart was not replaced")
	}
	want := []string{"stop s", "start s=2"}
	if !slices.Equal(h.journal, want) {
		t.Fatalf("journal = %q, want %q", h.journal, want)
	}
}

func TestNamedManagerFailedReconfigChangesNothing(t *testing.T) {
	cases := []struct {
		name  string
		setup func(h *harness)
		cfg   map[string]string
	}{
		{"added service cannot be built", func(h *harness) { h.failNew["x"] = true }, map[string]string{"a": "2", "b": "1", "x": "1"}},
		{"added service fails to start", func(h *harness) { h.failStart["x"] = true }, map[string]string{"a": "2", "x": "1"}},
		{"changed service rejects its config", nil, map[string]string{"a": "bad", "b": "2", "x": "1"}},
		{"second changed service rejects its config", nil, map[string]string{"a": "2", "b": "bad", "x": "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness()
			h.m.Start(context.Background())
			if err := h.reconfigure(t, map[string]string{"a": "1", "b": "1", "c": "1"}); err != nil {
				t.Fatal(err)
			}
			before := map[string]Service{"a": h.m.Get("a"), "b": h.m.Get("b"), "c": h.m.Get("c")}
			if tc.setup != nil {
				tc.setup(h)
			}
			if err := h.reconfigure(t, tc.cfg); err == nil {
				t.Fatal("reconfigure succeeded, want an error")
			}
			for name, svc := range before {
				if h.m.Get(name) != svc {
					t.Errorf("%s is not the same object after a failed reconfig", name)
				}
				f := svc.(*fakeSvc)
				if !f.running || f.cfg != "1" {
					t.Errorf("%s running=%v cfg=%q after failed reconfig, want running with 1", name, f.running, f.cfg)
				}
			}
			if h.m.Get("x") != nil {
				t.Error("service x from the failed reconfig is present")
			}
			if got := h.m.Names(); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Errorf("names = %v", got)
			}
		})
	}
}

// twoLevel is a tree of two managers reconfigured through ReconfigureChildren:
// when the second fails, the first must be rolled back and nothing removed.
func TestReconfigureChildrenRollsBackSiblings(t *testing.T) {
	h1, h2 := newHarness(), newHarness()
	type root = map[string]string
	ctx := context.Background()
	h1.m.Start(ctx)
	h2.m.Start(ctx)
	old := root{"a": "1", "gone": "1"}
	for _, h := range []*harness{h1, h2} {
		commit, err := h.m.Reconfigure(ctx, old)
		if err != nil {
			t.Fatal(err)
		}
		commit(ctx)
	}
	a1, gone1 := h1.m.Get("a"), h1.m.Get("gone")
	h2.failNew["new"] = true
	_, err := ReconfigureChildren[root](ctx, []Service{h1.m, h2.m}, old, root{"a": "2", "new": "1"})
	if err == nil {
		t.Fatal("want an error")
	}
	if h1.m.Get("a") != a1 || a1.(*fakeSvc).cfg != "1" {
		t.Errorf("sibling a not rolled back: cfg %q", a1.(*fakeSvc).cfg)
	}
	if h1.m.Get("gone") != gone1 || !gone1.(*fakeSvc).running {
		t.Error("a service the failed config removed was stopped")
	}
	if h1.m.Get("new") != nil {
		t.Error("service added by the failed config still present in the first manager")
	}
}

func TestMultiServiceOrder(t *testing.T) {
	var journal []string
	ms := NewMultiService("root")
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c"} {
		if err := ms.AddService(ctx, &fakeSvc{name: n, journal: &journal}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ms.AddService(ctx, &fakeSvc{name: "a", journal: &journal}); err == nil {
		t.Error("duplicate child name accepted")
	}
	if err := ms.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ms.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"start a=", "start b=", "start c=", "stop c", "stop b", "stop a"}
	if !slices.Equal(journal, want) {
		t.Fatalf("journal = %q, want %q", journal, want)
	}
	// A failing child stops the ones already started, in reverse.
	journal = nil
	ms = NewMultiService("root")
	ms.AddService(ctx, &fakeSvc{name: "a", journal: &journal})
	ms.AddService(ctx, &fakeSvc{name: "b", journal: &journal, failStart: true})
	ms.AddService(ctx, &fakeSvc{name: "c", journal: &journal})
	if err := ms.Start(ctx); err == nil {
		t.Fatal("want start error")
	}
	want = []string{"start a=", "start-failed b", "stop a"}
	if !slices.Equal(journal, want) {
		t.Fatalf("journal = %q, want %q", journal, want)
	}
}
