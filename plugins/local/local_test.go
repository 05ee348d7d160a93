package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbhost/bbhost/sdk/sdktest"
	"github.com/bbhost/bbhost/sdk/worker"
)

func TestLocalWorkerRunsCommandsInItsBasedir(t *testing.T) {
	dir := t.TempDir()
	h := sdktest.New(t, Plugin())
	w := h.Worker(t, "local", "w1", `basedir = "`+dir+`"`)
	ctx := context.Background()
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer w.Stop(ctx, time.Now().Add(time.Second))

	info, err := w.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info["basedir"] != dir {
		t.Errorf("info basedir = %v, want %s", info["basedir"], dir)
	}
	sink := &worker.RecordingSink{}
	cmd := worker.Command{ID: "1", Name: worker.CmdShell, Builder: "b", Args: map[string]any{
		"workdir": filepath.Join(dir, "b", "build"), "command": []string{"sh", "-c", "pwd; echo oops >&2; exit 3"},
	}}
	if err := w.RunCommand(ctx, cmd, sink); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr string
	rc := -100
	for _, u := range sink.Updates() {
		switch u.Key {
		case "stdout":
			stdout += u.Text
		case "stderr":
			stderr += u.Text
		case "rc":
			rc = u.RC
		}
	}
	if rc != 3 || strings.TrimSpace(stdout) != filepath.Join(dir, "b", "build") || stderr != "oops\n" {
		t.Errorf("rc=%d stdout=%q stderr=%q", rc, stdout, stderr)
	}
}

func TestLocalWorkerDefaultBasedir(t *testing.T) {
	cwd := t.TempDir()
	old, _ := os.Getwd()
	if err := os.Chdir(cwd); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	h := sdktest.New(t, Plugin())
	w := h.Worker(t, "local", "w2", ``)
	ctx := context.Background()
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer w.Stop(ctx, time.Now().Add(time.Second))
	if fi, err := os.Stat(filepath.Join(cwd, "workers", "w2")); err != nil || !fi.IsDir() {
		t.Fatalf("default base directory workers/w2 not created: %v", err)
	}
}

func TestBuildEnvironHidesPluginHandshake(t *testing.T) {
	got := buildEnviron([]string{"PATH=/bin", "BBHOST_PLUGIN=cookie", "PLUGIN_CLIENT_CERT=x", "PLUGIN_MIN_PORT=1", "HOME=/root"})
	want := []string{"PATH=/bin", "HOME=/root"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("buildEnviron = %q, want %q", got, want)
	}
}
