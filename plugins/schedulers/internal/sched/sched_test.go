package sched

import (
	"reflect"
	"testing"

	"github.com/bbhost/bbhost/sdk/base"
)

func str(s string) *string { return &s }

func TestStampsWithDefaults(t *testing.T) {
	cbs := Codebases{{Name: "b", Repository: "b.git", Branch: str("main")}, {Name: "a"}}
	given := []GivenStamp{
		{Stamp: base.SourceStamp{Codebase: "a", Revision: str("r1"), Project: "p"}, Fields: map[string]bool{"revision": true, "project": true}},
		{Stamp: base.SourceStamp{Codebase: "z", Repository: "z.git", Branch: str("x"), Project: "dropped"}},
	}
	got := StampsWithDefaults(cbs, nil, given)
	want := []base.SourceStamp{
		{Codebase: "b", Repository: "b.git", Branch: str("main")},
		{Codebase: "a", Revision: str("r1"), Project: "p"},
		{Codebase: "z", Repository: "z.git", Branch: str("x")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestStampsForChanges(t *testing.T) {
	cbs := Codebases{{Name: "lib", Repository: "lib.git"}, {Name: "app"}}
	chs := []base.Change{
		{ChangeID: 4, Codebase: "app", SourceStamp: &base.SourceStamp{SSID: 40, Codebase: "app", Revision: str("a4")}, Properties: map[string]any{"p": "4"}},
		{ChangeID: 9, Codebase: "app", SourceStamp: &base.SourceStamp{SSID: 90, Codebase: "app", Revision: str("a9")}, Properties: map[string]any{"p": "9"}},
		{ChangeID: 6, Codebase: "app", SourceStamp: &base.SourceStamp{SSID: 60, Codebase: "app"}},
	}
	stamps, used := StampsForChanges(cbs, nil, chs)
	if len(stamps) != 2 || stamps[0].Codebase != "app" || stamps[0].SSID != 90 || stamps[1].Codebase != "lib" || stamps[1].Repository != "lib.git" {
		t.Errorf("stamps %+v: want app's highest change, then lib's defaults (sorted by codebase)", stamps)
	}
	if len(used) != 1 || used[0].ChangeID != 9 {
		t.Errorf("used %+v", used)
	}
	props := Overlay(SchedulerProperties("s", map[string]any{"p": "sched", "q": int64(1)}), ChangeProperties(used))
	want := map[string]base.Property{"p": {Value: "9", Source: "Change"}, "q": {Value: int64(1), Source: "Scheduler"}, "scheduler": {Value: "s", Source: "Scheduler"}}
	if !reflect.DeepEqual(props, want) {
		t.Errorf("properties %v", props)
	}
}

func TestParseCodebases(t *testing.T) {
	got, diags := ParseCodebases("codebases", map[string]any{"lib": map[string]any{"repository": "l", "branch": "b", "revision": nil}, "app": nil})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := Codebases{{Name: "app"}, {Name: "lib", Repository: "l", Branch: str("b")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if got, _ := ParseCodebases("codebases", []any{"x", ""}); !reflect.DeepEqual(got, Codebases{{Name: "x"}, {Name: ""}}) {
		t.Errorf("list form %+v", got)
	}
	if got, _ := ParseCodebases("codebases", nil); !reflect.DeepEqual(got, DefaultCodebases()) {
		t.Errorf("default %+v", got)
	}
	for _, bad := range []any{[]any{}, map[string]any{}, []any{int64(1)}, []any{"a", "a"}, map[string]any{"a": map[string]any{"tag": "x"}}, map[string]any{"a": "x"}, "x"} {
		if _, diags := ParseCodebases("codebases", bad); !diags.HasErrors() {
			t.Errorf("%#v accepted", bad)
		}
	}
}
