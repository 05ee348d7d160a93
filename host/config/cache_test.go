package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/zclconf/go-cty/cty"
)

func TestCacheReusesUnchangedBuilderFiles(t *testing.T) {
	main := `
locals { suite = "unit" }
worker "local" "w1" {}
worker "local" "w2" {}
scheduler "force" "f" { builders = ["a", "b", "c"] }
`
	dir := writeFiles(t, map[string]string{
		"main.hcl": main,
		"b1.hcl":   "builder \"a\" {\n  workers = [\"w1\"]\n  properties = { suite = local.suite }\n  step \"shell\" { command = \"true\" }\n}\n",
		"b2.hcl":   "builder \"b\" {\n  workers = [\"w2\"]\n  step \"shell\" { command = \"true\" }\n}\n",
		"b3.hcl":   "builder \"c\" {\n  workers = [\"w1\"]\n  step \"shell\" { command = trimspace(file(\"cmd.txt\")) }\n}\n",
		"cmd.txt":  "make\n",
	})
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cache := NewCache()
	load := func() *Config {
		t.Helper()
		cfg, diags := Load(dir, LoadOptions{Cache: cache})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		plain, diags := Load(dir, LoadOptions{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if !reflect.DeepEqual(cfg.Builders, plain.Builders) {
			t.Fatalf("builders with the cache differ from a plain load:\n%+v\n%+v", cfg.Builders, plain.Builders)
		}
		return cfg
	}
	first := load()
	write("b2.hcl", "builder \"b\" {\n  workers = [\"w2\"]\n  step \"shell\" { command = \"false\" }\n}\n")
	write("cmd.txt", "make test\n")
	second := load()
	shell := func(cfg *Config, i int) *ShellStep { return cfg.Builders[i].Steps[0].Shell }
	if shell(second, 0) != shell(first, 0) {
		t.Error("the unchanged builder file was decoded again")
	}
	if shell(second, 1) == shell(first, 1) || shell(second, 1).Command.Shell != "false" {
		t.Error("the changed builder file was not decoded again")
	}
	if shell(second, 2).Command.Shell != "make test" {
		t.Errorf("a file calling file() was reused: %q", shell(second, 2).Command.Shell)
	}

	// New locals: nothing decoded with the old values may be reused.
	write("main.hcl", strings.Replace(main, `"unit"`, `"smoke"`, 1))
	third := load()
	if got := third.Builders[0].Properties["suite"]; got != "smoke" {
		t.Errorf("suite = %v after the local changed", got)
	}

	// A reused builder naming a worker that another file removed is reported
	// where its own file names the worker.
	load()
	write("main.hcl", strings.Replace(strings.Replace(main, `"unit"`, `"smoke"`, 1), `worker "local" "w1" {}`, "", 1))
	_, diags := Load(dir, LoadOptions{Cache: cache})
	found := false
	for _, d := range diags {
		if d.Summary == "Reference to undeclared worker" && d.Subject != nil && strings.HasSuffix(d.Subject.Filename, "b1.hcl") && d.Subject.Start.Line == 2 {
			found = true
		}
	}
	if !found {
		t.Errorf("no diagnostic in b1.hcl for the removed worker: %v", diags)
	}
}

func TestCacheReusesPluginBlocksWhileTheirSchemaHolds(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.hcl":    "master { name = \"m\" }\n",
		"workers.hcl": "worker \"local\" \"w1\" { max_builds = 2 }\nworker \"remote\" \"r1\" { password = \"pw\" }\n",
		"b.hcl":       "builder \"a\" {\n  workers = [\"w1\", \"r1\"]\n}\nscheduler \"single_branch\" \"sb\" {\n  branch   = \"main\"\n  builders = [\"a\"]\n}\n",
	})
	cache := NewCache()
	schemas := fullSchemas()
	load := func() *Config {
		t.Helper()
		cfg, diags := Load(dir, LoadOptions{Schemas: schemas, Cache: cache})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return cfg
	}
	first := load()
	second := load()
	if second.Workers[0].Body != first.Workers[0].Body || !second.Workers[0].Value.RawEquals(first.Workers[0].Value) {
		t.Error("unchanged worker file decoded again")
	}
	if second.Schedulers[0].Body != first.Schedulers[0].Body || len(second.Schedulers[0].Builders) != 1 {
		t.Error("unchanged scheduler not reused")
	}
	// A plugin whose schema changed decodes its blocks again.
	schemas[TypeWorker]["local"] = hcldec.ObjectSpec{"basedir": &hcldec.AttrSpec{Name: "basedir", Type: cty.String}}
	third := load()
	if third.Workers[0].Body == first.Workers[0].Body {
		t.Error("worker file reused after its plugin's schema changed")
	}
	// A duplicate name across a reused and a parsed file is reported.
	if err := os.WriteFile(filepath.Join(dir, "more.hcl"), []byte("worker \"local\" \"w1\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags := Load(dir, LoadOptions{Schemas: schemas, Cache: cache})
	if !strings.Contains(diags.Error(), `Duplicate worker "w1"`) {
		t.Errorf("no duplicate diagnostic: %v", diags)
	}
}
