package plugins_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/prometheus/client_golang/prometheus"
)

const patchdirPkg = "./examples/plugin-patchdir"

// patchdirBinary builds the example plugin (version selects a distinct
// binary).
func patchdirBinary(t testing.TB, version string) string {
	return plugintest.Build(t, patchdirPkg, "patchdir", "-X main.version="+version)
}

// releaseZip packages bin as a release archive with SHA256SUMS in a new
// directory and returns the archive's path.
func releaseZip(t testing.TB, bin, version string) string {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bbhost-plugin-patchdir_v" + version, Method: zip.Deflate}
	hdr.SetMode(0o755)
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := fmt.Sprintf("bbhost-plugin-patchdir_v%s_%s_%s.zip", version, runtime.GOOS, runtime.GOARCH)
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	sums := fmt.Sprintf("%s  %s\n", hex.EncodeToString(sum[:]), name)
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

type syncBuffer = plugintest.SyncBuffer

type env struct {
	basedir string
	svc     *plugintest.Services
	host    *plugins.Host
	reg     *prometheus.Registry
	logs    *syncBuffer
}

func newEnv(t testing.TB, basedir string) *env {
	t.Helper()
	logs := &syncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Debug, Output: logs})
	e := &env{basedir: basedir, svc: plugintest.NewServices(nil), reg: prometheus.NewRegistry(), logs: logs}
	h, err := plugins.New(plugins.Options{Basedir: basedir, BinaryDir: "-", Logger: log, Registry: e.reg, Services: e.svc, MQ: e.svc.MQ,
		RestartBackoff: 50 * time.Millisecond, MaxRestartBackoff: 400 * time.Millisecond, PingInterval: 200 * time.Millisecond,
		PingTimeout: time.Second, DrainTimeout: 5 * time.Second, ClaimInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.host = h
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = h.Stop(ctx)
		if t.Failed() {
			t.Logf("host log:\n%s", logs.String())
		}
	})
	return e
}

// load writes files into a config directory and loads it with the Host's
// schemas, failing the test on errors.
func (e *env) load(t testing.TB, src string) *config.Config {
	t.Helper()
	cfg, diags := e.tryLoad(t, src)
	if diags.HasErrors() {
		var buf bytes.Buffer
		_ = config.WriteDiagnostics(&buf, cfg.Sources, diags, false)
		t.Fatalf("config errors:\n%s", buf.String())
	}
	return cfg
}

func (e *env) tryLoad(t testing.TB, src string) (*config.Config, hcl.Diagnostics) {
	t.Helper()
	path := filepath.Join(e.basedir, "master.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(path, config.LoadOptions{Schemas: e.host.SchemaSource(), Hostname: "test"})
	if diags.HasErrors() {
		return cfg, diags
	}
	diags = append(diags, e.host.Validate(context.Background(), cfg)...)
	return cfg, diags
}

// writeChange drops change file n into dir (written then renamed).
func writeChange(t testing.TB, dir string, n int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"author": "alice", "comments": fmt.Sprintf("change %d", n), "revision": fmt.Sprintf("%040d", n),
		"branch": "main", "files": []string{"f"}})
	name := fmt.Sprintf("%08d.json", n)
	tmp := filepath.Join(dir, "."+name)
	if err := os.WriteFile(tmp, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkChanges asserts the services hold exactly changes 1..n, each once.
func checkChanges(t testing.TB, svc *plugintest.Services, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, c := range svc.Changes() {
		seen[*c.Revision]++
	}
	for i := 1; i <= n; i++ {
		rev := fmt.Sprintf("%040d", i)
		if seen[rev] != 1 {
			t.Errorf("change %d submitted %d times", i, seen[rev])
		}
		delete(seen, rev)
	}
	for rev, k := range seen {
		t.Errorf("unexpected change %s (%d times)", rev, k)
	}
}

// metric sums the counter name over its labels.
func metric(t testing.TB, e *env, name string) float64 {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func killProcess(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
