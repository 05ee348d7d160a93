package plugins_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/worker"
)

func reconf(t *testing.T, e *plugintest.Env, old, cfg *config.Config) {
	t.Helper()
	ctx := context.Background()
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.Host}, old, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
}

func connect(t *testing.T, e *plugintest.Env, cfg *config.Config) (worker.Conn, <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, lost, err := e.Host.Connect(ctx, cfg.Workers[0])
	if err != nil {
		t.Fatal(err)
	}
	return conn, lost
}

func shell(t *testing.T, conn worker.Conn, id string) string {
	t.Helper()
	sink := &worker.RecordingSink{}
	if err := conn.RunCommand(context.Background(), worker.Command{ID: id, Name: worker.CmdShell, Args: map[string]any{"command": []string{"echo", id}}}, sink); err != nil {
		t.Fatal(err)
	}
	return sink.Text("stdout")
}

func TestPluginWorker(t *testing.T) {
	e := plugintest.NewEnv(t, plugintest.TestPlugin(t, "1.0.0"))
	if err := e.Host.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := e.Load(t, `
worker "remote" "r" { password = "x" }
worker "mem" "w1" {
  greeting   = "hi"
  max_builds = 2
}
`)
	reconf(t, e, &config.Config{}, cfg)
	if _, ok := e.Host.WorkerInstance("r"); ok {
		t.Error("the host runs a remote worker as a plugin")
	}
	mem := config.PluginBlock{}
	for _, w := range cfg.Workers {
		if w.Name == "w1" {
			mem = w
		}
	}
	cfg.Workers = []config.PluginBlock{mem}
	conn, lost := connect(t, e, cfg)
	if conn.Info()["greeting"] != "hi" {
		t.Errorf("info %v", conn.Info())
	}
	if got := shell(t, conn, "a"); got != "echo a (1.0.0)\n" {
		t.Errorf("stdout %q", got)
	}

	// A crash loses the connection; the worker comes back with a new one.
	pid := e.Host.Processes()[0].PID
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("the crash did not close the lost channel")
	}
	if err := conn.RunCommand(context.Background(), worker.Command{ID: "x", Name: worker.CmdShell}, &worker.RecordingSink{}); !errors.Is(err, worker.ErrConnectionLost) {
		t.Errorf("command on a crashed worker: %v", err)
	}
	conn, lost = connect(t, e, cfg)
	if got := shell(t, conn, "b"); got != "echo b (1.0.0)\n" {
		t.Errorf("after the restart: %q", got)
	}

	// A hot swap keeps the connection: a running command finishes in the
	// old process, new ones run in the new process.
	sleeping := &worker.RecordingSink{}
	done := make(chan error, 1)
	go func() {
		done <- conn.RunCommand(context.Background(), worker.Command{ID: "s", Name: "sleep"}, sleeping)
	}()
	plugintest.WaitFor(t, 5*time.Second, "the sleep command", func() bool { return sleeping.Text("header") != "" })
	if _, err := e.Host.Catalog().Install(context.Background(), plugintest.TestPlugin(t, "2.0.0"), nil); err != nil {
		t.Fatal(err)
	}
	cfg2 := e.Load(t, `worker "mem" "w1" {
  greeting   = "hi"
  max_builds = 2
}`)
	reconf(t, e, cfg, cfg2)
	if got := shell(t, conn, "c"); got != "echo c (2.0.0)\n" {
		t.Errorf("after the swap: %q", got)
	}
	select {
	case <-lost:
		t.Fatal("the hot swap lost the connection")
	default:
	}
	if err := conn.Interrupt(context.Background(), "s", "enough"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the command running across the swap: %v", err)
	}
	if !strings.Contains(sleeping.Text("header"), "interrupted: enough") {
		t.Errorf("header %q", sleeping.Text("header"))
	}
	plugintest.WaitFor(t, 10*time.Second, "the old process to stop", func() bool { return len(e.Host.Processes()) == 1 })

	// Removing the block stops the worker and loses its connection.
	reconf(t, e, cfg2, e.Load(t, `# no workers`))
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("removing the worker did not close the lost channel")
	}
	if _, _, err := e.Host.Connect(context.Background(), cfg2.Workers[0]); err == nil {
		t.Error("connected to a removed worker")
	}
	_ = plugins.ServiceName
}
