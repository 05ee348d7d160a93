package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// bigConfig is a configuration large enough to be parsed in parts.
func bigConfig(builders int, extra func(i int) string) string {
	var b strings.Builder
	b.WriteString("worker \"local\" \"w\" {}\n")
	for i := 0; i < builders; i++ {
		fmt.Fprintf(&b, "builder \"b%d\" {\n  workers = [\"w\"]\n  step \"shell\" \"s\" { command = [\"sh\", \"-c\", \"echo %d\"] }\n}\n", i, i)
		if extra != nil {
			b.WriteString(extra(i))
		}
	}
	return b.String()
}

func TestParallelParseMatchesPlainParse(t *testing.T) {
	src := bigConfig(4000, nil)
	if len(src) < piecewiseParseMin {
		t.Fatalf("test config too small: %d bytes", len(src))
	}
	dir := writeFiles(t, map[string]string{"ci.hcl": src})
	name := filepath.Join(dir, "ci.hcl")
	pf, diags := parseFile(name)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(pf.parts) < 2 {
		t.Fatalf("parsed in %d part(s), want several", len(pf.parts))
	}
	cfg, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(cfg.Builders) != 4000 {
		t.Fatalf("%d builders", len(cfg.Builders))
	}
	// Ranges are those of a parse in one piece.
	whole, _ := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
	content, _ := whole.Body.Content(rootSchema)
	var ranges []hcl.Range
	for _, b := range content.Blocks {
		if b.Type == "builder" {
			ranges = append(ranges, b.DefRange)
		}
	}
	for i, b := range cfg.Builders {
		if !reflect.DeepEqual(b.DefRange, ranges[i]) {
			t.Fatalf("builder %d range %v, plain parse %v", i, b.DefRange, ranges[i])
		}
	}
}

// A cut that falls inside a heredoc or a comment cannot be parsed in parts;
// the file is then parsed whole, with the same result.
func TestParallelParseFallsBack(t *testing.T) {
	trap := func(i int) string {
		// Lines that look like the end of one block and the start of the
		// next, inside a comment and a heredoc.
		return fmt.Sprintf("/*\n}\nbuilder \"in-comment\" {\n*/\nlocals {\n  doc_%d = <<EOT\n}\nbuilder \"in-heredoc\" {\nEOT\n}\n", i)
	}
	src := bigConfig(3000, trap)
	dir := writeFiles(t, map[string]string{"ci.hcl": src})
	for _, inside := range []string{"builder \"in-comment\"", "builder \"in-heredoc\""} {
		cut := strings.Index(src, inside)
		if parts := parseParts([]byte(src), "ci.hcl", hcl.InitialPos, []int{cut}, nil); parts != nil {
			t.Errorf("a cut at %s parsed without errors", inside)
		}
	}
	cfg, diags := Load(dir, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, b := range cfg.Builders {
		if strings.HasPrefix(b.Name, "in-") {
			t.Fatalf("builder %q decoded from a comment or heredoc", b.Name)
		}
	}
	if len(cfg.Builders) != 3000 {
		t.Errorf("%d builders, want 3000", len(cfg.Builders))
	}

	// A syntax error in a big file gives the diagnostics of a plain parse.
	broken := bigConfig(3000, func(i int) string {
		if i == 2500 {
			return "builder \"x\" {\n  workers = [\n}\n"
		}
		return ""
	})
	if err := os.WriteFile(filepath.Join(dir, "ci.hcl"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	_, got := Load(dir, LoadOptions{})
	_, want := hclsyntax.ParseConfig([]byte(broken), filepath.Join(dir, "ci.hcl"), hcl.InitialPos)
	if got.Error() != want.Error() {
		t.Errorf("diagnostics of a broken big file:\n%v\nwant\n%v", got, want)
	}
}

func BenchmarkLoadLarge(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ci.hcl"), []byte(bigConfig(10000, nil)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, diags := Load(dir, LoadOptions{}); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
