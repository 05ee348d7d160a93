package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"
)

func TestCompactCopiesEverythingItOwns(t *testing.T) {
	cfg := mustLoad(t, filepath.Join("testdata", "full.hcl"), LoadOptions{Schemas: fullSchemas()})
	cfg.ReleaseSyntax()
	cp := cfg.Compact()
	if !reflect.DeepEqual(cfg, cp) {
		t.Fatal("the compact copy differs from the configuration")
	}
	if len(cp.Builders) == 0 || len(cp.Builders[0].Steps) == 0 {
		t.Fatal("test configuration has no builder with steps")
	}
	// Owned values are copies...
	if &cp.Builders[0] == &cfg.Builders[0] || cp.Builders[0].Steps[0].Shell == cfg.Builders[0].Steps[0].Shell && cfg.Builders[0].Steps[0].Shell != nil {
		t.Error("builders or steps shared with the original")
	}
	cp.Builders[0].Workers[0] = "changed"
	if cfg.Builders[0].Workers[0] == "changed" {
		t.Error("changing the copy changed the original")
	}
	// ...with equal strings shared, and syntax bodies shared as they are.
	a, b := cp.Builders[0].DefRange.Filename, cp.Builders[len(cp.Builders)-1].DefRange.Filename
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("equal file names not interned")
	}
	if len(cp.Workers) > 0 && cp.Workers[0].Body != cfg.Workers[0].Body {
		t.Error("plugin block bodies copied")
	}
}
