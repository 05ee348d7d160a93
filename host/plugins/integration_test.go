package plugins_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/bbhost/bbhost/host/service"
	"github.com/bbhost/bbhost/sdk/base"
)

func patchdirConfig(dir string) string {
	return fmt.Sprintf(`
change_source "patchdir" "incoming" {
  dir           = %q
  poll_interval = "20ms"
  repository    = "https://example.com/app.git"
}
`, dir)
}

// startChangeSources runs the change sources of cfg as host/changes would.
func startChangeSources(t testing.TB, e *env, cfg *config.Config) *service.NamedManager[*config.Config, plugins.InstanceConfig] {
	t.Helper()
	m := service.NewNamedManager(service.ManagerOptions[*config.Config, plugins.InstanceConfig]{
		Name: "change_svc", New: e.host.NewService, Equal: plugins.InstanceConfig.Equal,
		Select: func(c *config.Config) []service.Item[plugins.InstanceConfig] {
			return e.host.Items(c, config.TypeChangeSource)
		},
	})
	ctx := context.Background()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	commit, err := service.ReconfigureChildren(ctx, []service.Service{e.host, m}, &config.Config{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	commit(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = m.Stop(ctx)
	})
	return m
}

func TestInstallConfigureAndRun(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	zipPath := releaseZip(t, patchdirBinary(t, "0.1.0"), "0.1.0")

	got, err := e.host.Catalog().Install(context.Background(), zipPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.Name != "patchdir" || got.Info.Version != "0.1.0" {
		t.Fatalf("installed %+v", got.Info)
	}
	lf, err := plugins.ReadLockFile(basedir)
	if err != nil {
		t.Fatal(err)
	}
	if e := lf.Plugins["patchdir"]; e.SHA256 != got.Binary.SHA256 || e.Path != "plugins/bbhost-plugin-patchdir" || e.Version != "0.1.0" {
		t.Errorf("lock entry %+v", e)
	}
	bins, infos, errs := e.host.Plugins(context.Background())
	if len(errs) != 0 || len(bins) != 1 || infos["patchdir"].Components[0].Kind != "patchdir" {
		t.Fatalf("plugins: %v %v %v", bins, infos, errs)
	}

	dir := t.TempDir()
	cfg := e.load(t, patchdirConfig(dir))
	if cfg.ChangeSources[0].Value.IsNull() {
		t.Fatal("block not decoded")
	}
	startChangeSources(t, e, cfg)
	for i := 1; i <= 5; i++ {
		writeChange(t, dir, i)
	}
	waitFor(t, 10*time.Second, "5 changes", func() bool { return len(e.svc.Changes()) >= 5 })
	time.Sleep(100 * time.Millisecond)
	checkChanges(t, e.svc, 5)
	ch := e.svc.Changes()[0]
	if ch.Repository != "https://example.com/app.git" || ch.Author != "alice" || *ch.Branch != "main" || ch.Properties["patchdir_file"] != "00000001.json" {
		t.Errorf("change %+v", ch)
	}
	if !e.svc.Claimed(base.TypeChangeSource, "incoming") {
		t.Error("change source not claimed")
	}
	if v, ok := e.svc.State("incoming", "PatchDir", "last_file"); !ok || string(v) != `"00000005.json"` {
		t.Errorf("state %s", v)
	}
	if !strings.Contains(e.logs.String(), "change submitted") {
		t.Error("plugin log lines did not reach the host's logger")
	}
}

func TestBadAttributeDiagnostic(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
	_, diags := e.tryLoad(t, `
# a comment

change_source "patchdir" "incoming" {
  dir           = "relative/dir"
  poll_interval = "1s"
}
`)
	if !diags.HasErrors() {
		t.Fatal("relative dir accepted")
	}
	d := diags[0]
	if d.Summary != "Directory must be absolute" || d.Subject == nil {
		t.Fatalf("diagnostic %+v", d)
	}
	if filepath.Base(d.Subject.Filename) != "master.hcl" || d.Subject.Start.Line != 5 || d.Subject.Start.Column != 19 {
		t.Errorf("diagnostic at %s, want master.hcl:5,19", d.Subject)
	}
	// A type error is found by the schema itself, also at its line.
	_, diags = e.tryLoad(t, `
# a comment
change_source "patchdir" "incoming" {
  dir     = "/x"
  archive = "maybe"
}
`)
	if !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Start.Line != 5 {
		t.Errorf("type error: %v", diags)
	}
}

func TestWrongChecksumRefused(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	bin := plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
	sum, err := plugins.HashFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	lf := &plugins.LockFile{Plugins: map[string]plugins.LockEntry{"patchdir": {Name: "patchdir", SHA256: strings.Repeat("0", 64)}}}
	if err := lf.Write(basedir); err != nil {
		t.Fatal(err)
	}
	_, err = e.host.Catalog().Describe(context.Background(), plugins.Binary{Name: "patchdir", Path: bin, SHA256: sum})
	var ce *plugins.ChecksumError
	if !errors.As(err, &ce) || ce.Got != sum || ce.Want != strings.Repeat("0", 64) {
		t.Fatalf("describe of a binary with the wrong sum: %v", err)
	}
	_, diags := e.tryLoad(t, patchdirConfig(t.TempDir()))
	if !diags.HasErrors() {
		t.Fatal("config accepted a refused plugin")
	}
	if logs := e.logs.String(); !strings.Contains(logs, "sha256 mismatch") || !strings.Contains(logs, sum) || !strings.Contains(logs, strings.Repeat("0", 64)) || !strings.Contains(logs, bin) {
		t.Error("the refusal was not logged with the plugin's path and both hashes")
	}
	// Validation (as `bbhost validate` runs it) reports the refusal itself.
	path := filepath.Join(basedir, "master.hcl")
	cfg, ldiags := config.Load(path, config.LoadOptions{Hostname: "test"})
	if ldiags.HasErrors() {
		t.Fatal(ldiags)
	}
	vd := e.host.Validate(context.Background(), cfg)
	if !vd.HasErrors() || !strings.Contains(vd.Error(), "refusing") || !strings.Contains(vd.Error(), sum) {
		t.Errorf("validate: %v", vd)
	}
	// A plugin block pin is checked too.
	if err := os.Remove(plugins.LockFilePath(basedir)); err != nil {
		t.Fatal(err)
	}
	_, diags = e.tryLoad(t, patchdirConfig(t.TempDir())+fmt.Sprintf(`
plugin "patchdir" {
  sha256 = %q
}
`, strings.Repeat("a", 64)))
	if !diags.HasErrors() {
		t.Fatal("a pinned sha256 mismatch was accepted")
	}
}
