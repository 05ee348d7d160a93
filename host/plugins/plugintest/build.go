package plugintest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildMu  sync.Mutex
	buildDir string
	built    = map[string]string{}
)

// Main runs the tests and removes the binaries Build made. Call it from
// TestMain: os.Exit(plugintest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	buildMu.Lock()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	buildMu.Unlock()
	return code
}

// Build compiles the main package pkg (an import path or a path relative
// to the module root, such as "./examples/plugin-patchdir") into a binary
// named bbhost-plugin-NAME and returns its path. ldflags are passed to go
// build (for example "-X main.version=0.2.0" to get a different binary).
// Each (pkg, name, ldflags) is built once per test binary.
func Build(t testing.TB, pkg, name, ldflags string) string {
	t.Helper()
	key := pkg + "\x00" + name + "\x00" + ldflags
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[key]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "bbhost-plugintest-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	out := filepath.Join(buildDir, fmt.Sprintf("b%d", len(built)), "bbhost-plugin-"+name)
	goBuild(t, out, pkg, ldflags)
	built[key] = out
	return out
}

// BuildTemp is Build without the cache (and without needing Main): the
// binary goes into a directory of t's, removed when t ends.
func BuildTemp(t testing.TB, pkg, name, ldflags string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bbhost-plugin-"+name)
	goBuild(t, out, pkg, ldflags)
	return out
}

func goBuild(t testing.TB, out, pkg, ldflags string) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-o", out}
	if ldflags != "" {
		args = append(args, "-ldflags", ldflags)
	}
	args = append(args, pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a Go module")
	}
	return filepath.Dir(mod), nil
}

// Install copies the binary at src into dir as bbhost-plugin-NAME (mode
// 0755) and returns the new path.
func Install(t testing.TB, src, dir string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}
