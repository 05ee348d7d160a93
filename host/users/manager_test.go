package users_test

import (
	"context"
	"os"
	"testing"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/host/users"
)

func TestMain(m *testing.M) { os.Exit(plugintest.Main(m)) }

func TestUserManagerManager(t *testing.T) {
	e := plugintest.NewEnv(t, plugintest.TestPlugin(t, "1.0.0"))
	ctx := context.Background()
	m := users.New(e.Host)
	if m.Name() != "user_manager" {
		t.Errorf("name %q", m.Name())
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(ctx)
	cfg := e.Load(t, `user_manager "um" "users" { identifier = "alice" }`)
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host, m}, &config.Config{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
	if _, ok := m.UserManager("users"); !ok {
		t.Fatal("user manager not running")
	}
	uid, ok, err := e.Services.IdentifierToUID(ctx, "alice")
	if err != nil || !ok || uid == 0 {
		t.Errorf("alice: %d %v %v", uid, ok, err)
	}
}
