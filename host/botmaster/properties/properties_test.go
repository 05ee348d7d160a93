package properties

import (
	"reflect"
	"testing"

	"github.com/bbhost/bbhost/host/data"
)

func TestPrecedence(t *testing.T) {
	p := KnownBeforeStart(Layers{
		Global: map[string]any{"a": "global", "g": "only-global", "b": "global"},
		Changes: []data.SourcedProperties{
			{"a": {"change", "Change"}, "c": {"change", "Change"}},
		},
		Buildsets: []data.SourcedProperties{
			{"c": {"bs", "Force Build Form"}, "scheduler": {"force", "Scheduler"},
				"reason": {"because", "Force Build Form"}, "owner": {"me", "Force Build Form"}},
		},
		BuilderName:     "b1",
		Builder:         map[string]any{"b": "builder", "buildername": "ignored-not"},
		BuilderDefaults: map[string]any{"b": "default", "d": "default"},
		WorkerName:      "w1",
		Worker:          map[string]any{"os": "linux", "b": "worker"},
	})
	want := map[string]Property{
		"a":           {"change", SourceChange},
		"g":           {"only-global", SourceConfiguration},
		"b":           {"worker", SourceWorker},
		"c":           {"bs", SourceForce},
		"scheduler":   {"force", SourceScheduler},
		"reason":      {"because", SourceForce},
		"owner":       {"me", SourceForce},
		"buildername": {"ignored-not", SourceBuilder},
		"d":           {"default", SourceBuilder},
		"workername":  {"w1", SourceWorker},
		"os":          {"linux", SourceWorker},
	}
	for name, w := range want {
		got, ok := p.Lookup(name)
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v (%v), want %#v", name, got, ok, w)
		}
	}
	if p.Len() != len(want) {
		t.Errorf("got %d properties %v, want %d", p.Len(), p.Names(), len(want))
	}
}

func TestDefaultsDoNotOverride(t *testing.T) {
	p := KnownBeforeStart(Layers{
		Buildsets:       []data.SourcedProperties{{"x": {"from-bs", "Scheduler"}}},
		BuilderName:     "b",
		BuilderDefaults: map[string]any{"x": "dflt"},
	})
	if v, _ := p.Get("x"); v != "from-bs" {
		t.Fatalf("x = %v, want from-bs", v)
	}
}

func TestSetupBuildAndOwners(t *testing.T) {
	p := New()
	br, rev := "main", "abc"
	SetupBuild(p, 7, []SourceStamp{{Branch: &br, Revision: &rev, Repository: "r", Project: "pr", Codebase: "cb"}})
	for name, want := range map[string]any{"buildnumber": int64(7), "branch": "main", "revision": "abc",
		"repository": "r", "project": "pr", "codebase": "cb"} {
		got, ok := p.Lookup(name)
		if !ok || got.Value != want || got.Source != SourceBuild {
			t.Errorf("%s = %#v", name, got)
		}
	}
	q := New()
	SetupBuild(q, 1, []SourceStamp{{Codebase: "a"}, {Codebase: "b"}})
	if q.Has("branch") || !q.Has("buildnumber") {
		t.Error("several source stamps must set only buildnumber")
	}
	r := New()
	SetupBuild(r, 1, []SourceStamp{{}})
	if v, ok := r.Get("revision"); !ok || v != nil {
		t.Errorf("nil revision = %v, %v; want None", v, ok)
	}
	SetOwners(p, []string{"zed", "amy"}, []any{"bob", "amy", 3})
	if v, _ := p.Get("owners"); !reflect.DeepEqual(v, []any{"amy", "bob", "zed"}) {
		t.Errorf("owners = %v", v)
	}
	SetOwners(q, nil, nil)
	if q.Has("owners") {
		t.Error("owners set without any owner")
	}
}

func TestTakeChanged(t *testing.T) {
	p := New()
	p.Set("a", "1", "s")
	p.Set("b", []any{"x"}, "s")
	first := p.TakeChanged()
	if len(first) != 2 {
		t.Fatalf("first TakeChanged = %v", first)
	}
	if p.TakeChanged() != nil {
		t.Fatal("nothing changed but TakeChanged returned properties")
	}
	p.Set("a", "1", "s")          // same
	p.Set("b", []any{"x"}, "s")   // same (deep)
	p.Set("a", "1", "other")      // source changed
	p.SetDefault("b", "no", "s")  // already set
	p.SetDefault("c", "yes", "s") // new
	got := p.TakeChanged()
	want := data.SourcedProperties{"a": {"1", "other"}, "c": {"yes", "s"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changed = %v, want %v", got, want)
	}
	c := p.Clone()
	if c.TakeChanged() != nil || c.Len() != 3 {
		t.Fatal("clone carries changes or lost properties")
	}
}
