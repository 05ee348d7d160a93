package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func TestPluginSpecAddsCommonAttributes(t *testing.T) {
	own := hcldec.ObjectSpec{
		"branch": &hcldec.AttrSpec{Name: "branch", Type: cty.String},
	}
	spec, ok := PluginSpec(TypeScheduler, own).(hcldec.ObjectSpec)
	if !ok {
		t.Fatalf("PluginSpec returned %T, want hcldec.ObjectSpec", spec)
	}
	for _, name := range []string{"branch", "builders", "properties"} {
		if spec[name] == nil {
			t.Errorf("merged spec lacks %q", name)
		}
	}
	if len(own) != 1 {
		t.Errorf("PluginSpec modified the plugin's spec: %d entries", len(own))
	}
	if b := spec["builders"].(*hcldec.AttrSpec); !b.Required {
		t.Errorf("builders not required")
	}
}

func TestPluginSpecKeepsPluginDeclaration(t *testing.T) {
	mine := &hcldec.AttrSpec{Name: "max_builds", Type: cty.String}
	// The plugin declares max_builds under another key: no second spec for it.
	spec := PluginSpec(TypeWorker, hcldec.ObjectSpec{"limit": mine}).(hcldec.ObjectSpec)
	if _, dup := spec["max_builds"]; dup {
		t.Errorf("common max_builds added although the plugin declares it")
	}
	if spec["properties"] == nil {
		t.Errorf("properties missing")
	}
	if got := PluginSpec(TypeChangeSource, nil).(hcldec.ObjectSpec); len(got) != 0 {
		t.Errorf("change source common spec = %v, want empty", got)
	}
}

func TestAttrDiagnostic(t *testing.T) {
	src := `kind = "x"
branches = ["main", "dev"]
filter = { project = "app", paths = ["a", "b"] }
match "one" {
  regex = "("
}
match "two" {
  regex = ")"
}
`
	f, diags := hclsyntax.ParseConfig([]byte(src), "s.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	b := &PluginBlock{Body: f.Body, DefRange: hcl.Range{Filename: "s.hcl", Start: hcl.Pos{Line: 99, Column: 1}}}
	cases := []struct {
		path      []string
		line, col int
	}{
		{[]string{"kind"}, 1, 8},
		{[]string{"branches", "1"}, 2, 21},
		{[]string{"branches", "7"}, 2, 12},
		{[]string{"filter", "paths", "1"}, 3, 43},
		{[]string{"filter", "project"}, 3, 22},
		{[]string{"match", "two", "regex"}, 8, 11},
		{[]string{"match", "1"}, 7, 1},
		{[]string{"match"}, 4, 1},
		{[]string{"nope"}, 99, 1},
		{nil, 99, 1},
	}
	for _, c := range cases {
		d := AttrDiagnostic(b, c.path, "Bad", "detail")
		if d.Subject == nil || d.Subject.Start.Line != c.line || d.Subject.Start.Column != c.col {
			t.Errorf("path %v: subject %v, want line %d col %d", c.path, d.Subject, c.line, c.col)
		}
		if d.Severity != hcl.DiagError || d.Summary != "Bad" {
			t.Errorf("path %v: %v", c.path, d)
		}
	}
}
