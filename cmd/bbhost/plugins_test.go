package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/bbhost/bbhost/host/plugins"
	"github.com/bbhost/bbhost/host/plugins/plugintest"
)

func pluginsCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runPluginsCommand(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPluginsCommand(t *testing.T) {
	basedir := t.TempDir()
	cfgPath := filepath.Join(basedir, "master.hcl")
	if err := os.WriteFile(cfgPath, []byte("master { name = \"t\" }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := plugintest.BuildTemp(t, "./examples/plugin-patchdir", "patchdir", "-X main.version=0.3.0")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	// A release archive with SHA256SUMS beside it.
	rel := t.TempDir()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("bbhost-plugin-patchdir")
	_, _ = w.Write(data)
	_ = zw.Close()
	zipName := fmt.Sprintf("bbhost-plugin-patchdir_v0.3.0_%s_%s.zip", runtime.GOOS, runtime.GOARCH)
	if err := os.WriteFile(filepath.Join(rel, zipName), zbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(zbuf.Bytes())
	if err := os.WriteFile(filepath.Join(rel, "SHA256SUMS"), []byte(hex.EncodeToString(sum[:])+"  "+zipName+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if code, _, errs := pluginsCmd(t, "bogus"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("bogus: %d %q", code, errs)
	}
	code, out, errs := pluginsCmd(t, "install", filepath.Join(rel, zipName), "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "installed plugin patchdir 0.3.0") {
		t.Fatalf("install: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = pluginsCmd(t, "list", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "patchdir") || !strings.Contains(out, "0.3.0") || !strings.Contains(out, "change_source patchdir") ||
		!strings.Contains(out, " ok ") {
		t.Fatalf("list: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = pluginsCmd(t, "describe", "-config", cfgPath, "patchdir")
	if code != 0 || !strings.Contains(out, `change_source "patchdir"`) || !strings.Contains(out, "poll_interval") ||
		!strings.Contains(out, "directory to watch") || !strings.Contains(out, "required") {
		t.Fatalf("describe: %d\n%s\n%s", code, out, errs)
	}

	// A corrupted archive is refused.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, zipName), append(zbuf.Bytes(), 0), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(bad, "SHA256SUMS"), []byte(hex.EncodeToString(sum[:])+"  "+zipName+"\n"), 0o644)
	if code, _, errs := pluginsCmd(t, "install", "-config", cfgPath, filepath.Join(bad, zipName)); code != 1 || !strings.Contains(errs, "checksum mismatch") {
		t.Errorf("corrupt archive: %d %q", code, errs)
	}

	// A binary replaced behind the lock file's back is refused.
	installed := filepath.Join(basedir, "plugins", "bbhost-plugin-patchdir")
	other := plugintest.BuildTemp(t, "./examples/plugin-patchdir", "patchdir", "-X main.version=0.4.0")
	plugintest.Install(t, other, filepath.Join(basedir, "plugins"))
	code, out, errs = pluginsCmd(t, "list", "-config", cfgPath)
	if code != 1 || !strings.Contains(out, "REFUSED") {
		t.Errorf("list with a mismatching binary: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := pluginsCmd(t, "describe", "-config", cfgPath, "patchdir"); code != 1 || !strings.Contains(errs, "refusing "+installed) {
		t.Errorf("describe of a refused binary: %d %q", code, errs)
	}
	// lock accepts it on purpose.
	if code, out, errs := pluginsCmd(t, "lock", "-config", cfgPath); code != 0 || !strings.Contains(out, "locked patchdir") {
		t.Fatalf("lock: %d\n%s\n%s", code, out, errs)
	}
	lf, err := plugins.ReadLockFile(basedir)
	if err != nil {
		t.Fatal(err)
	}
	if e := lf.Plugins["patchdir"]; e.Version != "0.4.0" {
		t.Errorf("lock entry %+v", e)
	}
	if code, out, _ := pluginsCmd(t, "describe", "-config", cfgPath, "patchdir"); code != 0 || !strings.Contains(out, "plugin patchdir 0.4.0") {
		t.Errorf("describe after lock: %d\n%s", code, out)
	}
}
