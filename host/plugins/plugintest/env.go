package plugintest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/hcl/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// TestPlugin builds ./host/plugins/plugintest/testplugin (one component of
// every kind) as bbhost-plugin-testplugin; version gives distinct binaries.
func TestPlugin(t testing.TB, version string) string {
	return Build(t, "./host/plugins/plugintest/testplugin", "testplugin", "-X main.version="+version)
}

// Env is a plugin Host on a temporary base directory with in-memory
// Services and test timings (restart backoff 50 ms, claim interval 100 ms).
type Env struct {
	Basedir  string
	Services *Services
	Host     *plugins.Host
	Registry *prometheus.Registry
	Logs     *SyncBuffer
}

// NewEnv installs binaries into <basedir>/plugins and returns a Host,
// stopped at the end of the test (its log is printed when the test fails).
func NewEnv(t testing.TB, binaries ...string) *Env {
	t.Helper()
	basedir := t.TempDir()
	for _, b := range binaries {
		Install(t, b, filepath.Join(basedir, plugins.PluginDirName))
	}
	logs := &SyncBuffer{}
	log := hclog.New(&hclog.LoggerOptions{Name: "test", Level: hclog.Debug, Output: logs})
	e := &Env{Basedir: basedir, Services: NewServices(nil), Registry: prometheus.NewRegistry(), Logs: logs}
	h, err := plugins.New(plugins.Options{Basedir: basedir, BinaryDir: "-", Logger: log, Registry: e.Registry, Services: e.Services,
		MQ: e.Services.MQ, RestartBackoff: 50 * time.Millisecond, MaxRestartBackoff: 400 * time.Millisecond,
		PingInterval: 200 * time.Millisecond, PingTimeout: time.Second, DrainTimeout: 5 * time.Second, ClaimInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.Host = h
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

// Load writes src as <basedir>/master.hcl, loads it with the Host's
// schemas and validates it; errors fail the test.
func (e *Env) Load(t testing.TB, src string) *config.Config {
	t.Helper()
	path := filepath.Join(e.Basedir, "master.hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := config.Load(path, config.LoadOptions{Schemas: e.Host.SchemaSource(), Hostname: "test"})
	if !diags.HasErrors() {
		diags = append(diags, e.Host.Validate(context.Background(), cfg)...)
	}
	if diags.HasErrors() {
		var buf bytes.Buffer
		var sources map[string]*hcl.File
		if cfg != nil {
			sources = cfg.Sources
		}
		_ = config.WriteDiagnostics(&buf, sources, diags, false)
		t.Fatalf("config errors:\n%s", buf.String())
	}
	return cfg
}

// WaitFor polls cond until it holds, failing the test after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// SyncBuffer is a goroutine-safe log sink.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
