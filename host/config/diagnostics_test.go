package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestWriteDiagnostics(t *testing.T) {
	src := "master {\n  titel = \"x\"\n}\n"
	f, _ := hclsyntax.ParseConfig([]byte(src), "testdata/ci.hcl", hcl.InitialPos)
	sources := map[string]*hcl.File{"testdata/ci.hcl": f}
	rng := hcl.Range{Filename: "testdata/ci.hcl", Start: hcl.Pos{Line: 2, Column: 3, Byte: 11}, End: hcl.Pos{Line: 2, Column: 8, Byte: 16}}
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "Unsupported argument", Detail: `Did you mean "title"?`, Subject: &rng},
		{Severity: hcl.DiagWarning, Summary: "Heads up", Detail: "Something odd.", Subject: &rng},
		{Severity: hcl.DiagError, Summary: "No position", Detail: "Global problem."},
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, sources, diags, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"testdata/ci.hcl:2,3: Error: Unsupported argument\n",
		"   2:   titel = \"x\"\n",
		`Did you mean "title"?`,
		"testdata/ci.hcl:2,3: Warning: Heads up\n",
		"Error: No position\n",
		"Global problem.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "Unsupported argument") != 1 || strings.Contains(out, "\x1b[") {
		t.Errorf("summary repeated or colour without color:\n%s", out)
	}
	if !strings.HasPrefix(out, "testdata/ci.hcl:2,3: Error: Unsupported argument\n") {
		t.Errorf("does not start with the position line:\n%s", out)
	}

	b.Reset()
	if err := WriteDiagnostics(&b, sources, diags[:1], true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\x1b[31mError\x1b[0m: Unsupported argument") {
		t.Errorf("no colour:\n%q", b.String())
	}
}

func TestDisplayName(t *testing.T) {
	if got := displayName("rel/x.hcl"); got != "rel/x.hcl" {
		t.Errorf("relative name changed: %q", got)
	}
	if got := displayName("/nonexistent-root/x.hcl"); got != "/nonexistent-root/x.hcl" {
		t.Errorf("outside name shortened: %q", got)
	}
}
