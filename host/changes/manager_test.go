package changes_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/changes"
	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
)

func TestMain(m *testing.M) { os.Exit(plugintest.Main(m)) }

func reconfigure(t *testing.T, e *plugintest.Env, m *changes.ChangeManager, old, cfg *config.Config) {
	t.Helper()
	ctx := context.Background()
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, old, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
}

func TestChangeManager(t *testing.T) {
	e := plugintest.NewEnv(t, plugintest.TestPlugin(t, "1.0.0"))
	ctx := context.Background()
	m := changes.New(e.Host)
	if m.Name() != "change_svc" {
		t.Errorf("name %q", m.Name())
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(ctx)
	e.Services.SetClaimedElsewhere(base.TypeChangeSource, "elsewhere", true)
	cfg := e.Load(t, `
change_source "counter" "a" { count = 2 }
change_source "counter" "b" { count = 1 }
change_source "counter" "elsewhere" { count = 5 }
`)
	reconfigure(t, e, m, &config.Config{}, cfg)
	if got := m.Names(); len(got) != 3 {
		t.Fatalf("names %v", got)
	}
	for i := 0; i < 3; i++ {
		if err := m.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.Services.Changes()); n != 3 {
		t.Fatalf("%d changes, want 3 (a: 2, b: 1, elsewhere: not here)", n)
	}
	if err := m.Poll(ctx, "nope"); !errors.Is(err, changes.ErrUnknownChangeSource) {
		t.Errorf("poll of an unknown name: %v", err)
	}
	if s, _ := m.ChangeSource("elsewhere"); s.Active() {
		t.Error("a change source another master runs is active")
	}
	// The other master lets go: this one takes over.
	e.Services.SetClaimedElsewhere(base.TypeChangeSource, "elsewhere", false)
	s, _ := m.ChangeSource("elsewhere")
	plugintest.WaitFor(t, 5*time.Second, "the take-over", s.Active)
	if err := m.Poll(ctx, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Services.Changes()); n != 4 {
		t.Fatalf("%d changes after the take-over, want 4", n)
	}

	// Reconfigure: a unchanged, b changed in place (same process, new
	// generation), elsewhere removed.
	a, _ := m.ChangeSource("a")
	b, _ := m.ChangeSource("b")
	genB := b.Instance().Ref().Generation
	cfg2 := e.Load(t, `
change_source "counter" "a" { count = 2 }
change_source "counter" "b" { count = 3 }
`)
	reconfigure(t, e, m, cfg, cfg2)
	if a2, _ := m.ChangeSource("a"); a2 != a || a2.Instance().Ref().Generation != a.Instance().Ref().Generation {
		t.Error("unchanged change source was touched")
	}
	b2, _ := m.ChangeSource("b")
	if b2 != b || b2.Instance().Ref().Generation != genB+1 {
		t.Errorf("changed change source: same service %v, generation %d (was %d)", b2 == b, b2.Instance().Ref().Generation, genB)
	}
	if _, ok := m.ChangeSource("elsewhere"); ok {
		t.Error("removed change source still runs")
	}
	if e.Services.Claimed(base.TypeChangeSource, "elsewhere") {
		t.Error("removed change source still claimed")
	}
	for i := 0; i < 3; i++ {
		if err := m.Poll(ctx, "b"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.Services.Changes()); n != 6 {
		t.Fatalf("%d changes, want 6 (b reaches its new count of 3)", n)
	}
}
