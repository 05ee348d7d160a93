package main_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/bbhost/bbhost/plugins/schedulers/kinds"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/sdktest"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestReadmeExamples validates every scheduler block of README.md with the
// plugin's schemas, so the reference stays true.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	h := sdktest.New(t, kinds.Plugin(kinds.Options{}))
	blocks := 0
	for _, m := range regexp.MustCompile("(?s)```hcl\n(.*?)```").FindAllSubmatch(readme, -1) {
		src := m[1]
		f, diags := hclsyntax.ParseConfig(src, "README.md", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("README example does not parse: %v\n%s", diags, src)
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "scheduler" || len(b.Labels) != 2 {
				continue
			}
			blocks++
			body := []byte(string(src[b.OpenBraceRange.End.Byte:b.CloseBraceRange.Start.Byte]))
			for name, a := range b.Body.Attributes {
				if name == "builders" || name == "properties" {
					r := a.SrcRange
					off := b.OpenBraceRange.End.Byte
					for i := r.Start.Byte - off; i < r.End.Byte-off; i++ {
						body[i] = ' '
					}
				}
			}
			d, err := h.Validate(base.TypeScheduler, b.Labels[0], string(body))
			if err != nil || d.HasErrors() {
				t.Errorf("README's %s %q: %v %v", b.Labels[0], b.Labels[1], err, d)
			}
		}
	}
	if blocks < 7 {
		t.Errorf("only %d scheduler examples found", blocks)
	}
}
