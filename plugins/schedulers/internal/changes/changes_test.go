package changes

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bbhost/bbhost/plugins/schedulers/internal/sched"
	"github.com/bbhost/bbhost/sdk/base"
)

func str(s string) *string { return &s }

func TestFilter(t *testing.T) {
	ch := base.Change{Project: "proj", Repository: "https://x/repo.git", Branch: str("release/1.0"), Category: nil, Codebase: "app",
		Properties: map[string]any{"event": "push", "n": int64(3)}}
	tests := []struct {
		name  string
		block FilterBlock
		want  bool
	}{
		{"empty", FilterBlock{}, true},
		{"project eq", FilterBlock{Project: "proj"}, true},
		{"project list", FilterBlock{Project: []any{"a", "proj"}}, true},
		{"project miss", FilterBlock{Project: "other"}, false},
		{"project not eq", FilterBlock{ProjectNotEq: []any{"proj"}}, false},
		{"branch re anchored at start", FilterBlock{BranchRe: "release/"}, true},
		{"branch re not at start", FilterBlock{BranchRe: "1.0"}, false},
		{"branch not re", FilterBlock{BranchNotRe: "release/"}, false},
		{"branch default only", FilterBlock{Branch: []any{nil}}, false},
		{"category None never matches a regex", FilterBlock{CategoryRe: ".*"}, false},
		{"category None passes not_re", FilterBlock{CategoryNotRe: ".*"}, true},
		{"category None equals null", FilterBlock{Category: "x"}, false},
		{"codebase", FilterBlock{Codebase: "app", RepositoryRe: `https://x/`}, true},
		{"all must hold", FilterBlock{Codebase: "app", Project: "nope"}, false},
		{"property eq", FilterBlock{PropertyEq: map[string]any{"event": []any{"push", "tag"}}}, true},
		{"property eq missing is ''", FilterBlock{PropertyEq: map[string]any{"missing": ""}}, true},
		{"property not eq", FilterBlock{PropertyNotEq: map[string]any{"event": "push"}}, false},
		{"property re", FilterBlock{PropertyRe: map[string]any{"event": "pu"}}, true},
		{"property re on a number rejects", FilterBlock{PropertyRe: map[string]any{"n": "3"}}, false},
		{"property not re on a number rejects", FilterBlock{PropertyNotRe: map[string]any{"n": "4"}}, false},
	}
	for _, tt := range tests {
		f, diags := tt.block.Compile("change_filter")
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tt.name, diags)
		}
		if got := f.Match(ch); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	def := ch
	def.Branch = nil
	f, _ := (&FilterBlock{Branch: []any{nil, "main"}}).Compile("cf")
	if !f.Match(def) {
		t.Error("null in branch does not match the default branch")
	}
	var nilFilter *Filter
	if !nilFilter.Match(ch) {
		t.Error("no filter refuses a change")
	}
	for _, bad := range []FilterBlock{{Project: int64(1)}, {BranchRe: "(?=x)"}, {ProjectRe: []any{nil}}, {PropertyEq: "x"}, {Category: []any{nil}}} {
		if _, diags := bad.Compile("cf"); !diags.HasErrors() {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestFiles(t *testing.T) {
	f, err := CompileFiles([]string{"src/**/*.go", "Makefile", "docs/?.md", "**/BUILD", "lib/[a-c]*"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		files []string
		want  bool
	}{
		{[]string{"src/a/b/c.go"}, true},
		{[]string{"src/c.go"}, true},
		{[]string{"src/c.txt"}, false},
		{[]string{"README", "Makefile"}, true},
		{[]string{"sub/Makefile"}, false},
		{[]string{"docs/a.md"}, true},
		{[]string{"docs/ab.md"}, false},
		{[]string{"BUILD"}, true},
		{[]string{"x/y/BUILD"}, true},
		{[]string{"lib/b.c"}, true},
		{[]string{"lib/d.c"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := f.Important(base.Change{Files: tt.files}); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.files, got, tt.want)
		}
	}
	none, _ := CompileFiles(nil)
	if !none.Important(base.Change{}) || none.Active() {
		t.Error("no patterns: every change is important")
	}
	if _, err := CompileFiles([]string{"a["}); err == nil {
		t.Error("an unterminated class was accepted")
	}
}

func TestRules(t *testing.T) {
	f, _ := (&FilterBlock{Branch: "main"}).Compile("cf")
	files, _ := CompileFiles([]string{"src/**"})
	r := Rules{Filter: f, Codebases: sched.Codebases{{Name: ""}}, Files: files}
	tests := []struct {
		ch               base.Change
		taken, important bool
	}{
		{base.Change{Branch: str("main"), Files: []string{"src/a"}}, true, true},
		{base.Change{Branch: str("main"), Files: []string{"doc"}}, true, false},
		{base.Change{Branch: str("dev"), Files: []string{"src/a"}}, false, false},
		{base.Change{Branch: str("main"), Codebase: "other", Files: []string{"src/a"}}, false, false},
	}
	for _, tt := range tests {
		if taken, imp := r.Classify(tt.ch); taken != tt.taken || imp != tt.important {
			t.Errorf("%+v: %v %v, want %v %v", tt.ch, taken, imp, tt.taken, tt.important)
		}
	}
	r.OnlyImportant = true
	if taken, _ := r.Classify(tests[1].ch); taken {
		t.Error("only_important took an unimportant change")
	}
}

func TestState(t *testing.T) {
	var s State
	s = s.With(5, true).With(3, false).With(7, false).With(3, true)
	if !reflect.DeepEqual(s.IDs(), []int64{3, 5, 7}) || s.Cursor != 7 || !s.AnyImportant() {
		t.Errorf("state %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"cursor":7,"classified":[[3,true],[5,true],[7,false]]}` {
		t.Errorf("JSON %s", b)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, s) {
		t.Errorf("round trip %+v %v", back, err)
	}
	rest := s.Without([]int64{3, 5}).At(9)
	if !reflect.DeepEqual(rest.IDs(), []int64{7}) || rest.Cursor != 9 || rest.AnyImportant() {
		t.Errorf("after flush %+v", rest)
	}
	if !reflect.DeepEqual(s.IDs(), []int64{3, 5, 7}) {
		t.Error("Without changed its receiver")
	}
	if err := json.Unmarshal([]byte(`{"classified":[[1]]}`), &back); err == nil {
		t.Error("a malformed classification was read")
	}
}
