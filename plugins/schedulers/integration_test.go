package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/schedulers"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
	"github.com/bbhost/bbhost/sdk/scheduler"
)

func TestMain(m *testing.M) { os.Exit(plugintest.Main(m)) }

const wait = 20 * time.Second

// TestPluginProcess builds bbhost-plugin-schedulers and runs every kind in
// a real plugin process under the master's plugin host: the master's
// configuration loader decodes the blocks with the plugin's schemas, and
// the instances talk to the host service over go-plugin.
func TestPluginProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the plugin binary")
	}
	e := plugintest.NewEnv(t, plugintest.Build(t, "./plugins/schedulers", "schedulers", ""))
	ctx := context.Background()
	m := schedulers.New(e.Host)
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(ctx)
	cfg := e.Load(t, `
builder "app" { workers = ["w"] }
builder "docs" { workers = ["w"] }
worker "remote" "w" { password = "p" }
scheduler "force" "force" {
  builders = ["app", "docs"]
  codebase {
    fixed = { project = "proj" }
    omit  = ["revision"]
  }
  property {
    type    = "int"
    name    = "jobs"
    default = 2
  }
  property {
    type     = "choice"
    name     = "suite"
    choices  = ["unit", "all"]
    multiple = true
    defaults = ["unit"]
  }
}
scheduler "periodic" "hourly" {
  builders             = ["app"]
  periodic_build_timer = "1h"
}
scheduler "nightly" "nightly" {
  builders    = ["app"]
  hour        = 3
  day_of_week = [0, 1, 2, 3, 4]
}
scheduler "single_branch" "on-main" {
  builders = ["app"]
  branch   = "main"
}
scheduler "any_branch" "any" {
  builders = ["docs"]
  change_filter { branch_re = "docs/" }
}
scheduler "triggerable" "trig" { builders = ["docs"] }
scheduler "dependent" "after-force" {
  builders = ["docs"]
  upstream = "force"
}
`)
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, &config.Config{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
	bySched := func(name string) []base.Buildset {
		var out []base.Buildset
		for _, bs := range e.Services.Buildsets() {
			if bs.Scheduler == name {
				out = append(out, bs)
			}
		}
		return out
	}
	plugintest.WaitFor(t, wait, "the periodic scheduler's first build", func() bool { return len(bySched("hourly")) == 1 })
	if r := bySched("hourly")[0].Reason; r != "The Periodic scheduler named 'hourly' triggered this build" {
		t.Errorf("periodic reason %q", r)
	}
	plugintest.WaitFor(t, wait, "last_build", func() bool { _, ok := e.Services.State("hourly", "Periodic", "last_build"); return ok })

	fs, err := m.ForceSchedulers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != "force" || len(fs[0].AllFields) != 4 {
		t.Fatalf("force schedulers %+v", fs)
	}
	var group map[string]any
	if err := json.Unmarshal(fs[0].AllFields[0], &group); err != nil || group["type"] != "nested" || group["fullName"] != nil {
		t.Errorf("first field %s", fs[0].AllFields[0])
	}
	_, err = m.ForceParams(ctx, "force", "", map[string]any{"jobs": "many", "suite": []any{"none"}})
	var ve *scheduler.ValidationError
	if !errors.As(err, &ve) || ve.Fields["jobs"] != "invalid literal for int() with base 10: 'many'" ||
		ve.Fields["suite"] != "'none' does not belong to list of available choices '['unit', 'all']'" {
		t.Fatalf("invalid force: %v", err)
	}
	res, err := m.ForceParams(ctx, "force", "alice@example.com", map[string]any{"reason": "try", "jobs": "8", "branch": "feature",
		"builderNames": []any{"docs"}})
	if err != nil {
		t.Fatal(err)
	}
	forced := e.Services.Buildsets()[res.BSID-1]
	if forced.Reason != "A build was forced by 'alice@example.com': try" || len(res.BRIDs) != 1 ||
		len(forced.SourceStamps) != 1 || *forced.SourceStamps[0].Branch != "feature" || forced.SourceStamps[0].Project != "proj" {
		t.Errorf("forced buildset %+v", forced)
	}

	// The dependent scheduler follows the forced buildset.
	plugintest.WaitFor(t, wait, "tracking", func() bool {
		v, ok := e.Services.State("after-force", "buildbot.schedulers.dependent.Dependent", "upstream_bsids")
		return ok && string(v) == "[2]"
	})
	if err := e.Services.CompleteBuildset(res.BSID, 0); err != nil {
		t.Fatal(err)
	}
	plugintest.WaitFor(t, wait, "the downstream build", func() bool { return len(bySched("after-force")) == 1 })
	if d := bySched("after-force")[0]; d.Reason != "downstream" || *d.SourceStamps[0].Branch != "feature" {
		t.Errorf("downstream %+v", d)
	}

	// Changes reach the change-driven schedulers.
	plugintest.WaitFor(t, wait, "the change followers", func() bool {
		_, a := e.Services.State("on-main", "SingleBranchScheduler", "scheduler_changes")
		_, b := e.Services.State("any", "AnyBranchScheduler", "scheduler_changes")
		return a && b
	})
	main, docs := "main", "docs/guide"
	if _, err := e.Services.AddChange(ctx, base.Ref{}, base.Change{Author: "a", Branch: &main, Repository: "r"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Services.AddChange(ctx, base.Ref{}, base.Change{Author: "a", Branch: &docs, Repository: "r"}, nil); err != nil {
		t.Fatal(err)
	}
	plugintest.WaitFor(t, wait, "the change builds", func() bool { return len(bySched("on-main")) == 1 && len(bySched("any")) == 1 })
	if b := bySched("any")[0]; *b.SourceStamps[0].Branch != "docs/guide" {
		t.Errorf("any_branch built %+v", b.SourceStamps)
	}

	tres, err := m.Trigger(ctx, "trig", scheduler.TriggerRequest{WaitedFor: true})
	if err != nil {
		t.Fatal(err)
	}
	if bs := e.Services.Buildsets()[tres.BSID-1]; bs.Scheduler != "trig" || bs.Reason != "The Triggerable scheduler named 'trig' triggered this build" {
		t.Errorf("triggered %+v", bs)
	}
	if len(bySched("nightly")) != 0 {
		t.Error("the nightly scheduler built at start")
	}
}
