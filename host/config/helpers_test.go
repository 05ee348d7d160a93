package config

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

// fakeSchemas is a SchemaSource for tests: type → kind → spec.
type fakeSchemas map[PluginType]map[string]hcldec.Spec

func (f fakeSchemas) Kinds(typ PluginType) []string {
	var kinds []string
	for k := range f[typ] {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

func (f fakeSchemas) Spec(typ PluginType, kind string) (hcldec.Spec, bool) {
	s, ok := f[typ][kind]
	return s, ok
}

// testSchemas describes a few first-party kinds.
var testSchemas = fakeSchemas{
	TypeScheduler: {
		"force": hcldec.ObjectSpec{},
		"nightly": hcldec.ObjectSpec{
			"cron": &hcldec.AttrSpec{Name: "cron", Type: cty.String, Required: true},
		},
		"single_branch": hcldec.ObjectSpec{
			"branch":            &hcldec.AttrSpec{Name: "branch", Type: cty.String},
			"tree_stable_timer": &hcldec.AttrSpec{Name: "tree_stable_timer", Type: cty.String},
		},
	},
	TypeWorker: {"local": hcldec.ObjectSpec{}},
	TypeChangeSource: {
		"git": hcldec.ObjectSpec{
			"repourl":       &hcldec.AttrSpec{Name: "repourl", Type: cty.String, Required: true},
			"branch":        &hcldec.AttrSpec{Name: "branch", Type: cty.String},
			"branches":      &hcldec.AttrSpec{Name: "branches", Type: cty.List(cty.String)},
			"poll_interval": &hcldec.AttrSpec{Name: "poll_interval", Type: cty.String},
		},
	},
	TypeUserManager: {"commandline": hcldec.ObjectSpec{
		"listen":   &hcldec.AttrSpec{Name: "listen", Type: cty.String, Required: true},
		"username": &hcldec.AttrSpec{Name: "username", Type: cty.String},
		"password": &hcldec.AttrSpec{Name: "password", Type: cty.String},
	}},
}

// writeFiles writes name → content into a new temporary directory.
func writeFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// noEnv is a LookupEnv with an empty environment.
func noEnv(string) (string, bool) { return "", false }

// mustLoad loads path and fails the test on any error diagnostic.
func mustLoad(t testing.TB, path string, opts LoadOptions) *Config {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = noEnv
	}
	cfg, diags := Load(path, opts)
	if diags.HasErrors() {
		var b strings.Builder
		_ = WriteDiagnostics(&b, cfg.Sources, diags, false)
		t.Fatalf("Load(%s): unexpected diagnostics:\n%s", path, b.String())
	}
	return cfg
}

// errorsOf keeps the error diagnostics.
func errorsOf(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}
