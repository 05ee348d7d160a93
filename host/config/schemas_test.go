package config

import (
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
