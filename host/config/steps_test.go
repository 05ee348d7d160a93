package config

import (
	"reflect"
	"testing"
	"time"
)

func TestStepParsing(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
worker "local" "w" {}
lock "worker" "db" {}
scheduler "triggerable" "deploy" {
  builders = ["b"]
}
builder "b" {
  workers = ["w"]

  step "shell" {
    command = "make test"
  }
  step "shell" "argv" {
    command            = ["go", "test", "-run", "%(prop:pattern:-.)s"]
    decode_rc          = { 0 = "success", 1 = "WARNINGS", 3 = 2 }
    usepty             = true
    want_stderr        = false
    description        = ["running", "go", "test"]
    description_done   = "tested"
    description_suffix = "unit"
    workdir            = "src"
    env                = { CGO_ENABLED = "0" }
    timeout            = 90
    max_time           = "1h30m"
    locks              = ["db", { name = "db", access = "exclusive" }]
    log_encoding       = "latin-1"
    do_step_if         = true
    hide_step_if       = "%(prop:quiet)s"
    warn_on_warnings   = true
    flunk_on_warnings  = true
  }
  step "shell" "argv" {
    command = ["true"]
  }
  step "git" {
    repourl = "/srv/app.git"
    mode    = "full"
    method  = "clobber"
    shallow = 10
  }
  step "set_property" "answer" {
    property = "answer"
    value    = 42
  }
  step "trigger" {
    scheduler_names   = ["deploy"]
    always_use_latest = true
  }
  step "file_upload" {
    workersrc  = "out.tgz"
    masterdest = "artifacts/out.tgz"
    mode       = "0600"
  }
  step "mkdir" {
    dir = "build"
  }
  step "rmdir" "clean" {
    dir = "build"
  }
}
`})
	cfg := mustLoad(t, dir, LoadOptions{})
	steps := cfg.Builders[0].Steps
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	// Duplicate names are allowed: the build engine suffixes them.
	want := []string{"shell", "argv", "argv", "git", "answer", "trigger", "file_upload", "mkdir", "clean"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("step names %v, want %v", names, want)
	}

	if c := steps[0].Shell.Command; c.Shell != "make test" || c.Argv != nil {
		t.Errorf("string command %+v", c)
	}
	argv := steps[1]
	if c := argv.Shell.Command; c.Shell != "" || !reflect.DeepEqual(c.Argv, []string{"go", "test", "-run", "%(prop:pattern:-.)s"}) {
		t.Errorf("list command %+v", c)
	}
	if rc := argv.Shell.DecodeRC; !reflect.DeepEqual(rc, map[int]int{0: 0, 1: 1, 3: 2}) {
		t.Errorf("decode_rc %v", rc)
	}
	if s := argv.Shell; !s.Usepty || !s.WantStdout || s.WantStderr {
		t.Errorf("shell flags %+v", s)
	}
	wantCommon := StepCommon{
		FlunkOnFailure: true, WarnOnWarnings: true, FlunkOnWarnings: true,
		DoStepIf: "true", HideStepIf: "%(prop:quiet)s",
		Description: "running go test", DescriptionDone: "tested", DescriptionSuffix: "unit",
		Workdir: "src", Env: map[string]string{"CGO_ENABLED": "0"},
		Timeout: 90 * time.Second, MaxTime: 90 * time.Minute, LogEncoding: "latin-1",
		Locks: []LockAccess{{Name: "db", Access: "counting"}, {Name: "db", Access: "exclusive"}},
	}
	if !reflect.DeepEqual(argv.Common, wantCommon) {
		t.Errorf("common\n got %+v\nwant %+v", argv.Common, wantCommon)
	}
	if g := steps[3].Git; g.Mode != "full" || g.Method != "clobber" || g.Shallow != 10 {
		t.Errorf("git %+v", g)
	}
	if sp := steps[4].SetProperty; sp.Property != "answer" || sp.Value != int64(42) {
		t.Errorf("set_property %+v", sp)
	}
	if tr := steps[5].Trigger; tr.UpdateSourceStamp || !tr.AlwaysUseLatest || tr.SchedulerNames[0] != "deploy" {
		t.Errorf("trigger %+v (update_source_stamp defaults to !always_use_latest)", tr)
	}
	if fu := steps[6].FileUpload; fu.Mode == nil || *fu.Mode != 0o600 {
		t.Errorf("file_upload mode %v", fu.Mode)
	}
	if steps[7].MakeDirectory == nil || steps[7].MakeDirectory.Dir != "build" || steps[8].RemoveDirectory == nil {
		t.Errorf("dir steps %+v %+v", steps[7], steps[8])
	}
	// Exactly one kind-specific pointer is set.
	for _, s := range steps {
		set := 0
		for _, p := range []any{s.Shell, s.Git, s.SetProperty, s.SetPropertyFromCommand, s.Trigger,
			s.FileUpload, s.FileDownload, s.StringDownload, s.MakeDirectory, s.RemoveDirectory} {
			if !reflect.ValueOf(p).IsNil() {
				set++
			}
		}
		if set != 1 {
			t.Errorf("step %s has %d kind structs", s.Name, set)
		}
	}
}

func TestStepKindsAllDecode(t *testing.T) {
	for _, k := range StepKinds() {
		if newStepRaw(k) == nil {
			t.Errorf("step kind %q has no decoder", k)
		}
	}
	if newStepRaw("compile") != nil {
		t.Errorf("unknown kind decoded")
	}
}

func TestGitStepHaltsOnFailureByDefault(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ci.hcl": `
worker "local" "w" {}
builder "b" {
  workers = ["w"]
  step "git" { repourl = "/r" }
  step "git" "keep-going" {
    repourl         = "/r"
    halt_on_failure = false
  }
  step "shell" { command = "true" }
}
`})
	cfg := mustLoad(t, dir, LoadOptions{})
	steps := cfg.Builders[0].Steps
	if !steps[0].Common.HaltOnFailure || steps[1].Common.HaltOnFailure || steps[2].Common.HaltOnFailure {
		t.Errorf("halt_on_failure: git %v, git with false %v, shell %v",
			steps[0].Common.HaltOnFailure, steps[1].Common.HaltOnFailure, steps[2].Common.HaltOnFailure)
	}
}
