package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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

// FuzzPiecewiseLoad puts arbitrary text among enough builders for the file
// to be parsed in pieces, whose builders the parse workers decode, and
// checks that the load gives what decoding after parsing gives: the same
// diagnostics and the same builders.
func FuzzPiecewiseLoad(f *testing.F) {
	f.Add([]byte(baseConfig))
	f.Add([]byte("locals {\n  x = \"y\"\n}\n"))
	f.Add([]byte("builder \"uses\" {\n  workers = [\"w\"]\n  description = local.x\n}\n"))
	f.Add([]byte("/*\n}\nbuilder \"c\" {\n*/\n"))
	for _, c := range diagCases {
		f.Add([]byte(c.main))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		around := func(from, to int) string {
			var b strings.Builder
			for i := from; i < to; i++ {
				fmt.Fprintf(&b, "builder \"pad%d\" {\n  workers = [\"w\"]\n  step \"shell\" \"s\" { command = [\"echo\", \"%d\"] }\n}\n", i, i)
			}
			return b.String()
		}
		text := "worker \"local\" \"w\" {}\n" + around(0, 60) + string(src) + "\n" + around(60, 120)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "ci.hcl"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, gotDiags := Load(dir, LoadOptions{LookupEnv: noEnv, Hostname: "fuzz"})
		want, wantDiags := Load(dir, LoadOptions{LookupEnv: noEnv, Hostname: "fuzz", wholeDecode: true})
		if gotDiags.Error() != wantDiags.Error() {
			t.Fatalf("diagnostics\n%v\nwant\n%v", gotDiags, wantDiags)
		}
		if wantDiags.HasErrors() {
			return
		}
		if len(got.Builders) != len(want.Builders) {
			t.Fatalf("%d builders, want %d", len(got.Builders), len(want.Builders))
		}
		for i := range want.Builders {
			if !reflect.DeepEqual(got.Builders[i], want.Builders[i]) {
				t.Fatalf("builder %d: %+v\nwant %+v", i, got.Builders[i], want.Builders[i])
			}
		}
	})
}
