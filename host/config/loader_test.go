package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

func TestFullExample(t *testing.T) {
	cfg, diags := Load("testdata/full.hcl", LoadOptions{LookupEnv: noEnv, Schemas: fullSchemas()})
	if len(diags) != 0 {
		var b strings.Builder
		_ = WriteDiagnostics(&b, cfg.Sources, diags, false)
		t.Fatalf("full.hcl has diagnostics:\n%s", b.String())
	}
	abs, _ := filepath.Abs("testdata")
	if cfg.Dir != abs || len(cfg.Files) != 1 || cfg.Files[0] != filepath.Join(abs, "full.hcl") {
		t.Errorf("Dir %q Files %v", cfg.Dir, cfg.Files)
	}
	counts := map[string][2]int{
		"workers": {len(cfg.Workers), 2}, "change sources": {len(cfg.ChangeSources), 1},
		"schedulers": {len(cfg.Schedulers), 4}, "user managers": {len(cfg.UserManagers), 1},
		"builders": {len(cfg.Builders), 2}, "steps": {len(cfg.Builders[0].Steps), 11},
		"protocols": {len(cfg.Protocols), 2}, "plugins": {len(cfg.Plugins), 1},
		"locks": {len(cfg.Locks), 2}, "change hooks": {len(cfg.ChangeHooks), 2},
	}
	for what, c := range counts {
		if c[0] != c[1] {
			t.Errorf("%d %s, want %d", c[0], what, c[1])
		}
	}
	if cfg.Master.Basedir != filepath.Join(abs, "state") || cfg.Master.URL != "https://ci.example.org/" {
		t.Errorf("master %+v", cfg.Master)
	}
	if cfg.Plugins[0].Source != filepath.Join(abs, "plugins/bbhost-plugin-git") ||
		cfg.Plugins[0].SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("plugin pin %+v", cfg.Plugins[0])
	}
	if cfg.Database.CommitDelay != 5*time.Millisecond {
		t.Errorf("commit_delay %s", cfg.Database.CommitDelay)
	}
	if cfg.Database.URL != "postgres://bbhost@127.0.0.1:5432/ci" {
		t.Errorf("database url %q (env default not applied?)", cfg.Database.URL)
	}
	if cfg.Manhole == nil || !strings.HasPrefix(cfg.Manhole.AuthorizedKeys, "# operators\nssh-ed25519 ") {
		t.Errorf("manhole %+v", cfg.Manhole)
	}
	wantProps := map[string]any{"team": "platform", "retries": int64(2), "suite": "unit"}
	if !reflect.DeepEqual(cfg.Builders[0].Properties, wantProps) {
		t.Errorf("builder properties %v, want %v", cfg.Builders[0].Properties, wantProps)
	}
	if got := cfg.Schedulers[1].Builders; !reflect.DeepEqual(got, []string{"app-test", "app-deploy"}) {
		t.Errorf("force scheduler builders %v", got)
	}
	for _, pb := range append(append(append(cfg.Workers, cfg.Schedulers...), cfg.ChangeSources...), cfg.UserManagers...) {
		if pb.Value == cty.NilVal {
			t.Errorf("%s %q not decoded", pb.Type, pb.Name)
		}
	}
	if pw := cfg.Workers[0].Value.GetAttr("password"); pw.AsString() != "secret" {
		t.Errorf("remote worker password %v", pw)
	}
}

// fullSchemas knows every kind full.hcl uses.
func fullSchemas() fakeSchemas {
	s := fakeSchemas{}
	for typ, kinds := range testSchemas {
		s[typ] = map[string]hcldec.Spec{}
		for k, v := range kinds {
			s[typ][k] = v
		}
	}
	s[TypeScheduler]["triggerable"] = hcldec.ObjectSpec{}
	return s
}

func TestDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{"master.hcl": `
worker "local" "w" {}
builder "b" {
  workers = ["w"]
  step "git" {
    repourl = "/srv/git/app.git"
  }
  step "shell" {
    command = "make"
  }
  step "trigger" {
    scheduler_names = ["t"]
  }
  step "set_property_from_command" {
    command  = "git rev-parse HEAD"
    property = "rev"
  }
}
scheduler "triggerable" "t" {
  builders = ["b"]
}
lock "worker" "l" {}
change_hook "github" {}
`})
	cfg := mustLoad(t, dir, LoadOptions{Hostname: "ci-host"})
	m := cfg.Master
	wantMaster := Master{Name: "ci-host:" + dir, Title: "bbhost", URL: "http://localhost:8010/", Basedir: dir,
		LogCompression: "zstd", LogEncoding: "utf-8", CollapseRequests: true}
	if !m.Equal(wantMaster) {
		t.Errorf("master %+v\nwant %+v", m, wantMaster)
	}
	if cfg.Dir != dir || cfg.EvalContext == nil || len(cfg.Sources) != 1 {
		t.Errorf("Dir %q EvalContext %v Sources %d", cfg.Dir, cfg.EvalContext, len(cfg.Sources))
	}
	if cfg.Database.URL != "sqlite:///state.sqlite" || cfg.Database.CommitDelay != DefaultCommitDelay || cfg.MQ.Type != "simple" || cfg.MQ.URL != "" {
		t.Errorf("database %+v mq %+v", cfg.Database, cfg.MQ)
	}
	if cfg.WWW.Listen != "" || cfg.Manhole != nil || cfg.Metrics.LogInterval != 0 || len(cfg.Protocols) != 0 {
		t.Errorf("www %+v manhole %v metrics %+v protocols %v", cfg.WWW, cfg.Manhole, cfg.Metrics, cfg.Protocols)
	}
	wantCaches := map[string]int{"changes": 10, "builds": 15, "chdicts": 1, "buildrequests": 1, "ssdicts": 1,
		"objectids": 1, "usdicts": 1, "buildset_properties": 1}
	if !reflect.DeepEqual(cfg.Caches.Sizes, wantCaches) {
		t.Errorf("caches %v", cfg.Caches.Sizes)
	}
	if lk := cfg.Locks[0]; lk.MaxCount != 1 || lk.Type != "worker" {
		t.Errorf("lock %+v", lk)
	}
	if h := cfg.ChangeHooks[0]; h.PullRequestRef != "merge" || len(h.Skips) != 2 || h.Strict {
		t.Errorf("github hook %+v", h)
	}
	b := cfg.Builders[0]
	if b.NextWorker != "random" || b.NextBuild != "oldest" || b.BuildDir != "b" || b.CollapseRequests != nil {
		t.Errorf("builder %+v", b)
	}
	for _, s := range b.Steps {
		if s.Name != s.Kind {
			t.Errorf("step %q default name %q", s.Kind, s.Name)
		}
		if !s.Common.FlunkOnFailure || s.Common.HaltOnFailure != (s.Kind == "git") || s.Common.Timeout != 20*time.Minute || s.Common.MaxTime != 0 {
			t.Errorf("step %s common %+v", s.Kind, s.Common)
		}
	}
	if g := b.Steps[0].Git; g.Branch != "HEAD" || g.Mode != "incremental" || g.Method != "" || !g.ProgressLog || g.Shallow != 0 {
		t.Errorf("git %+v", g)
	}
	if sh := b.Steps[1].Shell; !sh.WantStdout || !sh.WantStderr || sh.Usepty || sh.DecodeRC != nil || sh.Command.Shell != "make" {
		t.Errorf("shell %+v", sh)
	}
	if tr := b.Steps[2].Trigger; !tr.UpdateSourceStamp || tr.WaitForFinish || tr.AlwaysUseLatest {
		t.Errorf("trigger %+v", tr)
	}
	if sp := b.Steps[3].SetPropertyFromCommand; !sp.Strip || sp.Property != "rev" {
		t.Errorf("set_property_from_command %+v", sp)
	}
	if cfg.Schedulers[0].Value != cty.NilVal {
		t.Errorf("plugin block decoded without schemas")
	}
}

