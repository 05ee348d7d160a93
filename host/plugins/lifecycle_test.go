package plugins_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
)

// stream writes change files 1..n into dir, one every interval, until
// done; it returns a function waiting for the writer.
func stream(t *testing.T, dir string, n int, interval time.Duration) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= n; i++ {
			writeChange(t, dir, i)
			time.Sleep(interval)
		}
	}()
	return wg.Wait
}

func currentProcess(t *testing.T, h *plugins.Host, plugin string) plugins.ProcessInfo {
	t.Helper()
	for _, p := range h.Processes() {
		if p.Plugin == plugin && p.Role == "current" {
			return p
		}
	}
	t.Fatalf("no current process for %s", plugin)
	return plugins.ProcessInfo{}
}

func TestCrashRestart(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
	dir := t.TempDir()
	cfg := e.load(t, patchdirConfig(dir))
	startChangeSources(t, e, cfg)

	const n = 150
	wait := stream(t, dir, n, 3*time.Millisecond)
	waitFor(t, 10*time.Second, "40 changes", func() bool { return len(e.svc.Changes()) >= 40 })
	before := currentProcess(t, e.host, "patchdir")
	if err := syscall.Kill(before.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	countAtKill := len(e.svc.Changes())
	waitFor(t, 10*time.Second, "a restarted process", func() bool {
		for _, p := range e.host.Processes() {
			if p.Plugin == "patchdir" && p.PID != before.PID && p.Instances == 1 {
				return true
			}
		}
		return false
	})
	wait()
	waitFor(t, 15*time.Second, "every change", func() bool { return len(e.svc.Changes()) >= n })
	time.Sleep(150 * time.Millisecond)
	checkChanges(t, e.svc, n)
	t.Logf("changes before the kill: %d, after: %d", countAtKill, len(e.svc.Changes())-countAtKill)
	if c := (metric(t, e, "bbhost_plugin_crashes_total")); c != 1 {
		t.Errorf("crashes counted: %v", c)
	}
	if c := (metric(t, e, "bbhost_plugin_restarts_total")); c != 1 {
		t.Errorf("restarts counted: %v", c)
	}
	if !strings.Contains(e.logs.String(), "plugin crashed; restarting") || !strings.Contains(e.logs.String(), "plugin restarted after a crash") {
		t.Error("crash and restart not logged")
	}
}

func TestHotSwap(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	ctx := context.Background()
	if _, err := e.host.Catalog().Install(ctx, patchdirBinary(t, "0.1.0"), nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := e.load(t, patchdirConfig(dir))
	mgr := startChangeSources(t, e, cfg)

	const n = 150
	wait := stream(t, dir, n, 3*time.Millisecond)
	waitFor(t, 10*time.Second, "40 changes", func() bool { return len(e.svc.Changes()) >= 40 })
	before := currentProcess(t, e.host, "patchdir")
	if _, err := e.host.Catalog().Install(ctx, patchdirBinary(t, "0.2.0"), nil); err != nil {
		t.Fatal(err)
	}
	cfg2 := e.load(t, patchdirConfig(dir))
	swapStart := time.Now()
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.host, mgr}, cfg, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
	swapTook := time.Since(swapStart)
	after := currentProcess(t, e.host, "patchdir")
	if after.PID == before.PID || after.Version != "0.2.0" || after.Instances != 1 {
		t.Fatalf("after the swap: %+v (before %+v)", after, before)
	}
	wait()
	waitFor(t, 15*time.Second, "every change", func() bool { return len(e.svc.Changes()) >= n })
	time.Sleep(150 * time.Millisecond)
	checkChanges(t, e.svc, n)
	waitFor(t, 10*time.Second, "the old process to stop", func() bool {
		return syscall.Kill(before.PID, 0) != nil
	})
	if c := (metric(t, e, "bbhost_plugin_hot_swaps_total")); c != 1 {
		t.Errorf("swaps counted: %v", c)
	}
	if c := (metric(t, e, "bbhost_plugin_crashes_total")); c != 0 {
		t.Errorf("a swap counted as a crash: %v", c)
	}
	t.Logf("reconfiguration with hot swap took %s", swapTook)
}

func TestSwapFailureKeepsOld(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	ctx := context.Background()
	if _, err := e.host.Catalog().Install(ctx, patchdirBinary(t, "0.1.0"), nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := e.load(t, patchdirConfig(dir))
	mgr := startChangeSources(t, e, cfg)
	before := currentProcess(t, e.host, "patchdir")
	// A later service fails: everything rolls back to the old process.
	if _, err := e.host.Catalog().Install(ctx, patchdirBinary(t, "0.2.0"), nil); err != nil {
		t.Fatal(err)
	}
	cfg2 := e.load(t, patchdirConfig(dir))
	failing := &failingService{}
	_, err := service.ReconfigureChildren(ctx, []service.Service{e.host, mgr, failing}, cfg, cfg2)
	if err == nil {
		t.Fatal("reconfiguration succeeded")
	}
	now := currentProcess(t, e.host, "patchdir")
	if now.PID != before.PID || now.Instances != 1 {
		t.Fatalf("after the rollback: %+v (before %+v)", now, before)
	}
	writeChange(t, dir, 1)
	waitFor(t, 10*time.Second, "a change after the rollback", func() bool { return len(e.svc.Changes()) >= 1 })
	waitFor(t, 10*time.Second, "the new process to stop", func() bool { return len(e.host.Processes()) == 1 })
}

type failingService struct{ service.Base }

func (f *failingService) Reconfigure(ctx context.Context, cfg *config.Config) (service.Commit, error) {
	return nil, context.DeadlineExceeded
}
