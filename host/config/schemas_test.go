package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

func TestPluginBlocksDecodedWithSchemas(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
worker "local" "w" {
  max_builds = 3
  properties = { os = "linux" }
}
worker "remote" "r" {
  password        = "pw"
  missing_timeout = "1h"
}
builder "b" {
  workers = ["w", "r"]
}
scheduler "single_branch" "sb" {
  branch   = "main"
  builders = ["b"]
}
scheduler "custom" "c" {
  builders = "b"
}
`})
	schemas := fullSchemas()
	// A plugin that declares builders itself (here as a plain string) keeps
	// its declaration.
	schemas[TypeScheduler]["custom"] = hcldec.ObjectSpec{
		"builders": &hcldec.AttrSpec{Name: "builders", Type: cty.String, Required: true},
	}
	cfg := mustLoad(t, dir, LoadOptions{Schemas: schemas})

	w := cfg.Workers[0]
	want := cty.ObjectVal(map[string]cty.Value{
		"max_builds": cty.NumberIntVal(3),
		"properties": cty.ObjectVal(map[string]cty.Value{"os": cty.StringVal("linux")}),
	})
	if !w.Value.RawEquals(want) || w.MaxBuilds != 3 || w.Properties["os"] != "linux" {
		t.Errorf("worker value %#v max %d props %v", w.Value, w.MaxBuilds, w.Properties)
	}
	r := cfg.Workers[1]
	if r.Value.GetAttr("password").AsString() != "pw" || r.Value.GetAttr("missing_timeout").AsString() != "1h" {
		t.Errorf("remote worker value %#v", r.Value)
	}
	sb := cfg.Schedulers[0]
	if sb.Value.GetAttr("branch").AsString() != "main" || sb.Value.GetAttr("builders").LengthInt() != 1 || sb.Builders[0] != "b" {
		t.Errorf("scheduler value %#v builders %v", sb.Value, sb.Builders)
	}
	if !sb.Value.GetAttr("properties").IsNull() {
		t.Errorf("absent properties should be null, got %#v", sb.Value.GetAttr("properties"))
	}
	c := cfg.Schedulers[1]
	if c.Value.GetAttr("builders").AsString() != "b" {
		t.Errorf("plugin's own builders spec not kept: %#v", c.Value)
	}
}

// A plugin's schema hcldec cannot apply (an `any` attribute in a repeated
// block whose elements differ in type makes hcldec panic) must give a
// diagnostic, never crash the master.
func TestPluginSchemaPanicBecomesDiagnostic(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
scheduler "odd" "s" {
  builders = []
  param {
    default = "a"
    field { default = [1] }
  }
  param { default = 2 }
}
`})
	schemas := fullSchemas()
	anyAttr := &hcldec.AttrSpec{Name: "default", Type: cty.DynamicPseudoType}
	schemas[TypeScheduler]["odd"] = hcldec.ObjectSpec{
		"param": &hcldec.BlockListSpec{TypeName: "param", Nested: hcldec.ObjectSpec{
			"default": anyAttr,
			"field":   &hcldec.BlockListSpec{TypeName: "field", Nested: hcldec.ObjectSpec{"default": anyAttr}},
		}},
	}
	_, diags := Load(dir, LoadOptions{Schemas: schemas})
	if !diags.HasErrors() {
		t.Fatal("want an error")
	}
	found := false
	for _, d := range diags {
		if d.Summary == "Plugin schema cannot decode this block" && d.Subject != nil && d.Subject.Start.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("diagnostics: %v", diags)
	}
}

// DecodePlugins after a schema-less Load gives what Load with the schemas
// gives.
func TestDecodePluginsMatchesLoadWithSchemas(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
worker "local" "w" { max_builds = 3 }
worker "nosuch" "x" {}
builder "b" { workers = ["w", "x"] }
scheduler "single_branch" "sb" {
  branch   = "main"
  builders = ["b"]
}
`})
	withSchemas, want := Load(dir, LoadOptions{Schemas: fullSchemas()})
	cfg, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := DecodePlugins(cfg, fullSchemas())
	if got.Error() != want.Error() {
		t.Errorf("DecodePlugins diagnostics:\n%v\nLoad with schemas:\n%v", got, want)
	}
	if !got.HasErrors() || !strings.Contains(got.Error(), `Unknown worker kind`) {
		t.Errorf("want the unknown kind reported: %v", got)
	}
	for i, pb := range cfg.Schedulers {
		if !pb.Value.RawEquals(withSchemas.Schedulers[i].Value) || pb.Value == cty.NilVal {
			t.Errorf("scheduler %s value %#v, want %#v", pb.Name, pb.Value, withSchemas.Schedulers[i].Value)
		}
	}
	cfg.ReleaseSyntax()
	for name, f := range cfg.Sources {
		if f.Body != nil || len(f.Bytes) == 0 {
			t.Errorf("%s: body kept or text lost after ReleaseSyntax", name)
		}
	}
}