func TestBuilderDirAndMasterOverrides(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
master {
  basedir = "../state"
}
worker "local" "w" {}
builder "app test/linux" {
  workers = ["w"]
}
www {}
`})
	cfg := mustLoad(t, filepath.Join(dir, "ci.hcl"), LoadOptions{Hostname: "h"})
	base := filepath.Join(filepath.Dir(dir), "state")
	if cfg.Master.Basedir != base || cfg.Master.Name != "h:"+base {
		t.Errorf("basedir %q name %q", cfg.Master.Basedir, cfg.Master.Name)
	}
	if got := cfg.Builders[0].BuildDir; got != "app_test_linux" {
		t.Errorf("builddir %q, want Buildbot's safeTranslate app_test_linux", got)
	}
	if cfg.WWW.Listen != "127.0.0.1:8010" {
		t.Errorf("www listen default %q", cfg.WWW.Listen)
	}
}

func TestMultiFileMerge(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"10-master.hcl":  "master {\n  title = \"Merged\"\n}\nlocals {\n  os = \"linux\"\n}\n",
		"20-workers.hcl": "worker \"local\" \"w1\" {}\nworker \"local\" \"w2\" {}\nlock \"master\" \"l\" {}\n",
		"30-builders.hcl.json": `{
  "builder": {
    "json-built": {
      "workers": ["w2"],
      "tags": ["${local.os}"],
      "step": {"shell": {"": {"command": "make"}}}
    }
  }
}`,
		"40-more.hcl":      "builder \"native\" {\n  workers = [\"w1\"]\n  locks   = [\"l\"]\n}\nscheduler \"force\" \"f\" {\n  builders = [\"json-built\", \"native\"]\n}\n",
		".bbhost.lock.hcl": "this is { not configuration",
		"notes.txt":        "ignored",
		"sub/nested.hcl":   "not read either {",
	})
	cfg := mustLoad(t, dir, LoadOptions{})
	var names []string
	for _, f := range cfg.Files {
		names = append(names, filepath.Base(f))
	}
	if want := []string{"10-master.hcl", "20-workers.hcl", "30-builders.hcl.json", "40-more.hcl"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if cfg.Master.Title != "Merged" || len(cfg.Workers) != 2 || len(cfg.Builders) != 2 {
		t.Fatalf("merged config %+v", cfg)
	}
	if b := cfg.Builders[0]; b.Name != "json-built" || !reflect.DeepEqual(b.Tags, []string{"linux"}) || b.Steps[0].Shell.Command.Shell != "make" {
		t.Errorf("JSON builder %+v", b)
	}

	// A block that may appear once, twice across files.
	dir = writeFiles(t, map[string]string{"a.hcl": "database {}\n", "b.hcl": "\ndatabase {}\n"})
	_, diags := Load(dir, LoadOptions{})
	if len(diags) != 1 || filepath.Base(diags[0].Subject.Filename) != "b.hcl" || diags[0].Subject.Start.Line != 2 ||
		!strings.Contains(diags[0].Detail, "a.hcl:1,1") {
		t.Errorf("duplicate database across files: %v", diags)
	}
}

func TestLoadPathErrors(t *testing.T) {
	cases := []struct {
		path, summary string
	}{
		{t.TempDir(), "No configuration files"},
		{filepath.Join(t.TempDir(), "missing.hcl"), "Cannot read configuration"},
	}
	for _, c := range cases {
		cfg, diags := Load(c.path, LoadOptions{})
		if cfg == nil || cfg.Sources == nil || len(diags) != 1 || diags[0].Summary != c.summary {
			t.Errorf("Load(%s): %v", c.path, diags)
		}
	}
}

func TestExpressions(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"secret.txt": "  s3cret\n",
		"ci.hcl": `
locals {
  greeting = "${local.name}-${upper(local.env_name)}"
  name     = join("-", split(",", "a,b"))
  env_name = env("BBHOST_TEST_ENV")
  unset    = env("BBHOST_UNSET")
  with_def = env("BBHOST_UNSET", "fallback")
  set_def  = env("BBHOST_TEST_ENV", "fallback")
  file_txt = trimspace(file("secret.txt"))
  abs_rel  = abspath("sub/../repo")
  abs_abs  = abspath("/srv/git")
  nums     = [for n in range(3) : n * 2]
  props    = merge({ a = 1 }, jsondecode("{\"b\": [true, null]}"))
  n_keys   = length(keys(local.props))
  strlen   = length("héllo")
  objlen   = length({ x = 1, y = 2 })
  fmt      = format("%s:%03d", "x", 7)
  first    = coalesce("", "y")
  tried    = try(local.props.missing, "default")
  can_do   = can(tonumber("x"))
  max_n    = max(3, 9, 4)
  min_n    = min(3, 9, 4)
  replaced = replace("a.b.c", ".", "/")
  has      = contains(["a", "b"], "b")
  vals     = values({ x = 1 })
  lst      = tolist(["a"])
  mp       = tomap({ a = "1" })
  str      = tostring(5)
  bool     = tobool("true")
  num      = tonumber("42")
  cat      = concat([1], [2])
  low      = lower("ABC")
  enc      = jsonencode({ k = "v" })
}
master {
  title      = local.greeting
  properties = local
}
`})
	env := map[string]string{"BBHOST_TEST_ENV": "prod"}
	cfg := mustLoad(t, dir, LoadOptions{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if cfg.Master.Title != "a-b-PROD" {
		t.Errorf("title %q", cfg.Master.Title)
	}
	want := map[string]any{
		"greeting": "a-b-PROD", "name": "a-b", "env_name": "prod", "unset": "", "with_def": "fallback",
		"set_def": "prod", "file_txt": "s3cret", "abs_rel": filepath.Join(dir, "repo"), "abs_abs": "/srv/git", "nums": []any{int64(0), int64(2), int64(4)},
		"props":  map[string]any{"a": int64(1), "b": []any{true, nil}},
		"n_keys": int64(2), "strlen": int64(5), "objlen": int64(2), "fmt": "x:007", "first": "y",
		"tried": "default", "can_do": false, "max_n": int64(9), "min_n": int64(3), "replaced": "a/b/c",
		"has": true, "vals": []any{int64(1)}, "lst": []any{"a"}, "mp": map[string]any{"a": "1"},
		"str": "5", "bool": true, "num": int64(42), "cat": []any{int64(1), int64(2)}, "low": "abc",
		"enc": `{"k":"v"}`,
	}
	for k, v := range want {
		if got := cfg.Master.Properties[k]; !reflect.DeepEqual(got, v) {
			t.Errorf("local.%s = %#v, want %#v", k, got, v)
		}
	}
	if len(cfg.Master.Properties) != len(want) {
		t.Errorf("%d locals, want %d", len(cfg.Master.Properties), len(want))
	}

	// The EvalContext evaluates expressions later (plugin bodies).
	expr, diags := hclsyntax.ParseExpression([]byte(`"${local.name}/${env("BBHOST_TEST_ENV")}"`), "x.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	v, diags := expr.Value(cfg.EvalContext)
	if diags.HasErrors() || v.AsString() != "a-b/prod" {
		t.Errorf("later evaluation: %v %v", v, diags)
	}
}

func TestJSONSyntax(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl.json": `{
  "locals": {"img": "golang"},
  "master": {"title": "${upper(local.img)}"},
  "worker": {"local": {"w1": {"max_builds": 2, "properties": {"os": "linux"}}}},
  "lock": {"master": {"l": {"max_count": 3}}},
  "builder": {
    "b1": {
      "workers": ["w1"],
      "step": [
        {"git": {"": {"repourl": "/srv/app.git"}}},
        {"shell": {"unit": {"command": ["go", "test", "./..."], "locks": ["l"]}}},
        {"shell": {"": {"command": "make lint"}}}
      ]
    }
  },
  "scheduler": {"force": {"f": {"builders": ["b1"]}}}
}`})
	cfg := mustLoad(t, dir, LoadOptions{Schemas: testSchemas})
	if cfg.Master.Title != "GOLANG" || cfg.Workers[0].MaxBuilds != 2 || cfg.Locks[0].MaxCount != 3 {
		t.Errorf("master %+v worker %+v lock %+v", cfg.Master, cfg.Workers[0], cfg.Locks[0])
	}
	steps := cfg.Builders[0].Steps
	var got []string
	for _, s := range steps {
		got = append(got, s.Kind+"/"+s.Name)
	}
	if want := []string{"git/git", "shell/unit", "shell/shell"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	if !reflect.DeepEqual(steps[1].Shell.Command.Argv, []string{"go", "test", "./..."}) || steps[2].Shell.Command.Shell != "make lint" {
		t.Errorf("commands %+v %+v", steps[1].Shell.Command, steps[2].Shell.Command)
	}
	if cfg.Schedulers[0].Value.GetAttr("builders").LengthInt() != 1 {
		t.Errorf("scheduler value %v", cfg.Schedulers[0].Value)
	}

	// Mistakes in JSON files are located too.
	dir = writeFiles(t, map[string]string{"ci.hcl.json": "{\n  \"buidler\": {}\n}\n"})
	_, diags := Load(dir, LoadOptions{})
	if len(diags) != 1 || diags[0].Subject.Start.Line != 2 || !strings.Contains(diags[0].Detail, `"builder"`) {
		t.Errorf("unknown JSON block: %v", diags)
	}
}
