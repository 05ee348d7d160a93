package config

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary bytes as a configuration file, with and without
// plugin schemas, and renders the diagnostics: nothing may panic.
func FuzzLoad(f *testing.F) {
	full, err := os.ReadFile("testdata/full.hcl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full, false)
	f.Add([]byte(baseConfig), true)
	for _, c := range diagCases {
		f.Add([]byte(baseConfig+c.main), c.schemas)
	}
	f.Add([]byte(`{"builder": {"b": {"workers": ["w"], "step": {"shell": {"": {"command": "x"}}}}}}`), false)
	f.Fuzz(func(t *testing.T, src []byte, schemas bool) {
		dir := t.TempDir()
		name := "ci.hcl"
		if len(src) > 0 && src[0] == '{' {
			name = "ci.hcl.json"
		}
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := LoadOptions{LookupEnv: noEnv, Hostname: "fuzz"}
		if schemas {
			opts.Schemas = testSchemas
		}
		cfg, diags := Load(dir, opts)
		if cfg == nil {
			t.Fatal("nil Config")
		}
		for _, d := range diags {
			if d == nil {
				t.Fatal("nil diagnostic")
			}
		}
		if err := WriteDiagnostics(io.Discard, cfg.Sources, diags, false); err != nil {
			t.Fatal(err)
		}
		for i := range cfg.Schedulers {
			_ = AttrDiagnostic(&cfg.Schedulers[i], []string{"builders", "0"}, "x", "y")
		}
		_ = Format(src)
	})
}

func BenchmarkLoadFull(b *testing.B) {
	opts := LoadOptions{LookupEnv: noEnv, Schemas: fullSchemas(), Hostname: "bench"}
	for b.Loop() {
		if _, diags := Load("testdata/full.hcl", opts); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}
