package schedulers_test

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

func TestSchedulerManager(t *testing.T) {
	e := plugintest.NewEnv(t, plugintest.TestPlugin(t, "1.0.0"))
	ctx := context.Background()
	m := schedulers.New(e.Host)
	if m.Name() != "scheduler_manager" {
		t.Errorf("name %q", m.Name())
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(ctx)
	// A change before the scheduler starts is replayed from its cursor.
	if _, err := e.Services.AddChange(ctx, base.Ref{}, base.Change{Author: "x", Comments: "early"}, nil); err != nil {
		t.Fatal(err)
	}
	cfg := e.Load(t, `
builder "app" { workers = ["w"] }
worker "remote" "w" { password = "p" }
scheduler "echo" "on-change" {
  builders = ["app"]
  label    = "Echo"
}
`)
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, &config.Config{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
	plugintest.WaitFor(t, 5*time.Second, "the replayed change's buildset", func() bool { return len(e.Services.Buildsets()) == 1 })
	if _, err := e.Services.AddChange(ctx, base.Ref{}, base.Change{Author: "x", Comments: "live"}, nil); err != nil {
		t.Fatal(err)
	}
	plugintest.WaitFor(t, 5*time.Second, "the live change's buildset", func() bool { return len(e.Services.Buildsets()) == 2 })
	if bs := e.Services.Buildsets()[1]; bs.Scheduler != "on-change" || len(bs.BRIDs) != 1 {
		t.Errorf("buildset %+v", bs)
	}
	// Buildset completions reach the scheduler.
	if err := e.Services.CompleteBuildset(2, 0); err != nil {
		t.Fatal(err)
	}
	plugintest.WaitFor(t, 5*time.Second, "the completion", func() bool {
		v, ok := e.Services.State("on-change", "echo", "last_complete")
		return ok && string(v) == "2"
	})

	fs, err := m.ForceSchedulers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Name != "on-change" || fs[0].Label != "Echo" || fs[0].ButtonName != "Force on-change" ||
		len(fs[0].BuilderNames) != 1 || len(fs[0].AllFields) != 1 {
		t.Fatalf("force schedulers %+v", fs)
	}
	var field map[string]any
	if err := json.Unmarshal(fs[0].AllFields[0], &field); err != nil || field["name"] != "reason" {
		t.Errorf("field %s", fs[0].AllFields[0])
	}
	res, err := m.ForceParams(ctx, "on-change", "", map[string]any{"username": "bob", "reason": "test"})
	if err != nil {
		t.Fatal(err)
	}
	bs := e.Services.Buildsets()[res.BSID-1]
	if bs.Reason != "A build was forced by 'bob': test" {
		t.Errorf("forced reason %q", bs.Reason)
	}
	_, err = m.Force(ctx, "on-change", scheduler.ForceRequest{Owner: "bob"})
	var ve *scheduler.ValidationError
	if !errors.As(err, &ve) || ve.Fields["reason"] != "required" {
		t.Errorf("force without a reason: %v", err)
	}
	if _, err := m.Force(ctx, "nope", scheduler.ForceRequest{}); !errors.Is(err, schedulers.ErrUnknownScheduler) {
		t.Errorf("force of an unknown scheduler: %v", err)
	}
	parent := int64(3)
	res, err = m.Trigger(ctx, "on-change", scheduler.TriggerRequest{WaitedFor: true, ParentBuildID: &parent})
	if err != nil {
		t.Fatal(err)
	}
	if bs := e.Services.Buildsets()[res.BSID-1]; bs.ParentBuildID == nil || *bs.ParentBuildID != 3 {
		t.Errorf("triggered buildset %+v", bs)
	}
	if s, _ := m.Scheduler("on-change"); !e.Services.Claimed(base.TypeScheduler, "on-change") || !s.Active() {
		t.Error("scheduler not claimed")
	}
}
