package config

import (
	"fmt"
	"math/rand/v2"
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

// Loads with the cache after random edits of one big file give exactly what
// plain loads give: the same values, ranges and diagnostics. Without locals,
// the parse workers decode the builders (partHook); the plain load decodes
// them after parsing.
func TestCacheMatchesPlainLoadAfterEdits(t *testing.T) {
	t.Run("locals", func(t *testing.T) { testCacheAfterEdits(t, true, 60) })
	t.Run("no-locals", func(t *testing.T) { testCacheAfterEdits(t, false, 150) })
}

func testCacheAfterEdits(t *testing.T, locals bool, builders int) {
	var blocks []string
	suite := `"unit"`
	if locals {
		blocks = append(blocks, "locals {\n  suite = \"unit\"\n}\n")
		suite = "local.suite"
	} else {
		blocks = append(blocks, "# the plain case\n")
	}
	blocks = append(blocks, "master {\n  name = \"m\"\n}\n")
	for w := 0; w < 20; w++ {
		blocks = append(blocks, fmt.Sprintf("worker \"local\" \"w%d\" { max_builds = %d }\n", w, w%3))
	}
	for i := 0; i < builders; i++ {
		blocks = append(blocks, fmt.Sprintf("builder \"b%d\" {\n  workers    = [\"w%d\"]\n  properties = { suite = %s }\n  step \"shell\" \"s\" {\n    command = [\"echo\", \"%d\"]\n  }\n}\n", i, i%20, suite, i))
		if i%40 == 39 { // other blocks among the builders
			blocks = append(blocks, fmt.Sprintf("lock \"master\" \"l%d\" {}\n", i), fmt.Sprintf("worker \"local\" \"x%d\" {}\n", i))
		}
	}
	blocks = append(blocks, "scheduler \"single_branch\" \"sb\" {\n  branch   = \"main\"\n  builders = [\"b0\", \"b1\"]\n}\n")
	dir := t.TempDir()
	path := filepath.Join(dir, "ci.hcl")
	cache := NewCache()
	rng := rand.New(rand.NewPCG(1, 2))
	prev := map[string]*ShellStep{}
	reusedBuilders, loadedBuilders := 0, 0
	for round := 0; round < 60; round++ {
		if round > 0 {
			i := 2 + rng.IntN(len(blocks)-2)
			switch rng.IntN(7) {
			case 0: // a builder's command, a different length
				blocks[i] = strings.Replace(blocks[i], "\"echo\",", fmt.Sprintf("\"echo\", \"r%d\",", round), 1)
			case 1: // lines added before everything after
				blocks[i] = "# round " + fmt.Sprint(round) + "\n" + blocks[i]
			case 2: // a block removed
				if strings.HasPrefix(blocks[i], "builder \"b1\"") || strings.HasPrefix(blocks[i], "builder \"b0\"") {
					continue
				}
				blocks = append(blocks[:i], blocks[i+1:]...)
			case 3: // a syntax error, fixed in the next round
				blocks[i] = blocks[i] + "builder \"broken\" {\n"
			case 4: // a new local value
				if locals {
					blocks[0] = fmt.Sprintf("locals {\n  suite = \"s%d\"\n}\n", round)
				}
			case 6: // an invalid value, fixed in the next round
				blocks[i] = strings.Replace(blocks[i], "  workers ", "  next_build = \"sideways\"\n  workers ", 1)
			case 5: // a worker that moves down a line
				blocks[i] = strings.Replace(blocks[i], "worker", "\nworker", 1)
			}
		}
		if err := os.WriteFile(path, []byte(strings.Join(blocks, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		got, gotDiags := Load(path, LoadOptions{Schemas: fullSchemas(), Cache: cache})
		want, wantDiags := Load(path, LoadOptions{Schemas: fullSchemas(), wholeDecode: true})
		if plain, plainDiags := Load(path, LoadOptions{Schemas: fullSchemas()}); plainDiags.Error() != wantDiags.Error() ||
			!reflect.DeepEqual(plain.Builders, want.Builders) {
			t.Fatalf("round %d: a load without cache differs from one decoding after parsing:\n%v\nwant\n%v", round, plainDiags, wantDiags)
		}
		if gotDiags.Error() != wantDiags.Error() {
			t.Fatalf("round %d: diagnostics\n%v\nwant\n%v", round, gotDiags, wantDiags)
		}
		if !wantDiags.HasErrors() {
			for _, b := range got.Builders {
				loadedBuilders++
				if prev[b.Name] == b.Steps[0].Shell {
					reusedBuilders++
				}
				prev[b.Name] = b.Steps[0].Shell
			}
			if !reflect.DeepEqual(got.Builders, want.Builders) {
				t.Fatalf("round %d: builders differ from a plain load", round)
			}
			for typ := range 4 {
				g, w := *got.pluginList(pluginTypes[typ]), *want.pluginList(pluginTypes[typ])
				if len(g) != len(w) {
					t.Fatalf("round %d: %d %s blocks, want %d", round, len(g), pluginTypes[typ], len(w))
				}
				for k := range g {
					if g[k].Name != w[k].Name || g[k].DefRange != w[k].DefRange || !g[k].Value.RawEquals(w[k].Value) {
						t.Fatalf("round %d: %s %q differs from a plain load", round, pluginTypes[typ], g[k].Name)
					}
				}
			}
		}
		for i := range blocks {
			blocks[i] = strings.TrimSuffix(blocks[i], "builder \"broken\" {\n")
			blocks[i] = strings.Replace(blocks[i], "  next_build = \"sideways\"\n", "", 1)
		}
	}
	// Most builders are untouched by any one edit: the cache must have
	// served them (new locals and broken rounds excepted).
	if reusedBuilders < loadedBuilders/2 {
		t.Errorf("only %d of %d builders were reused", reusedBuilders, loadedBuilders)
	}
}

// A builder after an edit that adds lines is reused, moved to its new place.
func TestCacheMovesReusedBuilders(t *testing.T) {
	head := "worker \"local\" \"w\" {}\n"
	tail := "builder \"a\" {\n  workers = [\"w\"]\n  step \"shell\" { command = \"true\" }\n}\n"
	dir := writeFiles(t, map[string]string{"ci.hcl": head + tail})
	cache := NewCache()
	first, diags := Load(dir, LoadOptions{Cache: cache})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if err := os.WriteFile(filepath.Join(dir, "ci.hcl"), []byte(head+"# three\n# more\n# lines\n"+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	second, diags := Load(dir, LoadOptions{Cache: cache})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a1, a2 := first.Builders[0], second.Builders[0]
	if a2.Steps[0].Shell != a1.Steps[0].Shell {
		t.Error("the unchanged builder was decoded again")
	}
	if a2.DefRange.Start.Line != a1.DefRange.Start.Line+3 ||
		a2.DefRange.Start.Byte != a1.DefRange.Start.Byte+len("# three\n# more\n# lines\n") {
		t.Errorf("moved builder at %v, was %v", a2.DefRange, a1.DefRange)
	}
	if a1.DefRange.Start.Line != 2 {
		t.Errorf("the first load's range changed: %v", a1.DefRange)
	}
}
