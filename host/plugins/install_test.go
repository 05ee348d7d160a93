package plugins_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallFromURL(t *testing.T) {
	zipPath := releaseZip(t, patchdirBinary(t, "0.1.0"), "0.1.0")
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(zipPath))))
	defer srv.Close()
	e := newEnv(t, t.TempDir())
	ctx := context.Background()
	got, err := e.host.Catalog().Install(ctx, srv.URL+"/"+filepath.Base(zipPath), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.Version != "0.1.0" || filepath.Dir(got.Binary.Path) != filepath.Join(e.basedir, "plugins") {
		t.Errorf("installed %+v", got)
	}
	st, err := os.Stat(got.Binary.Path)
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("installed file: %v %v", st, err)
	}
	// Without SHA256SUMS a download is refused.
	if err := os.Remove(filepath.Join(filepath.Dir(zipPath), "SHA256SUMS")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.host.Catalog().Install(ctx, srv.URL+"/"+filepath.Base(zipPath), srv.Client()); err == nil || !strings.Contains(err.Error(), "SHA256SUMS") {
		t.Errorf("download without SHA256SUMS: %v", err)
	}
	// A file that is not named like a plugin is refused.
	other := filepath.Join(t.TempDir(), "tool")
	if err := os.WriteFile(other, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := e.host.Catalog().Install(ctx, other, nil); err == nil {
		t.Error("a binary named tool was installed")
	}
	// A binary that does not describe itself as its name is refused.
	liar := filepath.Join(t.TempDir(), "bbhost-plugin-other")
	data, _ := os.ReadFile(patchdirBinary(t, "0.1.0"))
	if err := os.WriteFile(liar, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := e.host.Catalog().Install(ctx, liar, nil); err == nil || !strings.Contains(err.Error(), "calls itself") {
		t.Errorf("a misnamed binary: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.basedir, "plugins", "bbhost-plugin-other")); !os.IsNotExist(err) {
		t.Error("the refused binary was left in the plugin directory")
	}
}
