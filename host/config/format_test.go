package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const uglyHCL = "builder \"b\" {\nworkers=[\"w\"]\n  # keep me\n  tags   =    [\"x\"]\n}\n"
const prettyHCL = "builder \"b\" {\n  workers = [\"w\"]\n  # keep me\n  tags = [\"x\"]\n}\n"

func TestFormat(t *testing.T) {
	if got := string(Format([]byte(uglyHCL))); got != prettyHCL {
		t.Errorf("Format:\n%s\nwant:\n%s", got, prettyHCL)
	}
	if got := string(Format([]byte(prettyHCL))); got != prettyHCL {
		t.Errorf("Format is not idempotent:\n%s", got)
	}
	aligned := "master {\n  title = \"x\"\n  basedir = \".\"\n}\n"
	if got := string(Format([]byte(aligned))); !strings.Contains(got, "  title   = \"x\"\n  basedir = \".\"") {
		t.Errorf("= not aligned:\n%s", got)
	}
}

func TestFormatFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.hcl":       uglyHCL,
		"b.hcl":       prettyHCL,
		".hidden.hcl": uglyHCL,
		"c.hcl.json":  "{}",
	})
	bad := filepath.Join(t.TempDir(), "bad.hcl")
	if err := os.WriteFile(bad, []byte("builder {\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(dir, "a.hcl")
	if err := os.Chmod(a, 0o640); err != nil {
		t.Fatal(err)
	}

	// -check lists but does not write.
	var out strings.Builder
	changed, err := FormatFiles([]string{dir}, true, &out)
	if err != nil || !reflect.DeepEqual(changed, []string{a}) || out.String() != a+"\n" {
		t.Fatalf("check: changed %v err %v out %q", changed, err, out.String())
	}
	if data, _ := os.ReadFile(a); string(data) != uglyHCL {
		t.Errorf("-check modified the file")
	}

	// Without -check the file is rewritten, keeping its mode; a file that
	// does not parse is an error and stays as it was.
	out.Reset()
	changed, err = FormatFiles([]string{dir, bad}, false, &out)
	if err == nil || !strings.Contains(err.Error(), "bad.hcl") {
		t.Errorf("unparsable file: err %v", err)
	}
	if !reflect.DeepEqual(changed, []string{a}) {
		t.Errorf("changed %v", changed)
	}
	if data, _ := os.ReadFile(a); string(data) != prettyHCL {
		t.Errorf("rewritten:\n%s", data)
	}
	if st, _ := os.Stat(a); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(bad); string(data) != "builder {\n" {
		t.Errorf("unparsable file modified")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".hidden.hcl")); string(data) != uglyHCL {
		t.Errorf("hidden file formatted")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 4 {
		t.Errorf("temporary files left: %v", entries)
	}

	// Nothing left to do.
	changed, err = FormatFiles([]string{dir}, true, &out)
	if err != nil || len(changed) != 0 {
		t.Errorf("second run: %v %v", changed, err)
	}
	for _, p := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "c.hcl.json")} {
		if _, err := FormatFiles([]string{p}, true, &out); err == nil {
			t.Errorf("%s: no error", p)
		}
	}
}
