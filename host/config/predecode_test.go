package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestMayUseLocals(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{`worker "local" "w" {}`, false},
		{`builder "b" { workers = ["w"] }`, false},
		{`builder "b" { description = "nonlocal, globally" }`, false},
		{`builder "b" { env = { x = local_x } }`, false}, // a longer name
		{"locals {\n  x = 1\n}", true},
		{`builder "b" { description = local.d }`, true},
		{`builder "b" { description = "${local.d}" }`, true},
		{`builder "b" { description = lookup(local, "d") }`, true},
		{"# uses local values\n", true}, // a comment: yes, to be safe
		{"local", true},
	} {
		if got := mayUseLocals([]byte(c.src)); got != c.want {
			t.Errorf("mayUseLocals(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

// Decoding builders in the parse workers gives what decoding after parsing
// gives, values, order and diagnostics, on a file mixing builders with
// other blocks, with errors in some builders.
func TestPredecodeMatchesWholeDecode(t *testing.T) {
	var b strings.Builder
	b.WriteString("master {\n  name = \"m\"\n}\n")
	for i := 0; i < 400; i++ {
		if i%50 == 0 {
			fmt.Fprintf(&b, "worker \"local\" \"w%d\" {}\nlock \"master\" \"l%d\" {}\n", i, i)
		}
		extra := ""
		if i%97 == 3 {
			extra = "  next_worker = \"anyone\"\n" // an error
		}
		fmt.Fprintf(&b, "builder \"b%d\" {\n  workers = [\"w%d\"]\n%s  step \"shell\" \"s\" { command = [\"echo\", \"%d\"] }\n}\n", i, i/50*50, extra, i)
	}
	dir := writeFiles(t, map[string]string{"ci.hcl": b.String()})
	path := filepath.Join(dir, "ci.hcl")
	if b.Len() < 4*piecewiseParseMin {
		t.Fatalf("test file of %d bytes is not parsed in pieces", b.Len())
	}
	got, gotDiags := Load(path, LoadOptions{LookupEnv: noEnv})
	want, wantDiags := Load(path, LoadOptions{LookupEnv: noEnv, wholeDecode: true})
	if !wantDiags.HasErrors() || gotDiags.Error() != wantDiags.Error() {
		t.Fatalf("diagnostics\n%v\nwant\n%v", gotDiags, wantDiags)
	}
	if len(got.Builders) != 400 || len(got.Workers) != 8 {
		t.Fatalf("%d builders, %d workers", len(got.Builders), len(got.Workers))
	}
	for i := range want.Builders {
		g, w := got.Builders[i], want.Builders[i]
		if g.Name != w.Name || g.DefRange != w.DefRange || g.Steps[0].Shell.Command.Argv[1] != w.Steps[0].Shell.Command.Argv[1] {
			t.Fatalf("builder %d: %s at %v, want %s at %v", i, g.Name, g.DefRange, w.Name, w.DefRange)
		}
	}
}

// Diagnostics in a file parsed in pieces still name the block they are in:
// the file is parsed again to write them.
func TestDiagnosticsNameTheirBlockInBigFiles(t *testing.T) {
	src := bigConfig(400, func(i int) string {
		if i == 321 {
			return "builder \"bad\" {\n  workers = [\"w\"]\n  next_build = \"sideways\"\n}\n"
		}
		return ""
	})
	dir := writeFiles(t, map[string]string{"ci.hcl": src})
	cfg, diags := Load(dir, LoadOptions{LookupEnv: noEnv})
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	if cfg.Sources[filepath.Join(dir, "ci.hcl")].Body != nil {
		t.Fatal("the big file kept its syntax tree: this test needs one parsed in pieces")
	}
	var out strings.Builder
	if err := WriteDiagnostics(&out, cfg.Sources, diags, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `in builder "bad"`) {
		t.Errorf("diagnostic does not name its block:\n%s", out.String())
	}
}

// With locals, the parse workers decode builders with the values evaluated
// ahead, and the result is that of decoding after parsing: values, order and
// diagnostics (an undeclared local value included), whether the locals
// blocks are found ahead or not (a comment before the first one hides it
// from the text scan) or wrongly (a heredoc holding what looks like a locals
// block): the load then starts again the plain way.
func TestPredecodeWithLocals(t *testing.T) {
	trap := "builder \"doc\" {\n  workers = [\"w0\"]\n  description = <<EOT\n}\nlocals {\n  extra = 1\n}\nEOT\n}\n" +
		"builder \"uses-extra\" {\n  workers = [\"w0\"]\n  properties = { x = local.extra }\n}\n"
	for _, head := range []string{"", "# settings first\n", trap} {
		var b strings.Builder
		b.WriteString(head)
		b.WriteString("locals {\n  suite = \"unit\"\n  flags = [\"-v\", \"-x\"]\n}\n")
		for i := 0; i < 400; i++ {
			if i%50 == 0 {
				fmt.Fprintf(&b, "worker \"local\" \"w%d\" {}\n", i)
			}
			if i == 200 {
				b.WriteString("locals {\n  late = \"${local.suite}-late\"\n}\n")
			}
			prop := "\"plain\""
			switch i % 3 {
			case 1:
				prop = "local.suite"
			case 2:
				prop = "local.late"
			}
			if i == 123 {
				prop = "local.missing" // an error
			}
			fmt.Fprintf(&b, "builder \"b%d\" {\n  workers    = [\"w%d\"]\n  properties = { suite = %s }\n  step \"shell\" \"s\" { command = concat([\"echo\"], local.flags) }\n}\n", i, i/50*50, prop)
		}
		dir := writeFiles(t, map[string]string{"ci.hcl": b.String()})
		path := filepath.Join(dir, "ci.hcl")
		got, gotDiags := Load(path, LoadOptions{LookupEnv: noEnv})
		want, wantDiags := Load(path, LoadOptions{LookupEnv: noEnv, wholeDecode: true})
		if !wantDiags.HasErrors() || gotDiags.Error() != wantDiags.Error() {
			t.Fatalf("head %q: diagnostics\n%v\nwant\n%v", head, gotDiags, wantDiags)
		}
		if len(got.Builders) != len(want.Builders) || len(want.Builders) < 400 {
			t.Fatalf("head %q: %d builders, want %d", head, len(got.Builders), len(want.Builders))
		}
		for i := range want.Builders {
			g, w := got.Builders[i], want.Builders[i]
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("head %q: builder %d: %s %v, want %s %v", head, i, g.Name, g.Properties, w.Name, w.Properties)
			}
		}
		if b2 := got.Builders[len(got.Builders)-398]; b2.Properties["suite"] != "unit-late" {
			t.Errorf("head %q: late local = %v", head, b2.Properties["suite"])
		}
	}
}
