package plugins_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/bbhost/bbhost/host/config"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
)

type pbWorkerConfig struct {
	Password       string `hcl:"password" doc:"the worker's password"`
	MissingTimeout string `hcl:"missing_timeout,optional"`
}

func TestHostProvidedKind(t *testing.T) {
	basedir := t.TempDir()
	e := newEnv(t, basedir)
	plugintest.Install(t, patchdirBinary(t, "0.1.0"), filepath.Join(basedir, "plugins"))
	if err := e.host.RegisterHostKind(config.TypeWorker, "pb", pbWorkerConfig{}); err != nil {
		t.Fatal(err)
	}
	src := schemaKinds(t, e)
	if !src["pb"] {
		t.Errorf("kinds %v lack the host kind", src)
	}
	cfg := e.load(t, `worker "pb" "w1" {
  password   = "secret"
  max_builds = 1
}`)
	if v := cfg.Workers[0].Value; v.IsNull() || v.GetAttr("password").AsString() != "secret" {
		t.Fatalf("host kind block value %#v", v)
	}
	if items := e.host.Items(cfg, config.TypeWorker); len(items) != 0 {
		t.Errorf("the plugin host would run a host-provided worker: %v", items)
	}
	_, diags := e.tryLoad(t, `worker "pb" "w1" { max_builds = 1 }`)
	if !diags.HasErrors() {
		t.Error("a host kind block without its required attribute was accepted")
	}
	if err := e.host.RegisterHostKind(config.TypeWorker, "bad", struct {
		C chan int `hcl:"c"`
	}{}); err == nil {
		t.Error("a config struct with a channel was accepted")
	}
	_ = context.Background()
}

func schemaKinds(t *testing.T, e *env) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, k := range e.host.SchemaSource().Kinds(config.TypeWorker) {
		out[k] = true
	}
	return out
}
