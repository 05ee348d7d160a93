package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/zclconf/go-cty/cty"
)

func TestCompactCopiesEverythingItOwns(t *testing.T) {
	cfg := mustLoad(t, filepath.Join("testdata", "full.hcl"), LoadOptions{Schemas: fullSchemas()})
	cfg.ReleaseSyntax()
	cp := cfg.Compact()
	// Decoded plugin blocks lose their syntax; the rest is equal.
	decoded := 0
	orig := [][]PluginBlock{cfg.Workers, cfg.ChangeSources, cfg.Schedulers, cfg.UserManagers}
	for k, blocks := range [][]PluginBlock{cp.Workers, cp.ChangeSources, cp.Schedulers, cp.UserManagers} {
		for i := range blocks {
			if orig[k][i].Value == cty.NilVal {
				continue
			}
			decoded++
			if blocks[i].Body != nil {
				t.Errorf("%s %q kept its syntax body", blocks[i].Type, blocks[i].Name)
			}
			orig[k][i].Body = nil
		}
	}
	if decoded == 0 {
		t.Fatal("test configuration has no decoded plugin block")
	}
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
	// ...with equal strings shared.
	a, b := cp.Builders[0].DefRange.Filename, cp.Builders[len(cp.Builders)-1].DefRange.Filename
	if unsafe.StringData(a) != unsafe.StringData(b) {
		t.Error("equal file names not interned")
	}
}

func TestCompactCarvesFromSlabs(t *testing.T) {
	src := `
worker "local" "w" {}
builder "a" {
  workers = ["w"]
  step "shell" "one" { command = ["true"] }
  step "shell" "two" { command = ["true"] }
}
builder "b" {
  workers = ["w"]
  step "shell" "three" { command = "false" }
}
`
	dir := writeFiles(t, map[string]string{"master.hcl": src})
	cfg := mustLoad(t, filepath.Join(dir, "master.hcl"), LoadOptions{Schemas: testSchemas})
	cfg.ReleaseSyntax()
	cp := cfg.Compact()
	cfg.Workers[0].Body = nil // decoded: Compact drops it
	if !reflect.DeepEqual(cfg, cp) {
		t.Fatal("the compact copy differs from the configuration")
	}
	a, b := cp.Builders[0].Steps, cp.Builders[1].Steps
	// The steps of all builders are one array, and each builder's slice ends
	// where its steps end, so appending to one cannot overwrite the next.
	if &a[:cap(a)][len(a)-1] != &a[1] || cap(a) != len(a) || cap(b) != len(b) {
		t.Fatalf("step slices carry spare capacity: len %d cap %d, len %d cap %d", len(a), cap(a), len(b), cap(b))
	}
	if uintptr(unsafe.Pointer(&b[0])) != uintptr(unsafe.Pointer(&a[1]))+unsafe.Sizeof(a[0]) {
		t.Error("the builders' steps were not carved from one slab")
	}
	a = append(a, Step{Name: "appended"})
	if cp.Builders[1].Steps[0].Name != "three" {
		t.Error("appending to one builder's steps overwrote another's")
	}
	if cp.Builders[0].Steps[0].Shell == cfg.Builders[0].Steps[0].Shell {
		t.Error("shell step shared with the original")
	}
}
